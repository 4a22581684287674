import { ConfigError } from '@throughcare/platform-config';
import { bootstrapService } from '@throughcare/platform-http';
import { installCoreLogWatch } from '@throughcare/platform-temporal';
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

const TEMPORAL_LEVEL = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  log: 'INFO',
  debug: 'DEBUG',
  verbose: 'TRACE',
} as const;

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
