import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { AgencyContact, AgencyKind, DirectoryActivities } from '@throughcare/contracts';

const { findAgency } = proxyActivities<DirectoryActivities>({
  taskQueue: 'directory',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

/** Test-only: calls the directory worker the way the journey workflow does. */
export async function findAgencyWorkflow(input: {
  localAuthority: string;
  kind: AgencyKind;
}): Promise<{ found: AgencyContact } | { failureType: string | undefined; nonRetryable: boolean }> {
  try {
    return { found: await findAgency(input) };
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
      return { failureType: error.cause.type ?? undefined, nonRetryable: error.cause.nonRetryable === true };
    }
    throw error;
  }
}
