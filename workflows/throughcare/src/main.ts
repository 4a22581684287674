import { ConfigError } from '@throughcare/platform-config';
import { bootstrapService } from '@throughcare/platform-http';
import { loadOrchestratorConfig } from './config';
import { OrchestratorModule } from './orchestrator.module';

async function main(): Promise<void> {
  const config = loadOrchestratorConfig();
  await bootstrapService({
    module: OrchestratorModule.forRoot(config),
    name: 'orchestrator',
    port: config.PORT,
    logLevel: config.LOG_LEVEL,
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
