// Test-only bundle of the bridge's int spec: the journey double under the journey's type, and the
// real reception-reversed tombstone (as the orchestrator's worker registers it).
export { throughcareJourney } from './journey-double.workflow';
export { receptionReversedTombstone } from '../../workflows/reception-reversed-tombstone.workflow';
