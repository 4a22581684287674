export { OrchestratorModule } from './orchestrator.module';
export { loadOrchestratorConfig, type OrchestratorConfig } from './config';
export { BRIDGE_CONSUMER } from './bridge/bridge.host';
