import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { parseEvent } from '@throughcare/contracts';
import { isPermanent, TransientError } from '@throughcare/platform-messaging';
import { oddValues } from '@throughcare/testing';
import {
  aLiberation,
  aPrisonNumber,
  aReception,
  daysFromToday,
  minutesAgo,
  useLiberation,
} from './spec-support';
import { UpstreamMovementsApplier } from './upstream-movements.consumer';

// Issue 8, "fuzzed bus events", for the consumer that takes upstream prison systems' movements
// (liberation-movements): whatever arrives, its two steps (parseEvent, then the applier against
// the real custody record in Postgres) end in exactly one of four ways: refused by the parser
// with a code (dead-lettered), refused by the applier with a permanent domain error naming a code
// (dead-lettered), applied, or already held. Never a TypeError, a database error or any other
// non-permanent error: the consumer would retry those for its whole horizon, holding the
// person's later movements behind them. UPSTREAM_FUZZ_RUNS cases per family (default 1,000);
// `UPSTREAM_FUZZ_RUNS=5000` is the full version.

const RUNS = Number(process.env.UPSTREAM_FUZZ_RUNS ?? 1000);

type Outcome = 'parse-refused' | 'dead-lettered' | 'held' | 'applied' | 'already-held';

/** Values that stress a field: any JSON, odd unicode, odd numbers, odd dates. */
const oddValue = oddValues([
  '',
  '\u0000',
  'A1234BC\u0000',
  '\ud800',
  'A1234BC\u202e',
  '2027-02-30',
  '2027-01-10T25:00:00Z',
  '9999-12-31',
  '0001-01-01T00:00:00Z',
  'S12000036\u0000',
  'x'.repeat(5000),
]);

/** An upstream event: prison number in the person reference, a fresh event id. */
function upstream(eventType: string, prisonNumber: string, data: Record<string, unknown>) {
  return {
    eventType,
    version: 1,
    eventId: randomUUID(),
    occurredAt: minutesAgo(5),
    correlationId: `fuzz-${randomUUID()}`,
    personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
    data,
  };
}

describe(`upstream movements, fuzzed (${RUNS} cases per family, real Postgres): dead-lettered with a code, or applied`, () => {
  jest.setTimeout(300_000);
  const liberation = useLiberation({ logLevels: ['fatal'] });
  let applier: UpstreamMovementsApplier;
  /** A person in custody (received at the start), for movements about somebody the record knows. */
  let held: string;

  beforeAll(async () => {
    applier = liberation.lib.app.get(UpstreamMovementsApplier);
    held = aPrisonNumber();
    expect(await consume(JSON.stringify(reception(held)))).toBe('applied');
  });

  function reception(prisonNumber: string) {
    const { prisonNumber: _, ...facts } = aReception({ receivedAt: minutesAgo(600) });
    return upstream('custody.person.received', prisonNumber, { prisonNumber, episode: 1, ...facts });
  }

  /** A valid event of each upstream type about `prisonNumber` (received already, for all but the first two). */
  function valid(prisonNumber: string): Array<ReturnType<typeof upstream>> {
    const { prisonNumber: _, ...court } = aLiberation();
    return [
      reception(prisonNumber),
      upstream('custody.person.liberated-from-court', prisonNumber, { prisonNumber, episode: 1, ...court }),
      upstream('custody.release-date.changed', prisonNumber, {
        episode: 1,
        expectedReleaseDate: daysFromToday(40),
        previousExpectedReleaseDate: daysFromToday(60),
        reason: 'HDC_APPROVED',
        changedAt: minutesAgo(3),
      }),
      upstream('custody.person.transferred', prisonNumber, {
        episode: 1,
        fromEstablishmentCode: 'BAR',
        toEstablishmentCode: 'LEI',
        transferredAt: minutesAgo(2),
      }),
      upstream('custody.person.released', prisonNumber, {
        episode: 1,
        establishmentCode: 'BAR',
        reason: 'RELEASED',
        releasedAt: minutesAgo(1),
      }),
      upstream('custody.movement.reversed', prisonNumber, {
        episode: 1,
        movement: 'RELEASE',
        reversedEventId: randomUUID(),
        reversedAt: minutesAgo(1),
      }),
    ];
  }

  /** What the consumer would do with these bytes; throws (failing the property) on anything else. */
  async function consume(raw: string): Promise<Outcome> {
    const parsed = parseEvent(raw);
    if (!parsed.ok) {
      expect(parsed.code).toMatch(/^[A-Z_]+$/);
      expect(parsed.reason.length).toBeGreaterThan(0);
      return 'parse-refused';
    }
    try {
      return await applier.apply(parsed.event);
    } catch (e) {
      if (isPermanent(e)) {
        expect(e.code).toMatch(/^[A-Z_]+$/);
        expect(e.message.length).toBeGreaterThan(0);
        return 'dead-lettered';
      }
      // A movement about an episode not recorded yet, or a reversal or correction of a movement
      // not recorded yet (review stop 43, M5): held for a bounded horizon (what it names may be on
      // its way), then dead-lettered with the reason.
      if (
        e instanceof TransientError &&
        (e.code === 'EPISODE_NOT_YET_KNOWN' || e.code === 'MOVEMENT_NOT_YET_KNOWN')
      ) {
        expect(e.retryHorizonMs).toBe(3_000);
        return 'held';
      }
      throw new Error(
        `the applier threw a non-permanent error (the consumer would retry it for its whole horizon) for ${raw.slice(0, 600)}: ${String((e as Error)?.stack ?? e)}`,
      );
    }
  }

  it('a valid movement of every upstream type with one data field replaced, removed or added', async () => {
    const seen = new Set<Outcome>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(5),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom('replace', 'remove', 'add'),
        oddValue,
        async (type, known, pick, how, value) => {
          const event = valid(known ? held : aPrisonNumber())[type]!;
          const fields = Object.keys(event.data);
          const field = fields[pick % fields.length]!;
          const data: Record<string, unknown> = { ...event.data };
          if (how === 'replace') data[field] = value;
          else if (how === 'remove') delete data[field];
          else data[`x${pick}`] = value;
          seen.add(await consume(JSON.stringify({ ...event, data })));
        },
      ),
      { numRuns: RUNS },
    );
    // The generator reaches both sides: some mutations are refused, some are still applied.
    expect(seen.has('dead-lettered') || seen.has('parse-refused')).toBe(true);
    expect(seen.has('applied')).toBe(true);
  });

  it('a valid movement with its envelope mangled: person reference, ids, type and version', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(5),
        fc.constantFrom('personReference', 'eventId', 'eventType', 'version', 'occurredAt', 'data'),
        oddValue,
        async (type, field, value) => {
          const event = valid(aPrisonNumber())[type]!;
          const outcome = await consume(JSON.stringify({ ...event, [field]: value }));
          expect(['parse-refused', 'dead-lettered', 'held', 'applied', 'already-held']).toContain(outcome);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a person named by prison numbers that disagree, are malformed, or are missing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(5),
        fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[A-Z]\d{4}[A-Z]{2}$/)),
        fc.constantFrom('reference', 'data', 'both-differ', 'none'),
        async (type, noms, where) => {
          const event = valid(aPrisonNumber())[type]!;
          const data: Record<string, unknown> = { ...event.data };
          if ('prisonNumber' in data && where !== 'reference') data['prisonNumber'] = noms;
          const identifiers =
            where === 'none'
              ? []
              : where === 'data'
                ? event.personReference.identifiers
                : [{ type: 'NOMS', value: where === 'both-differ' ? aPrisonNumber() : noms }];
          const outcome = await consume(JSON.stringify({ ...event, data, personReference: { identifiers } }));
          expect(['parse-refused', 'dead-lettered', 'held', 'applied', 'already-held']).toContain(outcome);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the same event twice is applied once, then already held', async () => {
    const event = JSON.stringify(reception(aPrisonNumber()));
    expect(await consume(event)).toBe('applied');
    expect(await consume(event)).toBe('already-held');
  });
});
