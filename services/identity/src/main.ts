import { ConfigError } from '@throughcare/platform-config';
import { startIdentityService } from './identity-service';
import { loadIdentityConfig } from './config';

async function main(): Promise<void> {
  const service = await startIdentityService(loadIdentityConfig());
  const stop = (signal: string) => {
    console.log(`identity: ${signal}, stopping`);
    service.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
