import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';

/** Pages asked for before giving up on a run's first event (a page may come back empty with a token). */
const MAX_PAGES = 5;

/**
 * The input a run was started with: the first event of its history (WorkflowExecutionStarted),
 * asked for alone (pages of one event, not the run's whole history: review of stop 39, N5), its
 * first argument decoded as the client decodes any payload (the project codec decrypts it).
 * Undefined only when the start event carries no argument. The server may answer a page with no
 * event and a next-page token (as the SDK's own `fetchHistory` allows for): the next page is asked
 * for. No start event at all is a retryable failure (review of stop 40, M1), never read as "no
 * input": callers decide on it. `runId` absent: the latest run under `workflowId`.
 */
export async function startInputOfRun(
  client: Client,
  workflowId: string,
  runId: string | undefined,
): Promise<unknown> {
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    const first = answer.history?.events?.[0];
    if (first) {
      const started = first.workflowExecutionStartedEventAttributes;
      if (!started)
        throw ApplicationFailure.retryable(
          `${workflowId}: the first event of its history is not its start`,
          'RUN_START_UNREADABLE',
        );
      const payloads = started.input?.payloads;
      if (!payloads?.length) return undefined;
      const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
      return input;
    }
    if (!answer.nextPageToken?.length) break;
    nextPageToken = answer.nextPageToken;
  }
  throw ApplicationFailure.retryable(
    `${workflowId}: no start event came back for its run (asked ${MAX_PAGES} pages at most)`,
    'RUN_START_UNREADABLE',
  );
}
