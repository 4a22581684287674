import { ConfigError } from '@throughcare/platform-config';
import { bootstrapService } from '@throughcare/platform-http';
import { AppModule } from './app.module';
import { loadLiberationConfig } from './config';

async function main(): Promise<void> {
  const config = loadLiberationConfig();
  await bootstrapService({
    module: AppModule.forRoot(config),
    name: 'liberation',
    port: config.PORT,
    logLevel: config.LOG_LEVEL,
  });
}

main().catch((error: unknown) => {
  // A config error is the operator's to fix: its message lists every variable; a stack adds nothing.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
