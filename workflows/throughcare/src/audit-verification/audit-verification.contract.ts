// What the scheduled audit verification's workflow and the orchestrator share: plain values and
// types only (the workflow bundle and the orchestrator's process both load this file).

/** The orchestrator's schedule of audit verifications (one per namespace; its runs are named after it). */
export const AUDIT_VERIFICATION_SCHEDULE_ID = 'throughcare-audit-verification';
/** The workflow type the schedule starts. */
export const AUDIT_VERIFICATION_WORKFLOW_TYPE = 'auditVerification';

/** What a passing verification reports: one line per chain, and the checkpoint's. */
export interface AuditVerificationReport {
  lines: string[];
}

/** The orchestrator's activity (audit-verification.host.ts). */
export interface AuditVerificationActivities {
  /**
   * Verifies every audit chain (seals, links, the store's guards, the checkpoint). A failing
   * verification is a non-retryable `AUDIT_TRAIL_BROKEN` failure carrying the report, an unusable
   * checkpoint a non-retryable `AUDIT_CHECKPOINT_UNUSABLE`; a database that cannot be reached is
   * retried. Heartbeats while it walks.
   */
  verifyAuditTrail(): Promise<AuditVerificationReport>;
}
