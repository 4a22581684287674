import { ConfigError } from '@throughcare/platform-config';
import { bootstrapService } from '@throughcare/platform-http';
import { installCoreLogWatch, TEMPORAL_LEVEL } from '@throughcare/platform-temporal';
import { loadOrchestratorConfig } from './config';
import { OrchestratorModule } from './orchestrator.module';

async function main(): Promise<void> {
  const config = loadOrchestratorConfig();
  // Before anything starts the Temporal Runtime: core logs forwarded, so that a journey its worker
  // cannot replay is repaired (repair/journey-repair.service.ts).
  installCoreLogWatch({ level: TEMPORAL_LEVEL[config.LOG_LEVEL] });
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
