// Every workflow the orchestrator's worker registers. Bundled by the worker and by
// workflows.bundle.spec.ts, which fails CI if a workflow file imports something non-deterministic.
export { throughcareJourney } from './throughcare.workflow';
export { auditVerification } from './audit-verification.workflow';
export { releasePointReplan } from './release-point-replan.workflow';
export { receptionReversedTombstone } from './reception-reversed-tombstone.workflow';
