import type { Client } from '@temporalio/client';
import { EventCatalogue } from '@throughcare/contracts';
import { isPermanent, type MessageContext } from '@throughcare/platform-messaging';
import { BridgeErrorCodes, bridgeHandler } from './bridge';
import { bridgedEventTypes, commandFor, planningIssuesOf, UnplannableEvent } from './event-to-command';
import {
  courtLiberationData as courtLiberation,
  derive,
  fact,
  plannableFacts,
  receptionData,
} from './spec-support';

// Issue 7 findings 1 and 9 at the bus boundary: an event the journey could not plan (a date
// outside the policies and calendar this build carries, a home council outside the
// jurisdiction) is dead-lettered with a reason naming the field, never sent to a workflow.

const valid = plannableFacts;
const at = '2027-01-14T09:00:00Z';
const id = '6f1c1b7e-4a55-4c8e-9a0e-2f1f5b0c9d11';
const reception = receptionData;

/** A Temporal client that fails the test if the bridge reaches it. */
function untouchable() {
  const calls: string[] = [];
  const client = {
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        executeUpdate: async () => void calls.push(`update ${workflowId}`),
      }),
      signalWithStart: async (_: string, options: { workflowId: string }) =>
        void calls.push(`signalWithStart ${options.workflowId}`),
    },
  } as unknown as Client;
  const logger = { log: () => {}, warn: () => {}, error: () => {} };
  return { calls, handle: bridgeHandler(client, derive, logger) };
}
const context: MessageContext = { subject: 's', streamSequence: 1, deliveryCount: 1, headers: undefined };

describe('bridge: events the journey cannot plan', () => {
  it('covers every version of every bridged event type', () => {
    const bridgedKeys = Object.keys(EventCatalogue).filter((key) =>
      (bridgedEventTypes as readonly string[]).includes(key.split('@')[0]!),
    );
    expect(valid.map(([key]) => key).sort()).toEqual(bridgedKeys.sort());
  });

  it.each(valid)('%s: a plannable event still becomes a command', (key, data) => {
    expect(planningIssuesOf(fact(key, data))).toEqual([]);
    expect(commandFor(fact(key, data), derive).kind).not.toBe('ignore');
  });

  it.each(valid)('%s: a date past the calendar (2099) is refused, naming data.%s', (key, data, field) => {
    const value = String(data[field]).length === 10 ? '2099-01-01' : '2099-01-01T10:00:00Z';
    const bad = fact(key, { ...data, [field]: value });

    expect(() => commandFor(bad, derive)).toThrow(UnplannableEvent);
    expect(planningIssuesOf(bad)).toEqual([
      {
        field: `data.${field}`,
        message: expect.stringMatching(
          new RegExp(`^data\\.${field} ${value} is after the last date this build can plan \\(2044-12-31\\)`),
        ),
      },
    ]);
  });

  it('refuses a reception before the first policy, and names every bad field at once', () => {
    const bad = fact('custody.person.received@1', {
      ...reception,
      receivedAt: '2025-06-01T10:00:00Z',
      sentenceDate: '2025-05-01',
      expectedReleaseDate: '2099-01-01',
      homeLocalAuthority: 'E08000035',
    });
    expect(planningIssuesOf(bad)).toEqual([
      {
        field: 'data.receivedAt',
        message: expect.stringContaining('is before the first SLA policy for SCOTLAND (scotland-2026 v1'),
      },
      { field: 'data.expectedReleaseDate', message: expect.stringContaining('is after the last date') },
      {
        field: 'data.homeLocalAuthority',
        message:
          'data.homeLocalAuthority E08000035 is an English or Welsh authority, outside jurisdiction SCOTLAND',
      },
    ]);
  });

  it.each([
    [
      'custody.person.received@1',
      { ...reception, homeLocalAuthority: 'S12000099' },
      /not one of the 32 current Scottish council codes/,
    ],
    [
      'custody.person.received@1',
      { ...reception, jurisdiction: 'ENGLAND_AND_WALES' },
      /is a Scottish council, outside jurisdiction ENGLAND_AND_WALES/,
    ],
    [
      'custody.person.liberated-from-court@1',
      { ...courtLiberation, homeLocalAuthority: 'E12000003' },
      /is not a local-authority GSS code/,
    ],
  ] as const)('%s: refuses home local authority of %o', (key, data, message) => {
    expect(planningIssuesOf(fact(key, data))).toEqual([
      { field: 'data.homeLocalAuthority', message: expect.stringMatching(message) },
    ]);
  });

  it('ignores events it does not send to a journey', () => {
    const reader = fact('custody.meeting.booked@1', {
      bookingId: id,
      episode: 1,
      kind: 'CJSW_VISIT',
      establishmentCode: 'BAR',
      date: '2099-01-01',
    });
    expect(planningIssuesOf(reader)).toEqual([]);
  });

  it.each([
    ['a reception', fact('custody.person.received@1', { ...reception, expectedReleaseDate: '2099-01-01' })],
    [
      'a release-date change',
      fact('custody.release-date.changed@1', {
        episode: 1,
        expectedReleaseDate: '2099-01-01',
        previousExpectedReleaseDate: '2027-06-01',
        reason: 'RECALCULATION',
        changedAt: at,
      }),
    ],
  ])('the handler dead-letters %s with code UNPLANNABLE_EVENT and never reaches Temporal', async (_, bad) => {
    const { calls, handle } = untouchable();

    const failure = await handle(bad, context).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(isPermanent(failure)).toBe(true);
    expect(failure).toMatchObject({
      code: BridgeErrorCodes.unplannable,
      message: expect.stringMatching(
        new RegExp(
          `^${bad.eventType}: data\\.expectedReleaseDate 2099-01-01 is after the last date this build can plan`,
        ),
      ),
    });
    expect(calls).toEqual([]);
  });
});
