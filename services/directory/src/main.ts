import { bootstrapService } from '@throughcare/platform-http';
import { AppModule } from './app.module';
import { loadDirectoryConfig } from './config';

async function main(): Promise<void> {
  const config = loadDirectoryConfig();
  await bootstrapService({ module: AppModule.forRoot(config), name: 'directory', port: config.PORT });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
