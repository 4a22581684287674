import fc from 'fast-check';
import type { Client } from '@temporalio/client';
import { parseEvent } from '@throughcare/contracts';
import { isPermanent, type MessageContext } from '@throughcare/platform-messaging';
import { bridgeHandler } from './bridge';
import { oddValues } from '@throughcare/testing';
import { derive, PERSON, plannableFacts } from './spec-support';

// Issue 8, "fuzzed bus events": whatever arrives on a bridged subject, the consumer's two steps
// (parseEvent, then the bridge's handler) end in exactly one of three ways: refused by the parser
// with a code and a reason (dead-lettered by the consumer), refused by the handler with a
// PermanentError naming a code (dead-lettered), or turned into one Temporal call. Never a thrown
// TypeError, never a transient error (which would hold the key's later messages for the whole
// retry horizon), never a hang. The fast version runs BUS_FUZZ_RUNS (default 1,000) cases per
// mutation family; `BUS_FUZZ_RUNS=20000` is the full one.

const RUNS = Number(process.env.BUS_FUZZ_RUNS ?? 1000);

/** A Temporal client that records what the bridge asks of it and always succeeds. */
function recordingClient() {
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
  return { calls, client };
}
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const context: MessageContext = { subject: 's', streamSequence: 1, deliveryCount: 1, headers: undefined };

type Outcome = 'parse-refused' | 'dead-lettered' | 'handled' | 'ignored';

/** What the consumer would do with these bytes; throws (failing the property) on anything else. */
async function consume(raw: string | Uint8Array): Promise<Outcome> {
  const parsed = parseEvent(raw);
  if (!parsed.ok) {
    expect(parsed.code).toMatch(/^[A-Z_]+$/);
    expect(parsed.reason.length).toBeGreaterThan(0);
    return 'parse-refused';
  }
  const { calls, client } = recordingClient();
  const handle = bridgeHandler(client, derive, quiet, { temporalDeadlineMs: 1000 });
  try {
    await handle(parsed.event, context);
  } catch (e) {
    if (isPermanent(e)) {
      expect(e.code).toMatch(/^[A-Z_]+$/);
      expect(e.message.length).toBeGreaterThan(0);
      return 'dead-lettered';
    }
    throw new Error(`the bridge threw a non-permanent error for bad input: ${String(e)}`);
  }
  return calls.length > 0 ? 'handled' : 'ignored';
}

/** A valid envelope of one bridged type around `data`. */
function envelope(key: string, data: unknown, extra: Record<string, unknown> = {}) {
  const [eventType, version] = key.split('@');
  return {
    eventType,
    version: Number(version),
    eventId: '0b5f3c1e-2d4a-4f6b-8c9d-0e1f2a3b4c5d',
    occurredAt: '2027-01-10T09:00:00Z',
    correlationId: 'corr-fuzz',
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
    data,
    ...extra,
  };
}

const fact = fc.constantFrom(...plannableFacts);
/** Values that stress a field: any JSON, odd unicode, odd numbers, odd dates. */
const oddValue = oddValues([
  '',
  '\u0000',
  '\ud800',
  'A1234BC\u202e',
  '2027-02-30',
  '2027-01-10T25:00:00Z',
  '9999-12-31',
]);

describe(`bus events, fuzzed (${RUNS} cases per family): refused with a reason, dead-lettered with a code, or handled`, () => {
  jest.setTimeout(120_000);

  it('arbitrary bytes and arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
        ),
        async (raw) => {
          expect(await consume(raw)).toBe('parse-refused');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a valid event of every bridged type with one data field replaced, removed or added', async () => {
    const seen = new Set<Outcome>();
    await fc.assert(
      fc.asyncProperty(
        fact,
        fc.nat(),
        fc.constantFrom('replace', 'remove', 'add'),
        oddValue,
        async ([key, data], pick, how, value) => {
          const fields = Object.keys(data);
          const field = fields[pick % fields.length]!;
          const mutated: Record<string, unknown> = { ...data };
          if (how === 'replace') mutated[field] = value;
          else if (how === 'remove') delete mutated[field];
          else mutated[`x${pick}`] = value;
          seen.add(await consume(JSON.stringify(envelope(key, mutated))));
        },
      ),
      { numRuns: RUNS },
    );
    // The generator reaches both sides: some mutations are refused, some still plan.
    expect(seen.has('parse-refused')).toBe(true);
    expect(seen.has('handled')).toBe(true);
  });

  it('a valid event with its envelope mangled: person reference, ids, type and version', async () => {
    await fc.assert(
      fc.asyncProperty(
        fact,
        fc.constantFrom('personReference', 'eventId', 'eventType', 'version', 'occurredAt', 'data'),
        oddValue,
        async ([key, data], field, value) => {
          const outcome = await consume(JSON.stringify(envelope(key, data, { [field]: value })));
          expect(['parse-refused', 'dead-lettered', 'handled', 'ignored']).toContain(outcome);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a person referenced only by a prison number, valid or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fact,
        fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[A-Z]\d{4}[A-Z]{2}$/)),
        async ([key, data], noms) => {
          const event = envelope(key, data, {
            personReference: { identifiers: [{ type: 'NOMS', value: noms }] },
          });
          const outcome = await consume(JSON.stringify(event));
          expect(['parse-refused', 'dead-lettered', 'handled', 'ignored']).toContain(outcome);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
