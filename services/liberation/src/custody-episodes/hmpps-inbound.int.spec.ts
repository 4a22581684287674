import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  deadLetterSubjectFor,
  HmppsDomainEvent,
  HmppsStream,
  hmppsInboundSubject,
  Streams,
  subjectFor,
} from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { DlqCodes, DlqHeaders, isPermanent, jetstream } from '@throughcare/platform-messaging';
import type { EpisodeView } from './custody-episode.schemas';
import {
  ABSENCE_MATCH_MS,
  HMPPS_ACTOR,
  HMPPS_INBOUND_CONSUMER,
  HmppsInboundTranslator,
} from './hmpps-inbound';
import { PendingReceptionsService } from './pending-receptions.service';
import { PersonIds } from './person-ids';
import { ReceptionsService } from './receptions.service';
import type { AbsencePage, AbsenceView } from './temporary-absence.schemas';
import { TemporaryAbsencesService } from './temporary-absences.service';
import {
  actorOf,
  aLiberation,
  aPrisonNumber,
  aReception,
  anEnglishReception,
  consumerCaughtUp,
  daysFromToday,
  eventually,
  messagesWith as messagesWithIn,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Problem,
} from './spec-support';
import { BUS_ACTOR } from './upstream-movements.consumer';

const DEAD_LETTERS = deadLetterSubjectFor(HMPPS_INBOUND_CONSUMER);

/** An HMPPS prisoner movement event, as the MoJ publishes it (version 1). */
function hmpps(
  kind: 'received' | 'released',
  prisonNumber: string,
  additional: Record<string, unknown>,
  occurredAt = minutesAgo(5),
) {
  return {
    eventType: `prison-offender-events.prisoner.${kind}`,
    version: 1,
    occurredAt,
    publishedAt: new Date().toISOString(),
    description: `A prisoner has been ${kind}`,
    additionalInformation: { nomsNumber: prisonNumber, details: 'from a spec', ...additional },
    personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
  };
}

describe('the HMPPS domain events adapter maps prisoner movements to custody movements (consumer liberation-hmpps)', () => {
  const liberation = useLiberation();
  const lib = () => liberation.lib;
  const nc = () => lib().app.get<NatsConnection>(NATS_CONNECTION);

  /** Publishes on hmpps.inbound.<eventType> (or `subject`); each call is a new message. */
  async function publish(event: { eventType: string } | string, subject?: string) {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    await jetstream(nc()).publish(
      subject ?? hmppsInboundSubject((event as { eventType: string }).eventType),
      body,
      {
        msgID: randomUUID(),
      },
    );
  }

  /** Until the consumer has settled everything on its subjects (acknowledged or dead-lettered). */
  const caughtUp = () => consumerCaughtUp(nc(), HmppsStream.name, HMPPS_INBOUND_CONSUMER);
  const messagesWith = (stream: string, subject: string, marker: string) =>
    messagesWithIn(nc(), stream, subject, marker);

  /** The code and reason of the dead letter whose body contains `marker`. */
  const deadLetterOf = async (marker: string) => {
    const msg = await eventually(
      async () => (await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, marker))[0],
      20_000,
    );
    return { code: msg.headers?.get(DlqHeaders.code), reason: msg.headers?.get(DlqHeaders.reason) };
  };

  /** The reasons of the dead letters whose body contains `marker` (none: []). */
  const deadLetterReasons = async (marker: string) =>
    (await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, marker)).map((m) =>
      m.headers?.get(DlqHeaders.reason),
    );

  const episodeOf = async (personId: string) => {
    const response = await lib().get(`/people/${personId}/episodes/1`);
    return response.status === 200 ? ((await response.json()) as EpisodeView) : undefined;
  };

  /** Received at Leeds (`reception`), then released from it five hours ago for `reason`. */
  const receivedThenReleased = async (reception: object & { prisonNumber: string }, reason = 'RELEASED') => {
    expect((await lib().post('/receptions', reception)).status).toBe(201);
    const released = await lib().post('/releases', {
      prisonNumber: reception.prisonNumber,
      establishmentCode: 'LEI',
      reason,
      releasedAt: minutesAgo(300),
    });
    expect(released.status).toBe(201);
  };

  /** Received at Leeds and released (episode 1), then received in error and reversed (episode 2, void). */
  const releasedThenVoid = async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const reception = anEnglishReception(prisonNumber);
    await receivedThenReleased(reception);
    expect((await lib().post('/receptions', { ...reception, receivedAt: minutesAgo(200) })).status).toBe(201);
    const reversal = await lib().post(`/people/${personId}/episodes/2/reception-reversal`, {
      reversedAt: minutesAgo(150),
      reason: 'RECEIVED_IN_ERROR',
    });
    expect(reversal.status).toBe(201);
    return { prisonNumber, personId };
  };

  /** Once `count` are on the bus: the person's custody.person.received events, as [episode, previousEpisode]. */
  const receivedEpisodes = (personId: string, count: number) =>
    eventually(async () => {
      const data = (
        await messagesWith(Streams.events.name, subjectFor('custody.person.received'), personId)
      ).map(
        (m) =>
          (
            JSON.parse(new TextDecoder().decode(m.data)) as {
              data: { episode: number; previousEpisode?: number };
            }
          ).data,
      );
      return data.length === count ? data.map((d) => [d.episode, d.previousEpisode]) : undefined;
    });

  /** The platform events published for the person, as [eventType, eventId, personReference]. */
  const published = async (eventType: string, personId: string) =>
    (await messagesWith(Streams.events.name, subjectFor(eventType), personId)).map((m) => {
      const e = JSON.parse(new TextDecoder().decode(m.data)) as {
        eventType: string;
        eventId: string;
        personReference: unknown;
      };
      return [e.eventType, e.eventId, e.personReference];
    });

  it('transfers (received TRANSFERRED), absences (court, ROTL) and a release (released RELEASED) move the custody record in order, once each though delivered twice', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const reception = await lib().post('/receptions', anEnglishReception(prisonNumber));
    expect(reception.status).toBe(201);

    // HMPPS tells a transfer twice: released from LEI (TRANSFERRED), received at GMR (TRANSFERRED);
    // each delivered twice. Then back to LEI at once: read against a record already at GMR.
    const there = minutesAgo(300);
    const back = minutesAgo(299);
    const leaving = hmpps('released', prisonNumber, { reason: 'TRANSFERRED', prisonId: 'LEI' }, there);
    const arriving = hmpps('received', prisonNumber, { reason: 'TRANSFERRED', prisonId: 'GMR' }, there);
    const returning = hmpps('received', prisonNumber, { reason: 'TRANSFERRED', prisonId: 'LEI' }, back);
    for (const e of [leaving, arriving, leaving, arriving, returning]) await publish(e);
    const moved = await eventually(async () => {
      const view = await episodeOf(personId);
      return view?.movements.length === 2 ? view : undefined;
    });
    expect(
      moved.movements.map((m) => [m.movement, m.fromEstablishmentCode, m.toEstablishmentCode, m.at]),
    ).toEqual([
      ['TRANSFER', 'LEI', 'GMR', new Date(there).toISOString()],
      ['TRANSFER', 'GMR', 'LEI', new Date(back).toISOString()],
    ]);
    expect(moved.establishmentCode).toBe('LEI');

    // A court appearance and its return (each told twice), a temporary absence: the person stays
    // in custody, and each is the episode's temporary absence (issue 10: CRT and TAP).
    const [leftForCourt, backFromCourt, leftOnRotl] = [minutesAgo(200), minutesAgo(190), minutesAgo(100)];
    const toCourt = hmpps(
      'released',
      prisonNumber,
      { reason: 'SENT_TO_COURT', prisonId: 'LEI' },
      leftForCourt,
    );
    const fromCourt = hmpps(
      'received',
      prisonNumber,
      { reason: 'RETURN_FROM_COURT', prisonId: 'LEI' },
      backFromCourt,
    );
    for (const e of [toCourt, toCourt, fromCourt, fromCourt]) await publish(e);
    await publish(
      hmpps('released', prisonNumber, { reason: 'TEMPORARY_ABSENCE_RELEASE', prisonId: 'LEI' }, leftOnRotl),
    );
    const absences = async () =>
      ((await (await lib().get(`/people/${personId}/episodes/1/absences`)).json()) as AbsencePage).items.map(
        (a) => [a.kind, a.status, a.leftAt, a.returnedAt, a.departureRecordedBy],
      );
    expect(
      await eventually(async () => {
        const now = await absences();
        return now.length === 2 ? now : undefined;
      }),
    ).toEqual([
      ['ROTL', 'OUT', new Date(leftOnRotl).toISOString(), null, HMPPS_ACTOR],
      [
        'COURT',
        'RETURNED',
        new Date(leftForCourt).toISOString(),
        new Date(backFromCourt).toISOString(),
        HMPPS_ACTOR,
      ],
    ]);

    const releasedAt = minutesAgo(30);
    const release = hmpps('released', prisonNumber, { reason: 'RELEASED', prisonId: 'LEI' }, releasedAt);
    await publish(release);
    await publish(release);
    const released = await eventually(async () => {
      const view = await episodeOf(personId);
      return view?.state === 'RELEASED' ? view : undefined;
    });
    expect(released.release).toEqual({
      establishmentCode: 'LEI',
      reason: 'RELEASED',
      releasedAt: new Date(releasedAt).toISOString(),
      releasedBy: BUS_ACTOR,
    });
    await caughtUp();
    const movements = (await episodeOf(personId))!.movements;
    expect(movements.map((m) => [m.movement, m.recordedBy])).toEqual([
      ['TRANSFER', BUS_ACTOR],
      ['TRANSFER', BUS_ACTOR],
      ['RELEASE', BUS_ACTOR],
    ]);
    // Released while out on ROTL: the release ended that absence.
    expect((await absences()).map(([kind, status]) => [kind, status])).toEqual([
      ['ROTL', 'RELEASED'],
      ['COURT', 'RETURNED'],
    ]);
    // Each absence's departure and return told the bus once.
    expect(await published('custody.absence.started', personId)).toHaveLength(2);
    expect(await published('custody.absence.ended', personId)).toHaveLength(1);

    // On the bus: one event per movement, named by the pseudonym only, with a stable id.
    const transfers = await published('custody.person.transferred', personId);
    const releases = await published('custody.person.released', personId);
    const pseudonym = { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] };
    expect(transfers).toEqual([
      ['custody.person.transferred', movements[0]!.eventId, pseudonym],
      ['custody.person.transferred', movements[1]!.eventId, pseudonym],
    ]);
    expect(releases).toEqual([['custody.person.released', movements[2]!.eventId, pseudonym]]);
    expect(await messagesWith(Streams.events.name, 'throughcare.events.custody.>', prisonNumber)).toEqual([]);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, prisonNumber)).toEqual([]);

    // A copy after JetStream's duplicate window (10 minutes) is not published again: the
    // translator finds each movement already applied.
    const translator = lib().app.get(HmppsInboundTranslator);
    for (const copy of [arriving, returning, release]) {
      expect(await translator.translate(HmppsDomainEvent.parse(copy))).toEqual({
        skip: expect.stringMatching(/^already applied as [0-9a-f-]{36}$/),
      });
    }
    // A copy whose reason HMPPS worked out otherwise is the same movement.
    const recomputed = {
      ...release,
      additionalInformation: { ...release.additionalInformation, prisonId: 'GMR' },
    };
    expect(await translator.translate(HmppsDomainEvent.parse(recomputed))).toEqual({
      skip: `already applied as ${movements[2]!.eventId}`,
    });
  });

  it('a recall (an admission whose movement reason is a recall code) of a person released here opens the next episode as a return to custody, once though delivered twice', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const reception = { ...anEnglishReception(prisonNumber), sex: 'FEMALE', dateOfBirth: '1988-09-30' };
    expect((await lib().post('/receptions', reception)).status).toBe(201);
    const translator = lib().app.get(HmppsInboundTranslator);
    const recallAt = new Date().toISOString();
    const recall = hmpps(
      'received',
      prisonNumber,
      { reason: 'ADMISSION', prisonId: 'GMR', nomisMovementReasonCode: 'L' },
      recallAt,
    );
    // Still in custody here with no release recorded: for staff to put right, then replay.
    await expect(translator.translate(HmppsDomainEvent.parse(recall))).rejects.toMatchObject({
      code: 'HMPPS_RECALL_EPISODE_OPEN',
    });

    await publish(hmpps('released', prisonNumber, { reason: 'RELEASED', prisonId: 'LEI' }, minutesAgo(60)));
    await eventually(async () => ((await episodeOf(personId))?.state === 'RELEASED' ? true : undefined));
    await publish(recall);
    await publish(recall);
    const second = await eventually(async () => {
      const response = await lib().get(`/people/${personId}/episodes/2`);
      return response.status === 200 ? ((await response.json()) as EpisodeView) : undefined;
    });
    // The sentence, home area, sex and date of birth of the episode before; planned as a
    // fixed-term recall of a sentence under 12 months: 14 days.
    expect(second).toMatchObject({
      state: 'IN_CUSTODY',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      sex: 'FEMALE',
      dateOfBirth: '1988-09-30',
      establishmentCode: 'GMR',
      reception: {
        establishmentCode: 'GMR',
        reason: 'READMISSION',
        receivedAt: new Date(recallAt).toISOString(),
        receivedBy: HMPPS_ACTOR,
        sentenceDate: reception.sentenceDate,
        sentenceLengthDays: reception.sentenceLengthDays,
        expectedReleaseDate: daysFromToday(14),
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'L' },
      },
    });
    await caughtUp();
    // Once, by the pseudonym only: the record published its own reception, with no prison number.
    const received = await messagesWith(Streams.events.name, subjectFor('custody.person.received'), personId);
    expect(
      received.map(
        (m) => (JSON.parse(new TextDecoder().decode(m.data)) as { data: { episode: number } }).data.episode,
      ),
    ).toEqual([1, 2]);
    expect(await messagesWith(Streams.events.name, 'throughcare.events.custody.>', prisonNumber)).toEqual([]);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, prisonNumber)).toEqual([]);
    expect(await translator.translate(HmppsDomainEvent.parse(recall))).toEqual({
      skip: `already held: episode 2 received at ${new Date(recallAt).toISOString()}`,
    });
  });

  it('a recall after an episode received in error follows the released episode before it: episode 3 opens, and its event names episode 1 as previousEpisode', async () => {
    const { prisonNumber, personId } = await releasedThenVoid();

    await publish(
      hmpps('received', prisonNumber, { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'L' }),
    );
    const third = await eventually(async () => {
      const response = await lib().get(`/people/${personId}/episodes/3`);
      return response.status === 200 ? ((await response.json()) as EpisodeView) : undefined;
    });
    expect(third).toMatchObject({
      state: 'IN_CUSTODY',
      reception: { receivedBy: HMPPS_ACTOR, returnToCustody: { reason: 'RECALL', recallReasonCode: 'L' } },
    });
    await caughtUp();
    expect(await receivedEpisodes(personId, 3)).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 1],
    ]);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, prisonNumber)).toEqual([]);
  });

  it('a new sentence after an episode received in error, completed from a pending reception, follows the released episode before it (previousEpisode)', async () => {
    const { prisonNumber, personId } = await releasedThenVoid();
    // Not a recall code: kept as a pending reception for staff to complete.
    await publish(
      hmpps('received', prisonNumber, { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'N' }),
    );
    const pending = await eventually(async () => {
      const page = await lib().get('/receptions/pending?limit=100', prisonStaff('LEI'));
      return ((await page.json()) as { items: Array<{ id: string; personId: string }> }).items.find(
        (p) => p.personId === personId,
      );
    });
    const done = await lib().post(
      `/receptions/pending/${pending.id}/completion`,
      {
        homeLocalAuthority: 'E08000035',
        sentenceDate: daysFromToday(-1),
        sentenceLengthDays: 365,
        expectedReleaseDate: daysFromToday(170),
        returnToCustody: { reason: 'NEW_SENTENCE' },
      },
      {},
      prisonStaff('LEI'),
    );
    expect(done.status).toBe(201);
    expect(await done.json()).toMatchObject({ episode: 3 });
    expect(await receivedEpisodes(personId, 3)).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 1],
    ]);
  });

  it("a recall the custody record refuses is dead-lettered with the refusal's code and reason (never retried for ever, never dropped); a 409 from the reception is such a refusal too", async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    // Through the consumer: a recall HMPPS dates before the release recorded here.
    const early = aPrisonNumber();
    await receivedThenReleased(anEnglishReception(early));
    await publish(
      hmpps(
        'received',
        early,
        { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'L' },
        minutesAgo(400),
      ),
    );
    expect(await deadLetterOf(early)).toEqual({
      code: 'RECEPTION_BEFORE_PREVIOUS_RELEASE',
      reason: expect.stringMatching(/is before person p[0-9a-f]+ was released from episode 1/),
    });
    expect((await lib().get(`/people/${personIdOf(early)}/episodes/2`)).status).toBe(404);

    // Staff open an episode between the adapter's reading of the record and its reception (a
    // race the consumer cannot be made to lose on purpose): the reception's 409 is permanent, so
    // the consumer dead-letters the HMPPS event with its code, as above.
    const raced = aPrisonNumber();
    const reception = anEnglishReception(raced);
    await receivedThenReleased(reception);
    const translation = await translator.translate(
      HmppsDomainEvent.parse(
        hmpps('received', raced, { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'L' }),
      ),
    );
    expect(translation).toMatchObject({ receive: { returnToCustody: { reason: 'RECALL' } } });
    expect((await lib().post('/receptions', { ...reception, receivedAt: minutesAgo(20) })).status).toBe(201);
    const refusal = await translator.receive(translation as Parameters<typeof translator.receive>[0]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toMatchObject({
      code: 'NOT_A_RETURN_TO_CUSTODY',
      category: 'CONFLICT',
      message: expect.stringContaining('episode 2'),
    });
    expect(isPermanent(refusal)).toBe(true);
  });

  it('a recall with no sentence here to return to (it ended, or the episode was a liberation from court) is dead-lettered for staff', async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    const recallOf = (prisonNumber: string) =>
      HmppsDomainEvent.parse(
        hmpps('received', prisonNumber, {
          reason: 'ADMISSION',
          prisonId: 'LEI',
          nomisMovementReasonCode: 'B',
        }),
      );
    const ended = aPrisonNumber();
    const old = {
      ...anEnglishReception(ended),
      sentenceDate: daysFromToday(-400),
      sentenceLengthDays: 180,
      expectedReleaseDate: daysFromToday(-310),
    };
    await receivedThenReleased(old);
    await expect(translator.translate(recallOf(ended))).rejects.toMatchObject({
      code: 'HMPPS_RECALL_NEEDS_DETAIL',
      message: expect.stringContaining(`after the sentence of episode 1 expired (${daysFromToday(-221)})`),
    });
    const fromCourt = aPrisonNumber();
    const liberated = await lib().post(
      '/court-liberations',
      aLiberation({
        prisonNumber: fromCourt,
        establishmentCode: 'LEI',
        jurisdiction: 'ENGLAND_AND_WALES',
        homeLocalAuthority: 'E08000035',
      }),
    );
    expect(liberated.status).toBe(201);
    await expect(translator.translate(recallOf(fromCourt))).rejects.toMatchObject({
      code: 'HMPPS_RECALL_NEEDS_DETAIL',
      message: expect.stringContaining('a liberation from court with no sentence recorded'),
    });
    // Released to hospital, not on licence: not a licence recall.
    const hospital = aPrisonNumber();
    await receivedThenReleased(anEnglishReception(hospital), 'RELEASED_TO_HOSPITAL');
    await expect(translator.translate(recallOf(hospital))).rejects.toMatchObject({
      code: 'HMPPS_RECALL_NEEDS_DETAIL',
      message: expect.stringContaining('released RELEASED_TO_HOSPITAL, not on licence'),
    });
  });

  it('plans a recall from home detention curfew to the conditional release date, and skips a recall staff recorded already', async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    const prisonNumber = aPrisonNumber();
    // Released early on HDC; its conditional release date is 60 days from today (the reception's).
    await receivedThenReleased(anEnglishReception(prisonNumber));
    const hdc = HmppsDomainEvent.parse(
      hmpps(
        'received',
        prisonNumber,
        { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'B' },
        new Date().toISOString(),
      ),
    );
    expect(await translator.translate(hdc)).toMatchObject({
      receive: {
        expectedReleaseDate: daysFromToday(60),
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
      },
    });
    // Staff record the recall first, at their own time for it: HMPPS's is the same recall.
    const byStaff = await lib().post('/receptions', {
      ...anEnglishReception(prisonNumber),
      reason: 'READMISSION',
      receivedAt: minutesAgo(20),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
    });
    expect(byStaff.status).toBe(201);
    expect(await translator.translate(hdc)).toEqual({
      skip: expect.stringMatching(/^already received: episode 2 is a recall, open since /),
    });
  });

  it("a new admission waits as a pending reception for the receiving prison's staff: kept once though delivered twice, seen by that prison only, completed with the facts the event lacks it opens the episode", async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const receivedAt = minutesAgo(30);
    const admission = hmpps(
      'received',
      prisonNumber,
      { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'N' },
      receivedAt,
    );
    await publish(admission);
    await publish(admission);
    await caughtUp();
    type Pending = {
      id: string;
      personId: string;
      status: string;
      episode: number | null;
      prisonNumber: string;
    };
    const pendingOf = async (as = prisonStaff('LEI')) => {
      const page = await lib().get('/receptions/pending?limit=100', as);
      expect(page.status).toBe(200);
      return ((await page.json()) as { items: Pending[] }).items.filter((p) => p.personId === personId);
    };
    const [pending, ...more] = await pendingOf();
    expect(more).toEqual([]);
    expect(pending).toMatchObject({
      personId,
      prisonNumber,
      establishmentCode: 'LEI',
      reason: 'ADMISSION',
      movementReasonCode: 'N',
      receivedAt,
      status: 'PENDING',
      episode: null,
    });
    // Nothing opened by itself, and nothing on the bus for it.
    expect(await episodeOf(personId)).toBeUndefined();
    expect(await published('custody.person.received', personId)).toEqual([]);
    // Another prison's staff see nothing of it, and cannot act on it.
    expect(await pendingOf(prisonStaff('BAR'))).toEqual([]);
    expect((await lib().get(`/receptions/pending/${pending!.id}`, prisonStaff('BAR'))).status).toBe(404);
    const facts = {
      homeLocalAuthority: 'E08000035',
      sentenceDate: daysFromToday(-10),
      sentenceLengthDays: 365,
      expectedReleaseDate: daysFromToday(170),
    };
    expect(
      (await lib().post(`/receptions/pending/${pending!.id}/completion`, facts, {}, prisonStaff('BAR')))
        .status,
    ).toBe(404);
    // Bad facts: 400 naming the field, as POST /receptions answers.
    const bad = await lib().post(
      `/receptions/pending/${pending!.id}/completion`,
      { ...facts, homeLocalAuthority: 'S12000036' },
      {},
      prisonStaff('LEI'),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.map((e) => e.field)).toEqual(['homeLocalAuthority']);
    // Completed: the episode opens at the event's prison and instant; a retry answers the same.
    const done = await lib().post(
      `/receptions/pending/${pending!.id}/completion`,
      facts,
      {},
      prisonStaff('LEI'),
    );
    expect(done.status).toBe(201);
    expect(await done.json()).toMatchObject({
      status: 'COMPLETED',
      episode: 1,
      resolvedBy: expect.any(String),
    });
    const again = await lib().post(
      `/receptions/pending/${pending!.id}/completion`,
      facts,
      {},
      prisonStaff('LEI'),
    );
    expect(again.status).toBe(200);
    const episode = await episodeOf(personId);
    expect(episode).toMatchObject({
      state: 'IN_CUSTODY',
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      reception: { reason: 'ADMISSION', receivedAt },
    });
    expect(await published('custody.person.received', personId)).toHaveLength(1);
    // Other facts after it: the key's first use stands.
    const other = await lib().post(
      `/receptions/pending/${pending!.id}/completion`,
      { ...facts, sentenceLengthDays: 400 },
      {},
      prisonStaff('LEI'),
    );
    expect(other.status).toBe(422);
    expect(((await other.json()) as Problem).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await pendingOf()).toEqual([]);
    // Completed, it cannot be dismissed.
    const dismiss = await lib().post(
      `/receptions/pending/${pending!.id}/dismissal`,
      { reason: 'a mistake' },
      {},
      prisonStaff('LEI'),
    );
    expect(dismiss.status).toBe(409);
    expect(((await dismiss.json()) as Problem).code).toBe('PENDING_RECEPTION_COMPLETED');
  });

  it('an admission voided as in error by a reception reversal is stale: another copy of it, or another event for it, is skipped (said in the log), never pending again nor an episode', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const receivedAt = minutesAgo(300);
    const admission = hmpps(
      'received',
      prisonNumber,
      { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'N' },
      receivedAt,
    );
    const translator = lib().app.get(HmppsInboundTranslator);
    const kept = await translator.translate(HmppsDomainEvent.parse(admission));
    expect(kept).toMatchObject({ pending: { personId, establishmentCode: 'LEI' } });
    expect(await translator.keepPending(kept as Extract<typeof kept, { pending: unknown }>)).toBe(true);
    // Staff record the reception by hand, ten minutes later than HMPPS's instant: it completes it.
    const reception = {
      ...anEnglishReception(prisonNumber),
      receivedAt: new Date(Date.parse(receivedAt) + 10 * 60_000).toISOString(),
    };
    expect((await lib().post('/receptions', reception, {}, prisonStaff('LEI'))).status).toBe(201);
    const pendingOf = async (status: string) => {
      const page = await lib().get(`/receptions/pending?status=${status}&limit=100`, prisonStaff('LEI'));
      return (
        (await page.json()) as { items: Array<{ personId: string; status: string; episode: number | null }> }
      ).items.filter((p) => p.personId === personId);
    };
    expect(await pendingOf('COMPLETED')).toMatchObject([{ status: 'COMPLETED', episode: 1 }]);
    const reversed = await lib().post(
      `/people/${personId}/episodes/1/reception-reversal`,
      { reversedAt: minutesAgo(100), reason: 'RECEIVED_IN_ERROR', admission: 'IN_ERROR' },
      {},
      prisonStaff('LEI'),
    );
    expect(reversed.status).toBe(201);
    expect(await pendingOf('VOID')).toMatchObject([{ status: 'VOID', episode: 1 }]);

    // Another copy of the admission, and one with its movement reason worked out again: the same
    // event id (it hashes type, version, instant and person, not the reason), so stale by it.
    const recomputed = {
      ...admission,
      additionalInformation: { ...admission.additionalInformation, nomisMovementReasonCode: 'K' },
    };
    for (const copy of [admission, recomputed]) {
      expect(await translator.translate(HmppsDomainEvent.parse(copy))).toEqual({
        skip: expect.stringMatching(
          /^a stale admission: pending reception [0-9a-f-]{36} \(LEI, .*\) was voided as in error by the reversal of episode 1's reception$/,
        ),
        notice: true,
      });
    }
    // The same admission kept under another event id (every copy of a mapped event has the same
    // id, so this stands for one kept by another mapping: a new version of the event): stale too,
    // by its person, prison and instant (review of stop 39, N2).
    await lib().dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('throughcare.unrestricted', 'on', true)`);
      await tx.query(
        `UPDATE liberation.pending_reception SET hmpps_event_id = gen_random_uuid() WHERE person_id = $1 AND status = 'VOID'`,
        [personId],
      );
    });
    expect(await translator.translate(HmppsDomainEvent.parse(recomputed))).toEqual({
      skip: expect.stringMatching(/^a stale admission: pending reception [0-9a-f-]{36} \(LEI, /),
      notice: true,
    });
    // Through the consumer too: acknowledged, nothing kept, opened or dead-lettered.
    await publish(recomputed);
    await caughtUp();
    expect(await pendingOf('PENDING')).toEqual([]);
    expect(await pendingOf('VOID')).toHaveLength(1);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, prisonNumber)).toEqual([]);
    const episodes = (await (await lib().get(`/people/${personId}/episodes`, prisonStaff('LEI'))).json()) as {
      items: Array<{ episode: number; state: string }>;
    };
    expect(episodes.items.map((e) => [e.episode, e.state])).toEqual([[1, 'RECEIVED_IN_ERROR']]);
  });

  it('a pending reception is completed by a reception staff record themselves at that prison, or dismissed with a reason (kept, and then not completable)', async () => {
    const pendingAt = async (prisonNumber: string, prisonId: string) => {
      await publish(hmpps('received', prisonNumber, { reason: 'READMISSION', prisonId }, minutesAgo(20)));
      await caughtUp();
      const page = await lib().get(`/receptions/pending?establishmentCode=${prisonId}&limit=100`);
      const items = ((await page.json()) as { items: Array<{ id: string; personId: string }> }).items;
      return items.find((p) => p.personId === personIdOf(prisonNumber))!;
    };
    // Recorded by hand with POST /receptions: the pending one is completed by it.
    const byHand = aPrisonNumber();
    const first = await pendingAt(byHand, 'LEI');
    expect((await lib().post('/receptions', anEnglishReception(byHand))).status).toBe(201);
    expect(await (await lib().get(`/receptions/pending/${first.id}`)).json()).toMatchObject({
      status: 'COMPLETED',
      episode: 1,
    });
    const completed = await lib().get('/receptions/pending?status=COMPLETED&establishmentCode=LEI&limit=100');
    expect(((await completed.json()) as { items: Array<{ id: string }> }).items.map((p) => p.id)).toContain(
      first.id,
    );
    // Dismissed: kept with its reason (again: the first kept), and no longer completable.
    const second = await pendingAt(aPrisonNumber(), 'GMR');
    const dismissed = await lib().post(`/receptions/pending/${second.id}/dismissal`, {
      reason: 'a NOMIS correction: not received here',
    });
    expect(dismissed.status).toBe(200);
    expect(await dismissed.json()).toMatchObject({
      status: 'DISMISSED',
      dismissalReason: 'a NOMIS correction: not received here',
    });
    const again = await lib().post(`/receptions/pending/${second.id}/dismissal`, {
      reason: 'a NOMIS correction: not received here',
    });
    expect([again.status, ((await again.json()) as { dismissalReason: string }).dismissalReason]).toEqual([
      200,
      'a NOMIS correction: not received here',
    ]);
    // In other words: refused, naming the first.
    const twice = await lib().post(`/receptions/pending/${second.id}/dismissal`, { reason: 'other words' });
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ code: 'PENDING_RECEPTION_DISMISSED' });
    const complete = await lib().post(`/receptions/pending/${second.id}/completion`, {
      homeLocalAuthority: 'E08000035',
      sentenceDate: daysFromToday(-10),
      sentenceLengthDays: 365,
      expectedReleaseDate: daysFromToday(170),
    });
    expect(complete.status).toBe(409);
    expect(((await complete.json()) as Problem).code).toBe('PENDING_RECEPTION_DISMISSED');
    // Completed by hand, the pending one cannot be completed again (nothing to complete).
    const byHandAgain = await lib().post(`/receptions/pending/${first.id}/completion`, {
      homeLocalAuthority: 'E08000035',
      sentenceDate: daysFromToday(-10),
      sentenceLengthDays: 365,
      expectedReleaseDate: daysFromToday(170),
    });
    expect(byHandAgain.status).toBe(409);
    expect(((await byHandAgain.json()) as Problem).code).toBe('PENDING_RECEPTION_COMPLETED');
    // Bad input: a bad id, a bad query, an empty reason.
    expect((await lib().get('/receptions/pending/not-a-uuid')).status).toBe(400);
    expect((await lib().get('/receptions/pending?status=LOST')).status).toBe(400);
    expect((await lib().post(`/receptions/pending/${second.id}/dismissal`, { reason: ' ' })).status).toBe(
      400,
    );
  });

  it('later HMPPS events of a person whose reception is pending: a release dismisses it (no episode for someone free), a transfer waits for it (dead letter naming it); a reception recorded days before another admission completes nothing', async () => {
    const pendingOf = async (prisonNumber: string) => {
      const page = await lib().get('/receptions/pending?status=PENDING&limit=100');
      return ((await page.json()) as { items: Array<{ id: string; personId: string }> }).items.find(
        (p) => p.personId === personIdOf(prisonNumber),
      );
    };
    // Admitted, then released before staff completed it: dismissed, with the reason.
    const remand = aPrisonNumber();
    await publish(hmpps('received', remand, { reason: 'ADMISSION', prisonId: 'LEI' }, minutesAgo(120)));
    await caughtUp();
    const waiting = (await pendingOf(remand))!;
    await publish(hmpps('released', remand, { reason: 'RELEASED', prisonId: 'LEI' }, minutesAgo(60)));
    await caughtUp();
    expect(await (await lib().get(`/receptions/pending/${waiting.id}`)).json()).toMatchObject({
      status: 'DISMISSED',
      dismissalReason: expect.stringMatching(
        /^released \(HMPPS\) from LEI at .* before the reception was completed/,
      ),
      resolvedBy: HMPPS_ACTOR,
    });
    expect(await episodeOf(personIdOf(remand))).toBeUndefined();
    // Admitted, then transferred before it was completed: the transfer waits, naming it.
    const moved = aPrisonNumber();
    await publish(hmpps('received', moved, { reason: 'ADMISSION', prisonId: 'LEI' }, minutesAgo(120)));
    await caughtUp();
    const stillWaiting = (await pendingOf(moved))!;
    await publish(
      hmpps(
        'received',
        moved,
        { reason: 'TRANSFERRED', prisonId: 'GMR', details: `marker moved-${moved}` },
        minutesAgo(60),
      ),
    );
    expect(await deadLetterOf(`marker moved-${moved}`)).toEqual({
      code: 'HMPPS_RECEPTION_PENDING',
      reason: expect.stringContaining(`pending (${stillWaiting.id}): complete it`) as string,
    });
    // A reception recorded by hand a week before a new admission does not complete it.
    const twice = aPrisonNumber();
    await publish(hmpps('received', twice, { reason: 'ADMISSION', prisonId: 'LEI' }, minutesAgo(30)));
    await caughtUp();
    const later = (await pendingOf(twice))!;
    const earlier = {
      ...anEnglishReception(twice),
      receivedAt: minutesAgo(7 * 24 * 60),
    };
    expect((await lib().post('/receptions', earlier)).status).toBe(201);
    expect(await (await lib().get(`/receptions/pending/${later.id}`)).json()).toMatchObject({
      status: 'PENDING',
    });
  });

  it('a return with no absence open is held for the late horizon, then dead-lettered (not skipped); a return from the other kind of absence is a dead letter naming both', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
    const translator = lib().app.get(HmppsInboundTranslator);
    const lateReturn = hmpps('received', prisonNumber, {
      reason: 'TEMPORARY_ABSENCE_RETURN',
      prisonId: 'LEI',
    });
    await expect(translator.translate(HmppsDomainEvent.parse(lateReturn))).rejects.toMatchObject({
      code: 'HMPPS_ABSENCE_NOT_OPEN',
      retryHorizonMs: 3_000,
    });
    // Its departure lost: held (a departure may still come), then a dead letter saying what to do.
    const lost = aPrisonNumber();
    expect((await lib().post('/receptions', anEnglishReception(lost))).status).toBe(201);
    await publish(hmpps('received', lost, { reason: 'RETURN_FROM_COURT', prisonId: 'LEI' }, minutesAgo(20)));
    expect(await deadLetterOf(lost)).toEqual({
      code: DlqCodes.retriesExhausted,
      reason: expect.stringMatching(
        /HMPPS_ABSENCE_NOT_OPEN: RETURN_FROM_COURT at .*, but no absence of episode 1 is open: its departure is late or was lost .* Record the departure .*kind COURT.*, then replay this letter$/,
      ),
    });
    // Out to court, back (HMPPS says) from a temporary absence.
    await publish(
      hmpps('released', prisonNumber, { reason: 'SENT_TO_COURT', prisonId: 'LEI' }, minutesAgo(60)),
    );
    await publish(
      hmpps(
        'received',
        prisonNumber,
        { reason: 'TEMPORARY_ABSENCE_RETURN', prisonId: 'LEI' },
        minutesAgo(30),
      ),
    );
    // A transfer HMPPS reports while the record has the person out on ROTL: a dead letter at once,
    // saying what to record first (not a movement published for the custody record to refuse).
    const onRotl = aPrisonNumber();
    expect((await lib().post('/receptions', anEnglishReception(onRotl))).status).toBe(201);
    await publish(
      hmpps('released', onRotl, { reason: 'TEMPORARY_ABSENCE_RELEASE', prisonId: 'LEI' }, minutesAgo(60)),
    );
    await publish(hmpps('received', onRotl, { reason: 'TRANSFERRED', prisonId: 'GMR' }, minutesAgo(30)));
    expect(await deadLetterOf(onRotl)).toEqual({
      code: 'HMPPS_ABSENCE_OPEN',
      reason: expect.stringMatching(
        /^a transfer to GMR at .*, but the person is out on ROTL since .*: record the return at or before/,
      ),
    });
    expect(await published('custody.person.transferred', personIdOf(onRotl))).toEqual([]);

    expect(await deadLetterOf(prisonNumber)).toEqual({
      code: 'HMPPS_ABSENCE_KIND_MISMATCH',
      reason: expect.stringMatching(
        /^TEMPORARY_ABSENCE_RETURN \(the end of a ROTL absence\), but the absence open since .* is COURT/,
      ),
    });
    const [court] = (
      (await (await lib().get(`/people/${personId}/episodes/1/absences`)).json()) as AbsencePage
    ).items;
    expect(court).toMatchObject({ kind: 'COURT', status: 'OUT', departureRecordedBy: HMPPS_ACTOR });
  });

  it('staff and HMPPS recording the same absence: a departure or return within ABSENCE_MATCH_MS of the one staff recorded is that one (skipped), one further off is not', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
    const absencesPath = `/people/${personId}/episodes/1/absences`;
    const list = async () => ((await (await lib().get(absencesPath)).json()) as AbsencePage).items;
    const translator = lib().app.get(HmppsInboundTranslator);
    const atLeeds = (kind: 'released' | 'received', reason: string, at: string) =>
      hmpps(kind, prisonNumber, { reason, prisonId: 'LEI' }, at);
    // Staff record the ROTL at 09:00; NOMIS says 09:02.
    const staffOut = await lib().post(absencesPath, { kind: 'ROTL', leftAt: minutesAgo(500) });
    expect(staffOut.status).toBe(201);
    const rotl = (await staffOut.json()) as AbsenceView;
    const nomisOut = atLeeds('released', 'TEMPORARY_ABSENCE_RELEASE', minutesAgo(498));
    expect(await translator.translate(HmppsDomainEvent.parse(nomisOut))).toEqual({
      skip: expect.stringMatching(
        new RegExp(
          `^TEMPORARY_ABSENCE_RELEASE: staff recorded this departure already \\(ROTL absence ${rotl.absenceId}, `,
        ),
      ),
    });
    // A court departure (another kind) is not this one; nor a ROTL departure hours further off.
    const toCourt = atLeeds('released', 'SENT_TO_COURT', minutesAgo(499));
    expect(await translator.translate(HmppsDomainEvent.parse(toCourt))).toMatchObject({
      absence: { part: 'DEPARTURE', body: { kind: 'COURT' } },
    });
    const muchLater = atLeeds(
      'released',
      'TEMPORARY_ABSENCE_RELEASE',
      new Date(Date.parse(rotl.leftAt) + ABSENCE_MATCH_MS + 60_000).toISOString(),
    );
    expect(await translator.translate(HmppsDomainEvent.parse(muchLater))).toMatchObject({
      absence: { part: 'DEPARTURE', body: { kind: 'ROTL' } },
    });

    // Staff record the return at 15:58; NOMIS says 16:00 (after its departure, which is skipped).
    expect(
      (await lib().post(`${absencesPath}/${rotl.absenceId}/return`, { returnedAt: minutesAgo(62) })).status,
    ).toBe(201);
    const nomisBack = atLeeds('received', 'TEMPORARY_ABSENCE_RETURN', minutesAgo(60));
    expect(await translator.translate(HmppsDomainEvent.parse(nomisBack))).toEqual({
      skip: expect.stringMatching(
        /^TEMPORARY_ABSENCE_RETURN: staff recorded this return already \(ROTL absence /,
      ),
    });
    // Both delivered after staff recorded the whole absence: neither is a dead letter.
    for (const e of [nomisOut, nomisBack]) await publish(e);
    await caughtUp();
    expect(await deadLetterReasons(prisonNumber)).toEqual([]);
    expect(
      (await list()).map((a) => [a.absenceId, a.status, a.departureRecordedBy, a.movementReasonCode]),
    ).toEqual([[rotl.absenceId, 'RETURNED', await actorOf(), null]]);
  });

  it('two absences in a day, staff recording the first and NOMIS both: two absences, the first matched once (2 min apart), the second recorded; delivered again, nothing changes', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
    const absencesPath = `/people/${personId}/episodes/1/absences`;
    const list = async () => ((await (await lib().get(absencesPath)).json()) as AbsencePage).items;
    const atLeeds = (kind: 'released' | 'received', reason: string, at: string) =>
      hmpps(kind, prisonNumber, { reason, prisonId: 'LEI' }, at);
    // Staff: ROTL out at "09:00", back at "12:00".
    const staffOut = await lib().post(absencesPath, { kind: 'ROTL', leftAt: minutesAgo(540) });
    expect(staffOut.status).toBe(201);
    const morning = (await staffOut.json()) as AbsenceView;
    const morningBack = minutesAgo(360);
    expect(
      (await lib().post(`${absencesPath}/${morning.absenceId}/return`, { returnedAt: morningBack })).status,
    ).toBe(201);
    // NOMIS: the same absence 2 and 1 min later, then a second one "13:00" to "17:00", each
    // within the old 6 h of the first's departure and return.
    const nomis = [
      atLeeds('released', 'TEMPORARY_ABSENCE_RELEASE', minutesAgo(538)),
      atLeeds('received', 'TEMPORARY_ABSENCE_RETURN', minutesAgo(359)),
      atLeeds('released', 'TEMPORARY_ABSENCE_RELEASE', minutesAgo(300)),
      atLeeds('received', 'TEMPORARY_ABSENCE_RETURN', minutesAgo(100)),
    ];
    for (const e of nomis) await publish(e);
    await caughtUp();
    expect(await deadLetterReasons(prisonNumber)).toEqual([]);
    const staff = await actorOf();
    const shape = (items: AbsenceView[]) =>
      items.map((a) => [a.kind, a.status, a.leftAt, a.returnedAt, a.departureRecordedBy, a.returnRecordedBy]);
    const iso = (at: string) => new Date(at).toISOString();
    const afterPublishing = await list();
    expect(shape(afterPublishing)).toEqual([
      ['ROTL', 'RETURNED', iso(nomis[2]!.occurredAt), iso(nomis[3]!.occurredAt), HMPPS_ACTOR, HMPPS_ACTOR],
      ['ROTL', 'RETURNED', morning.leftAt, iso(morningBack), staff, staff],
    ]);
    expect(afterPublishing[1]!.absenceId).toBe(morning.absenceId);

    // Every one again (HMPPS delivers at least once): the matches made, the movements recorded.
    const translator = lib().app.get(HmppsInboundTranslator);
    expect(await translator.translate(HmppsDomainEvent.parse(nomis[0]))).toEqual({
      skip: expect.stringMatching(
        new RegExp(
          `^TEMPORARY_ABSENCE_RELEASE: matched already to staff's departure of ROTL absence ${morning.absenceId} `,
        ),
      ),
    });
    expect(await translator.translate(HmppsDomainEvent.parse(nomis[1]))).toEqual({
      skip: expect.stringMatching(
        new RegExp(
          `^TEMPORARY_ABSENCE_RETURN: matched already to staff's return of ROTL absence ${morning.absenceId} `,
        ),
      ),
    });
    expect(await translator.translate(HmppsDomainEvent.parse(nomis[2]))).toEqual({
      skip: expect.stringMatching(/^TEMPORARY_ABSENCE_RELEASE: this departure is recorded already/),
    });
    const before = await list();
    for (const e of nomis) await publish(e);
    await caughtUp();
    expect(await deadLetterReasons(prisonNumber)).toEqual([]);
    expect(await list()).toEqual(before);
  });

  it('a return with no absence open is skipped (not held) when its absence was reversed, ended by a transfer, or returned by staff beyond the tolerance', async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    const person = async () => {
      const prisonNumber = aPrisonNumber();
      const personId = personIdOf(prisonNumber);
      expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
      const path = `/people/${personId}/episodes/1/absences`;
      return { prisonNumber, personId, path };
    };
    const out = async (path: string, kind: 'ROTL' | 'COURT', leftAt: string) => {
      const response = await lib().post(path, { kind, leftAt });
      expect(response.status).toBe(201);
      return (await response.json()) as AbsenceView;
    };
    const returnOf = (prisonNumber: string, reason: string, at: string) =>
      hmpps('received', prisonNumber, { reason, prisonId: 'LEI' }, at);

    // Staff recorded a departure in error and reversed it; NOMIS then says the person came back.
    const reversed = await person();
    const error = await out(reversed.path, 'ROTL', minutesAgo(300));
    expect(
      (
        await lib().post(`${reversed.path}/${error.absenceId}/reversal`, {
          part: 'DEPARTURE',
          reversedAt: minutesAgo(290),
        })
      ).status,
    ).toBe(201);
    const afterReversal = returnOf(reversed.prisonNumber, 'TEMPORARY_ABSENCE_RETURN', minutesAgo(200));
    expect(await translator.translate(HmppsDomainEvent.parse(afterReversal))).toEqual({
      notice: true,
      skip: expect.stringMatching(
        new RegExp(
          `^TEMPORARY_ABSENCE_RETURN at .*, no ROTL absence open: the latest one \\(${error.absenceId}, .*\\) needs no return, its departure \\(.*\\) was reversed at `,
        ),
      ),
    });

    // Out at court, then sent from court to another prison: the transfer ended the absence.
    const transferred = await person();
    const court = await out(transferred.path, 'COURT', minutesAgo(300));
    expect(
      (
        await lib().post(`/people/${transferred.personId}/episodes/1/transfers`, {
          toEstablishmentCode: 'GMR',
          transferredAt: minutesAgo(200),
        })
      ).status,
    ).toBe(201);
    const afterTransfer = returnOf(transferred.prisonNumber, 'RETURN_FROM_COURT', minutesAgo(150));
    expect(await translator.translate(HmppsDomainEvent.parse(afterTransfer))).toEqual({
      notice: true,
      skip: expect.stringMatching(
        new RegExp(
          `^RETURN_FROM_COURT at .*, no COURT absence open: the latest one \\(${court.absenceId}, .*\\) needs no return, it ended with the transfer of `,
        ),
      ),
    });

    // Staff recorded the return more than ABSENCE_MATCH_MS before NOMIS did.
    const early = await person();
    const rotl = await out(early.path, 'ROTL', minutesAgo(300));
    const staffBack = new Date(Date.now() - 240 * 60_000).toISOString();
    expect(
      (await lib().post(`${early.path}/${rotl.absenceId}/return`, { returnedAt: staffBack })).status,
    ).toBe(201);
    const lateNomis = returnOf(
      early.prisonNumber,
      'TEMPORARY_ABSENCE_RETURN',
      new Date(Date.parse(staffBack) + ABSENCE_MATCH_MS + 60_000).toISOString(),
    );
    expect(await translator.translate(HmppsDomainEvent.parse(lateNomis))).toEqual({
      notice: true,
      skip: expect.stringMatching(
        new RegExp(
          `^TEMPORARY_ABSENCE_RETURN at .*, no ROTL absence open: the latest one \\(${rotl.absenceId}, .*\\) needs no return, the person is back from it already \\(`,
        ),
      ),
    });

    // On the bus: none held, none dead-lettered, nothing recorded.
    for (const e of [afterReversal, afterTransfer, lateNomis]) await publish(e);
    await caughtUp();
    for (const p of [reversed, transferred, early]) {
      expect(await deadLetterReasons(p.prisonNumber)).toEqual([]);
      const items = ((await (await lib().get(p.path)).json()) as AbsencePage).items;
      expect(items.map((a) => [a.status, a.returnRecordedBy === HMPPS_ACTOR])).toEqual([
        [p === reversed ? 'REVERSED' : p === transferred ? 'TRANSFERRED' : 'RETURNED', false],
      ]);
    }
  });

  it('an old return delivered again after a new absence of that kind opened is a duplicate (skipped), not a reused key; the NOMIS movement reason is kept on the absence', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
    const rotl = (at: string, code: string) =>
      hmpps(
        'released',
        prisonNumber,
        { reason: 'TEMPORARY_ABSENCE_RELEASE', prisonId: 'LEI', nomisMovementReasonCode: code },
        at,
      );
    const firstBack = hmpps(
      'received',
      prisonNumber,
      { reason: 'TEMPORARY_ABSENCE_RETURN', prisonId: 'LEI' },
      minutesAgo(200),
    );
    for (const e of [rotl(minutesAgo(300), 'C3'), firstBack, rotl(minutesAgo(100), 'CE')]) await publish(e);
    const list = async () =>
      ((await (await lib().get(`/people/${personId}/episodes/1/absences`)).json()) as AbsencePage).items;
    const absences = await eventually(async () => {
      const now = await list();
      return now.length === 2 ? now : undefined;
    });
    expect(absences.map((a) => [a.kind, a.status, a.movementReasonCode])).toEqual([
      ['ROTL', 'OUT', 'CE'],
      ['ROTL', 'RETURNED', 'C3'],
    ]);

    // The first return again (HMPPS delivers at least once): recorded already, whatever is open now.
    const translator = lib().app.get(HmppsInboundTranslator);
    expect(await translator.translate(HmppsDomainEvent.parse(firstBack))).toEqual({
      skip: expect.stringMatching(
        /^TEMPORARY_ABSENCE_RETURN: this return is recorded already \(HMPPS event [0-9a-f-]{36}\)$/,
      ),
    });
    await publish(firstBack);
    await caughtUp();
    expect(await deadLetterReasons(prisonNumber)).toEqual([]);
    expect((await list()).map((a) => a.status)).toEqual(['OUT', 'RETURNED']);
  });

  it('a new admission at a prison outside HMPPS_ADMISSION_ESTABLISHMENTS is skipped; an open episode received long before at that prison is a dead letter, not a skip', async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    // Scoped to LEI and GMR (as a deployment would be), a Bristol admission is not kept.
    const scoped = new HmppsInboundTranslator(
      lib().serviceDataSource,
      lib().app.get(PersonIds),
      60_000,
      lib().app.get(ReceptionsService),
      lib().app.get(PendingReceptionsService),
      lib().app.get(TemporaryAbsencesService),
      ['LEI', 'GMR'],
    );
    const stranger = aPrisonNumber();
    expect(
      await scoped.translate(
        HmppsDomainEvent.parse(hmpps('received', stranger, { reason: 'ADMISSION', prisonId: 'BLI' })),
      ),
    ).toEqual({
      skip: 'BLI is not a prison this service receives people into (HMPPS_ADMISSION_ESTABLISHMENTS)',
    });
    expect(
      await scoped.translate(
        HmppsDomainEvent.parse(hmpps('received', stranger, { reason: 'ADMISSION', prisonId: 'LEI' })),
      ),
    ).toMatchObject({ pending: { establishmentCode: 'LEI' } });
    // Received at LEI ten hours ago (anEnglishReception) and open: within a day, the same reception.
    const held = aPrisonNumber();
    expect((await lib().post('/receptions', anEnglishReception(held))).status).toBe(201);
    expect(
      await translator.translate(
        HmppsDomainEvent.parse(hmpps('received', held, { reason: 'ADMISSION', prisonId: 'LEI' })),
      ),
    ).toEqual({ skip: 'already received: episode 1 is open at LEI' });
    const longAgo = aPrisonNumber();
    expect(
      (
        await lib().post('/receptions', {
          ...anEnglishReception(longAgo),
          receivedAt: minutesAgo(3 * 24 * 60),
        })
      ).status,
    ).toBe(201);
    await expect(
      translator.translate(
        HmppsDomainEvent.parse(hmpps('received', longAgo, { reason: 'ADMISSION', prisonId: 'LEI' })),
      ),
    ).rejects.toMatchObject({ code: 'HMPPS_ADMISSION_EPISODE_OPEN' });
  });

  it('a person the record does not hold is skipped; a Scottish episode is not moved by an HMPPS event', async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    const stranger = aPrisonNumber();
    for (const e of [
      hmpps('released', stranger, { reason: 'RELEASED', prisonId: 'LEI' }),
      hmpps('received', stranger, { reason: 'TRANSFERRED', prisonId: 'LEI' }),
      hmpps('received', stranger, { reason: 'ADMISSION', prisonId: 'LEI', nomisMovementReasonCode: 'L' }),
    ]) {
      expect(await translator.translate(HmppsDomainEvent.parse(e))).toEqual({
        skip: 'no custody episode of this person is held here',
      });
    }
    const scottish = aPrisonNumber();
    expect((await lib().post('/receptions', aReception({ prisonNumber: scottish }))).status).toBe(201);
    await expect(
      translator.translate(
        HmppsDomainEvent.parse(hmpps('released', scottish, { reason: 'RELEASED', prisonId: 'BAR' })),
      ),
    ).rejects.toMatchObject({ code: 'HMPPS_JURISDICTION' });
    expect((await episodeOf(personIdOf(scottish)))?.state).toBe('IN_CUSTODY');
  });

  it('what it cannot map is dead-lettered with the reason, and the record is left as it was', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
    const marker = (m: string) => ({ details: `marker ${m}` });
    // [name, event, subject (default: its own), dead-letter code, what the reason says]
    const cases: Array<[string, unknown, string | undefined, string, RegExp]> = [
      [
        'admission',
        hmpps('received', prisonNumber, { reason: 'ADMISSION', prisonId: 'GMR', ...marker('admission') }),
        undefined,
        'HMPPS_ADMISSION_EPISODE_OPEN',
        /episode 1 of this person is open at LEI \(received .*\) with no release recorded: record the release/,
      ],
      [
        'hospital',
        hmpps('released', prisonNumber, {
          reason: 'RELEASED_TO_HOSPITAL',
          prisonId: 'BAR',
          ...marker('hospital'),
        }),
        undefined,
        'HMPPS_RELEASE_NEEDS_DECISION',
        /RELEASED_TO_HOSPITAL is not mapped/,
      ],
      [
        'no-prison',
        hmpps('released', prisonNumber, { reason: 'RELEASED', ...marker('no-prison') }),
        undefined,
        'INVALID_EVENT_DATA',
        /^additionalInformation\.prisonId: /,
      ],
      [
        'mismatch',
        {
          ...hmpps('released', prisonNumber, { reason: 'RELEASED', prisonId: 'LEI', ...marker('mismatch') }),
          personReference: { identifiers: [{ type: 'NOMS', value: aPrisonNumber() }] },
        },
        undefined,
        'PERSON_REFERENCE_MISMATCH',
        /do not name the same person/,
      ],
      [
        'version',
        {
          ...hmpps('released', prisonNumber, { reason: 'RELEASED', prisonId: 'LEI', ...marker('version') }),
          version: 2,
        },
        undefined,
        'HMPPS_EVENT_NOT_MAPPED',
        /prisoner\.released@2 is not mapped/,
      ],
      [
        'subject',
        hmpps('released', prisonNumber, { reason: 'RELEASED', prisonId: 'LEI', ...marker('subject') }),
        hmppsInboundSubject('prison-offender-events.prisoner.received'),
        'SUBJECT_MISMATCH',
        /was published on hmpps\.inbound\.prison-offender-events\.prisoner\.received/,
      ],
      [
        'json',
        '{"eventType": "marker json", ',
        hmppsInboundSubject('prison-offender-events.prisoner.released'),
        'MALFORMED_JSON',
        /^body is not JSON: invalid JSON at position \d+$/,
      ],
      [
        'envelope',
        JSON.stringify({ eventType: 'prison-offender-events.prisoner.released', marker: 'marker envelope' }),
        hmppsInboundSubject('prison-offender-events.prisoner.released'),
        'INVALID_HMPPS_EVENT',
        /^version: /,
      ],
    ];
    for (const [, event, subject] of cases) await publish(event as { eventType: string }, subject);
    for (const [name, , , code, reason] of cases) {
      const letter = await deadLetterOf(`marker ${name}`);
      expect([name, letter.code]).toEqual([name, code]);
      expect([name, letter.reason]).toEqual([name, expect.stringMatching(reason)]);
    }
    await caughtUp();
    const view = await episodeOf(personId);
    expect([view?.state, view?.establishmentCode, view?.movements]).toEqual(['IN_CUSTODY', 'LEI', []]);
  });
});
