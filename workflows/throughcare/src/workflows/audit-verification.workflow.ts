import { proxyActivities } from '@temporalio/workflow';
import type {
  AuditVerificationActivities,
  AuditVerificationReport,
} from '../audit-verification/audit-verification.contract';

const { verifyAuditTrail } = proxyActivities<AuditVerificationActivities>({
  // A full walk of every chain: minutes on a large store, with a heartbeat every 30 s (a worker
  // that dies mid-walk is noticed in 2 minutes, not at the end of the 30).
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  // Every attempt within the run's own limit (the schedule starts runs with 2 hours).
  scheduleToCloseTimeout: '100 minutes',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['AUDIT_TRAIL_BROKEN', 'AUDIT_CHECKPOINT_UNUSABLE'],
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
