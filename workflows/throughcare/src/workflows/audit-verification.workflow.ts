import { proxyActivities } from '@temporalio/workflow';

/** The workflow type the orchestrator's schedule starts (`AUDIT_VERIFICATION_SCHEDULE_ID`). */
export const AUDIT_VERIFICATION_WORKFLOW_TYPE = 'auditVerification';

/** What a passing verification reports: one line per chain, and the checkpoint's. */
export interface AuditVerificationReport {
  lines: string[];
}

/** The orchestrator's activity (audit-verification/audit-verification.host.ts). */
export interface AuditVerificationActivities {
  /**
   * Verifies every audit chain (seals, links, the store's guards, the checkpoint). A failing
   * verification is a non-retryable `AUDIT_TRAIL_BROKEN` failure carrying the report; a database
   * that cannot be reached is retried.
   */
  verifyAuditTrail(): Promise<AuditVerificationReport>;
}

const { verifyAuditTrail } = proxyActivities<AuditVerificationActivities>({
  // A full walk of every chain: minutes on a large store.
  startToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['AUDIT_TRAIL_BROKEN'],
  },
});

/**
 * One scheduled verification of the audit trail (issue 8: nothing verified it unless someone ran
 * `./throughcare audit verify`). A run that fails, with the report in its failure, is what an
 * operator sees in the Temporal UI under the schedule `throughcare-audit-verification`.
 */
export async function auditVerification(): Promise<AuditVerificationReport> {
  return await verifyAuditTrail();
}
