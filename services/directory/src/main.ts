import { ConfigError } from '@throughcare/platform-config';
import { bootstrapService } from '@throughcare/platform-http';
import { AppModule } from './app.module';
import { CSV_BODY_LIMIT_BYTES } from './agencies/agency.schemas';
import { loadDirectoryConfig } from './config';

async function main(): Promise<void> {
  const config = loadDirectoryConfig();
  await bootstrapService({
    module: AppModule.forRoot(config),
    name: 'directory',
    port: config.PORT,
    logLevel: config.LOG_LEVEL,
    csv: { routes: ['/agencies/import'], bodyLimitBytes: CSV_BODY_LIMIT_BYTES },
  });
}

main().catch((error: unknown) => {
  // A config error is the operator's to fix: its message lists every variable; a stack adds nothing.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
