import { DeliverPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Streams } from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { jetstream } from '@throughcare/platform-messaging';
import type { EpisodeView } from './custody-episode.schemas';
import { aLiberation, aReception, minutesAgo, personIdOf, useLiberation, type Problem } from './spec-support';

// Issue 7 findings 1 and 9: input the journey cannot plan (dates outside the SLA policies and
// bank-holiday calendar this build carries, a home local authority that is not a council of
// the jurisdiction) is refused at the HTTP boundary, and nothing is written or published.
describe('liberation boundaries refuse what the journey cannot plan (real Postgres, NATS, Temporal)', () => {
  const service = useLiberation();
  const lib = {
    get: (path: string) => service.lib.get(path),
    post: (path: string, body: unknown) => service.lib.post(path, body),
  };

  /** Every outbox row about the person, whatever its subject. */
  const outboxRowsAbout = (personId: string) =>
    service.lib.dataSource.query(
      `SELECT subject FROM liberation.outbox WHERE payload->'personReference'->'identifiers' @> $1::jsonb`,
      [JSON.stringify([{ type: 'THROUGHCARE_ID', value: personId }])],
    ) as Promise<Array<{ subject: string }>>;

  /** Subjects of every message on the events stream that mentions the person. */
  async function busMessagesAbout(personId: string, ...texts: string[]): Promise<string[]> {
    const js = jetstream(service.lib.app.get<NatsConnection>(NATS_CONNECTION));
    const reader = await js.consumers.get(Streams.events.name, { deliver_policy: DeliverPolicy.All });
    const found: string[] = [];
    for (;;) {
      const msg = await reader.next({ expires: 1000 });
      if (!msg) break;
      const text = new TextDecoder().decode(msg.data);
      if ([personId, ...texts].some((t) => text.includes(t))) found.push(msg.subject);
    }
    return found;
  }

  async function expectRefused(response: Response, field: string, message: RegExp): Promise<Problem> {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Problem;
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(problem.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    return problem;
  }

  /** No episode, no outbox row and no bus message exist for the person. */
  async function expectNothingRecorded(prisonNumber: string): Promise<void> {
    const personId = personIdOf(prisonNumber);
    const episodes = await lib.get(`/people/${personId}/episodes`);
    expect(episodes.status).toBe(404);
    expect(await outboxRowsAbout(personId)).toEqual([]);
    expect(await busMessagesAbout(personId, prisonNumber)).toEqual([]);
  }

  describe('POST /receptions', () => {
    it('refuses a release date in 2099 (400 naming expectedReleaseDate and the last plannable date); nothing is recorded', async () => {
      const reception = aReception({ expectedReleaseDate: '2099-01-01' });

      const response = await lib.post('/receptions', reception);

      await expectRefused(
        response,
        'expectedReleaseDate',
        /^expectedReleaseDate 2099-01-01 is after the last date this build can plan \(2044-12-31\)/,
      );
      await expectNothingRecorded(reception.prisonNumber);
    });

    it('refuses a reception before the first SLA policy (400 naming receivedAt and the policy); nothing is recorded', async () => {
      const reception = aReception({ receivedAt: '2025-12-31T10:00:00Z', sentenceDate: '2025-12-01' });

      const response = await lib.post('/receptions', reception);

      await expectRefused(
        response,
        'receivedAt',
        /^receivedAt 2025-12-31T10:00:00Z is before the first SLA policy for SCOTLAND \(scotland-2026 v1, in force from 2026-01-01\)/,
      );
      await expectNothingRecorded(reception.prisonNumber);
    });

    it.each([
      ['SCOTLAND', 'S12000099', /is not one of the 32 current Scottish council codes/],
      ['SCOTLAND', 'E08000035', /is an English or Welsh authority, outside jurisdiction SCOTLAND/],
      ['ENGLAND_AND_WALES', 'S12000036', /is a Scottish council, outside jurisdiction ENGLAND_AND_WALES/],
      ['ENGLAND_AND_WALES', 'E12000003', /is not a local-authority GSS code/],
    ])(
      'refuses %s with home local authority %s (400 naming homeLocalAuthority); nothing is recorded',
      async (jurisdiction, code, message) => {
        const reception = aReception({ jurisdiction, homeLocalAuthority: code });

        const response = await lib.post('/receptions', reception);

        await expectRefused(response, 'homeLocalAuthority', message);
        await expectNothingRecorded(reception.prisonNumber);
      },
    );

    it.each([
      ['ENGLAND_AND_WALES', 'E08000035'],
      ['ENGLAND_AND_WALES', 'W06000015'],
      ['SCOTLAND', 'S12000049'],
    ])(
      'still records %s with %s, and a release date at the last plannable day (201)',
      async (jurisdiction, code) => {
        const response = await lib.post(
          '/receptions',
          aReception({ jurisdiction, homeLocalAuthority: code, expectedReleaseDate: '2044-12-31' }),
        );

        expect(response.status).toBe(201);
      },
    );
  });

  describe('changes to an open episode', () => {
    const tooLate = /after the last date this build can plan \(2044-12-31\)/;
    const tooEarly = /before the first date this build can plan \(2025-01-01\)/;
    const changes: Array<[string, string, (personId: string) => [string, unknown], RegExp]> = [
      [
        'a release-date change to 2099',
        'expectedReleaseDate',
        (personId) => [
          `/people/${personId}/episodes/1/release-date`,
          { expectedReleaseDate: '2099-01-01', reason: 'RECALCULATION' },
        ],
        tooLate,
      ],
      [
        'a transfer in 2024',
        'transferredAt',
        (personId) => [
          `/people/${personId}/episodes/1/transfers`,
          { toEstablishmentCode: 'LEI', transferredAt: '2024-06-01T10:00:00Z' },
        ],
        tooEarly,
      ],
      [
        'a release in 2024',
        'releasedAt',
        (personId) => [
          '/releases',
          { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: '2024-06-01T10:00:00Z' },
        ],
        tooEarly,
      ],
      [
        // The HTTP fuzzing of stop 39 found a 500: the episode past Postgres's integer.
        'a release naming an episode past any the record can hold',
        'episode',
        (personId) => [
          '/releases',
          {
            personId,
            episode: 13_271_197_162,
            establishmentCode: 'BAR',
            reason: 'RELEASED',
            releasedAt: minutesAgo(60),
          },
        ],
        /100000/,
      ],
    ];

    it.each(changes)(
      'refuses %s (400 naming %s); the episode and its events are unchanged',
      async (_, field, request, message) => {
        const reception = aReception({ receivedAt: minutesAgo(600) });
        expect((await lib.post('/receptions', reception)).status).toBe(201);
        const personId = personIdOf(reception.prisonNumber);
        const subjectsAbout = async () => (await outboxRowsAbout(personId)).map((r) => r.subject);
        const before = await subjectsAbout();
        expect(before).toEqual(['throughcare.events.custody.person.received']);

        await expectRefused(await lib.post(...request(personId)), field, message);

        const view = (await (await lib.get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
        expect(view).toMatchObject({
          state: 'IN_CUSTODY',
          establishmentCode: 'BAR',
          expectedReleaseDate: reception.expectedReleaseDate,
          releaseDateChanges: [],
          movements: [],
        });
        expect(await subjectsAbout()).toEqual(before);
      },
    );
  });

  describe('POST /court-liberations', () => {
    it.each([
      ['homeLocalAuthority', { homeLocalAuthority: 'W06000015' }, /outside jurisdiction SCOTLAND/],
      ['releasedAt', { releasedAt: '2025-06-01T10:00:00Z' }, /before the first SLA policy for SCOTLAND/],
    ])('refuses a bad %s (400 naming it); nothing is recorded', async (field, overrides, message) => {
      const liberation = aLiberation(overrides);

      const response = await lib.post('/court-liberations', liberation);

      await expectRefused(response, field, message);
      await expectNothingRecorded(liberation.prisonNumber);
    });
  });
});
