import type { Client } from '@temporalio/client';
import { ApplicationFailure, defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { startInputOfRun } from './run-start-input';

/** A client whose history service answers the given pages in turn (each request recorded). */
function clientAnswering(pages: { events: object[]; nextPageToken?: Uint8Array }[]) {
  const requests: { maximumPageSize?: number; nextPageToken?: Uint8Array }[] = [];
  const client = {
    options: {
      namespace: 'default',
      loadedDataConverter: {
        payloadConverter: defaultPayloadConverter,
        failureConverter: defaultFailureConverter,
        payloadCodecs: [],
      },
    },
    workflowService: {
      getWorkflowExecutionHistory: async (request: {
        maximumPageSize?: number;
        nextPageToken?: Uint8Array;
      }) => {
        requests.push(request);
        const page = pages[requests.length - 1] ?? { events: [] };
        return { history: { events: page.events }, nextPageToken: page.nextPageToken };
      },
    },
  } as unknown as Client;
  return { client, requests };
}

const started = (input: unknown) => ({
  workflowExecutionStartedEventAttributes: {
    input: { payloads: [defaultPayloadConverter.toPayload(input)] },
  },
});

describe('startInputOfRun (review of stop 40, M1)', () => {
  it('reads the first event alone and decodes its input', async () => {
    const { client, requests } = clientAnswering([{ events: [started({ episode: 2, returnOf: 1 })] }]);
    await expect(startInputOfRun(client, 'throughcare-p-2', 'run-1')).resolves.toEqual({
      episode: 2,
      returnOf: 1,
    });
    expect(requests).toEqual([expect.objectContaining({ maximumPageSize: 1 })]);
  });

  it('asks the next page when a page comes back empty with a token', async () => {
    const token = new Uint8Array([1, 2, 3]);
    const { client, requests } = clientAnswering([
      { events: [], nextPageToken: token },
      { events: [started({ episode: 3 })] },
    ]);
    await expect(startInputOfRun(client, 'throughcare-p-3', undefined)).resolves.toEqual({ episode: 3 });
    expect(requests[1]).toMatchObject({ nextPageToken: token, maximumPageSize: 1 });
  });

  it('a start event with no argument reads as no input', async () => {
    const { client } = clientAnswering([{ events: [{ workflowExecutionStartedEventAttributes: {} }] }]);
    await expect(startInputOfRun(client, 'throughcare-p-4', undefined)).resolves.toBeUndefined();
  });

  it.each([
    ['no event and no token', [{ events: [] }]],
    [
      'empty pages past the limit',
      Array.from({ length: 6 }, () => ({ events: [], nextPageToken: new Uint8Array([9]) })),
    ],
    [
      'a first event that is not the start',
      [{ events: [{ workflowExecutionCompletedEventAttributes: {} }] }],
    ],
  ])('%s: a retryable failure, never "no input"', async (_, pages) => {
    const { client } = clientAnswering(pages);
    const failure = await startInputOfRun(client, 'throughcare-p-5', undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'RUN_START_UNREADABLE', nonRetryable: false });
  });
});
