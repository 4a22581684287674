import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';

/**
 * The input a run was started with: the first event of its history (WorkflowExecutionStarted),
 * asked for alone (one page of one event, not the run's whole history: review of stop 39, N5), its
 * first argument decoded as the client decodes any payload (the project codec decrypts it).
 * Undefined when that event is not a start or carries no argument. Errors are the service's, as
 * `WorkflowHandle.fetchHistory` gives them. `runId` absent: the latest run under `workflowId`.
 */
export async function startInputOfRun(
  client: Client,
  workflowId: string,
  runId: string | undefined,
): Promise<unknown> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return undefined;
  const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return input;
}
