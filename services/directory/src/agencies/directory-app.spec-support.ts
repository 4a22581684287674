import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, listeningPort, type BootstrapOptions } from '@throughcare/platform-http';
import { AppModule } from '../app.module';
import { loadDirectoryConfig } from '../config';

/** The directory's configuration from the test environment, on a free port. */
export const directoryConfig = loadDirectoryConfig({ ...process.env, PORT: '0' });

/** The audience of the directory's access tokens. */
export const DIRECTORY_AUDIENCE = 'urn:throughcare:directory';

/** The directory app for a spec (errors logged only), and its base URL. */
export async function startDirectory(
  extra: Pick<BootstrapOptions, 'csv'> = {},
): Promise<{ app: NestFastifyApplication; base: string }> {
  const app = await bootstrapService({
    module: AppModule.forRoot(directoryConfig),
    name: 'directory',
    port: 0,
    logLevels: ['error'],
    ...extra,
  });
  return { app, base: `http://127.0.0.1:${listeningPort(app)}` };
}
