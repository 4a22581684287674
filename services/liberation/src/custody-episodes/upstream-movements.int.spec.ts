import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { deadLetterSubjectFor, Streams, subjectFor, type KnownEvent } from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { DlqHeaders, jetstream } from '@throughcare/platform-messaging';
import { withSpecWorker } from '@throughcare/testing';
import type { EpisodeView, MovementReversedView, ReleaseRecordedView } from './custody-episode.schemas';
import type { AbsencePage, AbsenceView } from './temporary-absence.schemas';
import {
  aLiberation,
  aPrisonNumber,
  aReception,
  config,
  daysFromToday,
  eventually,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Caller,
  consumerCaughtUp,
  messagesWith as messagesWithIn,
} from './spec-support';
import type { bookingStepsWorkflow } from './test-workflows/booking-steps.workflow';
import { BUS_ACTOR, UPSTREAM_MOVEMENTS_CONSUMER } from './upstream-movements.consumer';

const DEAD_LETTERS = deadLetterSubjectFor(UPSTREAM_MOVEMENTS_CONSUMER);

/** An event as an upstream prison system publishes it: prison number only, no THROUGHCARE_ID. */
function upstream(
  eventType: string,
  prisonNumber: string,
  occurredAt: string,
  data: Record<string, unknown>,
) {
  return {
    eventType,
    version: 1,
    eventId: randomUUID(),
    occurredAt,
    correlationId: `upstream-${randomUUID()}`,
    personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
    data,
  } as KnownEvent & { data: Record<string, unknown> };
}

function anUpstreamReception(prisonNumber: string, overrides: Record<string, unknown> = {}) {
  const { prisonNumber: _, ...facts } = aReception({ receivedAt: minutesAgo(1000), ...overrides });
  return upstream('custody.person.received', prisonNumber, facts.receivedAt as string, {
    prisonNumber,
    episode: 1,
    ...facts,
  });
}

describe('liberation applies custody movements published straight onto the bus (consumer liberation-movements)', () => {
  const liberation = useLiberation();
  const lib = () => liberation.lib;
  const nc = () => lib().app.get<NatsConnection>(NATS_CONNECTION);

  /** Publishes a message; each call is a new message on the stream (a distinct Nats-Msg-Id). */
  async function publish(event: { eventType: string; eventId: string } | string, subject?: string) {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    await jetstream(nc()).publish(subject ?? subjectFor((event as KnownEvent).eventType), body, {
      msgID: randomUUID(),
    });
  }

  /** Until the consumer has settled everything on its subjects (acknowledged or dead-lettered). */
  const caughtUp = () => consumerCaughtUp(nc(), Streams.events.name, UPSTREAM_MOVEMENTS_CONSUMER);
  const messagesWith = (stream: string, subject: string, marker: string) =>
    messagesWithIn(nc(), stream, subject, marker);

  const deadLetterOf = (marker: string) =>
    eventually(async () => (await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, marker))[0], 20_000);

  /** The episode as `as` reads it (by default the specs' staff of BAR, LEI and GMR); undefined unless 200. */
  const episodeOf = async (personId: string, episode = 1, as?: Caller) => {
    const response = await lib().get(`/people/${personId}/episodes/${episode}`, as);
    return response.status === 200 ? ((await response.json()) as EpisodeView) : undefined;
  };

  /** Publishes `event` twice (an upstream re-publish), then waits until the person's episode `shows` it. */
  async function deliverTwice(event: KnownEvent, personId: string, shows: (view: EpisodeView) => boolean) {
    await publish(event);
    await publish(event);
    return eventually(async () => {
      const view = await episodeOf(personId);
      return view && shows(view) ? view : undefined;
    });
  }

  /** POSTs a custody change over HTTP, expects it recorded (201), and answers its body. */
  async function recordOverHttp<T>(path: string, body: unknown): Promise<T> {
    const response = await lib().post(path, body);
    expect([path, response.status]).toEqual([path, 201]);
    return (await response.json()) as T;
  }

  const outboxIds = async (eventType: string, personId: string) =>
    (await lib().outboxRows(eventType, personId)).map((r) => [r.id, r.published]);

  const busKeys = async (eventIds: string[]) =>
    (await lib().dataSource.query(`SELECT key FROM liberation.idempotency_key WHERE key LIKE '%:bus:%'`))
      .map((r: { key: string }) => r.key)
      .filter((key: string) => eventIds.some((id) => key.endsWith(`:bus:${id}`)));

  it('a reception, transfer, release and reversals published on the bus move the custody record, each applied once though delivered twice', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const reception = anUpstreamReception(prisonNumber);

    // Before: the liberation service has never heard of this person.
    expect(await episodeOf(personId)).toBeUndefined();

    const opened = await deliverTwice(reception, personId, () => true);
    expect(opened).toMatchObject({
      personId,
      episode: 1,
      state: 'IN_CUSTODY',
      origin: 'RECEPTION',
      establishmentCode: 'BAR',
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: 'S12000036',
      expectedReleaseDate: reception.data.expectedReleaseDate,
      reception: {
        establishmentCode: 'BAR',
        receivedAt: reception.data.receivedAt,
        receivedBy: BUS_ACTOR,
        sentenceDate: reception.data.sentenceDate,
        expectedReleaseDate: reception.data.expectedReleaseDate,
      },
      release: null,
    });

    // The journey's activities against liberation now find the episode (they failed with
    // EPISODE_NOT_FOUND for a bus-started journey before).
    const run = randomUUID();
    const [booked] = await withSpecWorker(
      { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
      require.resolve('./test-workflows/booking-steps.workflow'),
      (worker) =>
        worker.execute<typeof bookingStepsWorkflow>('bookingStepsWorkflow', [
          {
            kind: 'gatePickup',
            steps: [
              {
                book: {
                  idempotencyKey: `${run}:book`,
                  personId,
                  episode: 1,
                  establishmentCode: 'BAR',
                  liberationDate: reception.data.expectedReleaseDate as string,
                  correlationId: `spec-${run}`,
                },
              },
            ],
          },
        ]),
    );
    expect(booked).toEqual({ bookingId: expect.any(String) });

    const transfer = upstream('custody.person.transferred', prisonNumber, minutesAgo(900), {
      episode: 1,
      fromEstablishmentCode: 'BAR',
      toEstablishmentCode: 'LEI',
      transferredAt: minutesAgo(900),
    });
    const moved = await deliverTwice(transfer, personId, (view) => view.establishmentCode === 'LEI');
    expect(moved.movements).toMatchObject([
      {
        eventId: transfer.eventId,
        movement: 'TRANSFER',
        fromEstablishmentCode: 'BAR',
        toEstablishmentCode: 'LEI',
      },
    ]);

    const newDate = daysFromToday(45);
    const dateChange = upstream('custody.release-date.changed', prisonNumber, minutesAgo(800), {
      episode: 1,
      expectedReleaseDate: newDate,
      previousExpectedReleaseDate: reception.data.expectedReleaseDate,
      reason: 'RECALCULATION',
      changedAt: minutesAgo(800),
    });
    const redated = await deliverTwice(dateChange, personId, (view) => view.expectedReleaseDate === newDate);
    expect(redated.releaseDateChanges).toHaveLength(1);
    expect(redated.releaseDateChanges[0]).toMatchObject({
      expectedReleaseDate: newDate,
      changedAt: dateChange.data.changedAt,
    });

    const release = upstream('custody.person.released', prisonNumber, minutesAgo(700), {
      episode: 1,
      establishmentCode: 'LEI',
      reason: 'RELEASED',
      releasedAt: minutesAgo(700),
      // Legal on the event (optional within v1), never taken as a fact: the release is recorded,
      // not dead-lettered for an unknown field (review stop 38, M4).
      endedAbsence: { absenceId: randomUUID(), kind: 'COURT', leftAt: minutesAgo(750) },
    });
    const released = await deliverTwice(release, personId, (view) => view.state === 'RELEASED');
    expect(released.release).toMatchObject({
      establishmentCode: 'LEI',
      releasedAt: release.data.releasedAt,
      releasedBy: BUS_ACTOR,
    });

    // Reversals name the upstream event ids, which the record keeps as its own.
    const releaseReversal = upstream('custody.movement.reversed', prisonNumber, minutesAgo(600), {
      episode: 1,
      movement: 'RELEASE',
      reversedEventId: release.eventId,
      reversedAt: minutesAgo(600),
    });
    const backInCustody = await deliverTwice(
      releaseReversal,
      personId,
      (view) => view.state === 'IN_CUSTODY',
    );
    expect(backInCustody.release).toBeNull();
    const transferReversal = upstream('custody.movement.reversed', prisonNumber, minutesAgo(500), {
      episode: 1,
      movement: 'TRANSFER',
      reversedEventId: transfer.eventId,
      reversedAt: minutesAgo(500),
    });
    const back = await deliverTwice(transferReversal, personId, (view) => view.establishmentCode === 'BAR');
    expect(back.movements.map((m) => [m.eventId, m.movement, m.recordedBy, m.reversal])).toEqual([
      [
        transfer.eventId,
        'TRANSFER',
        BUS_ACTOR,
        {
          eventId: transferReversal.eventId,
          reversedAt: transferReversal.data.reversedAt,
          reversedBy: BUS_ACTOR,
        },
      ],
      [
        release.eventId,
        'RELEASE',
        BUS_ACTOR,
        {
          eventId: releaseReversal.eventId,
          reversedAt: releaseReversal.data.reversedAt,
          reversedBy: BUS_ACTOR,
        },
      ],
    ]);

    await caughtUp();
    // Each fact once, under the upstream event's id, written as already published: not one
    // event of these was published a second time by the service.
    expect(await outboxIds('custody.person.received', personId)).toEqual([[reception.eventId, true]]);
    expect(await outboxIds('custody.person.transferred', personId)).toEqual([[transfer.eventId, true]]);
    expect(await outboxIds('custody.release-date.changed', personId)).toEqual([[dateChange.eventId, true]]);
    expect(await outboxIds('custody.person.released', personId)).toEqual([[release.eventId, true]]);
    expect((await outboxIds('custody.movement.reversed', personId)).sort()).toEqual(
      [
        [releaseReversal.eventId, true],
        [transferReversal.eventId, true],
      ].sort(),
    );
    for (const event of [reception, transfer, dateChange, release, releaseReversal, transferReversal]) {
      expect(
        await messagesWith(Streams.events.name, subjectFor(event.eventType), event.eventId),
      ).toHaveLength(2);
    }
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, prisonNumber)).toEqual([]);
    const episode = await episodeOf(personId);
    expect(episode).toMatchObject({
      state: 'IN_CUSTODY',
      establishmentCode: 'BAR',
      expectedReleaseDate: newDate,
    });
    expect(episode?.gatePickups).toHaveLength(1);

    // Later changes over HTTP find the episode (they answered 404 before).
    await recordOverHttp(`/people/${personId}/episodes/1/release-date`, {
      expectedReleaseDate: daysFromToday(50),
      reason: 'RECALCULATION',
    });
    await recordOverHttp('/releases', {
      prisonNumber,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(10),
    });
  });

  it('a PAROLE decision from the bus is recorded on the latest calculation version when it arrives, marked as such: a later calculation that adds a sentence sets it aside (review of stop 40, S1)', async () => {
    // E&W: a 1,000-day SDS dated ten days ago, calculated as version 1 (CRD on day 390).
    const reception = aReception({
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      receivedAt: minutesAgo(600),
      sentenceDate: daysFromToday(-10),
      expectedReleaseDate: daysFromToday(200),
    });
    await recordOverHttp('/receptions', reception);
    const personId = personIdOf(reception.prisonNumber);
    const count1 = {
      id: 'count-1',
      sentenceDate: daysFromToday(-10),
      offenceDate: daysFromToday(-200),
      term: { days: 1000 },
    };
    const calculations = `/people/${personId}/episodes/1/sentence-calculations`;
    await recordOverHttp(calculations, { sentences: [count1] });

    // An upstream system publishes a Parole Board direction: its event names no calculation version.
    const paroleDate = daysFromToday(300);
    const parole = upstream('custody.release-date.changed', reception.prisonNumber, minutesAgo(5), {
      episode: 1,
      expectedReleaseDate: paroleDate,
      previousExpectedReleaseDate: (await episodeOf(personId))!.expectedReleaseDate,
      reason: 'PAROLE',
      changedAt: minutesAgo(5),
    });
    await deliverTwice(parole, personId, (view) => view.expectedReleaseDate === paroleDate);
    expect(
      await lib().dataSource.query(
        `SELECT reason, changed_by, sentence_calculation_version, basis_source FROM liberation.release_date_change
          WHERE person_id = $1 AND reason = 'PAROLE'`,
        [personId],
      ),
    ).toEqual([
      {
        reason: 'PAROLE',
        changed_by: BUS_ACTOR,
        sentence_calculation_version: 1,
        basis_source: 'LATEST_ON_ARRIVAL',
      },
    ]);

    // The same sentences again keep it, saying that what was recorded before it arrived was not checked.
    const same = await lib().post(`${calculations}/preview`, { sentences: [count1] });
    expect(same.status).toBe(200);
    const kept = ((await same.json()) as { effect: Record<string, string | null> }).effect;
    expect(kept.decisionSetAsideBecause).toBeNull();
    expect(kept.expectedReleaseDateAfter).toBe(paroleDate);
    expect(kept.decisionCaveat).toEqual(
      expect.stringContaining(
        "recorded on calculation version 1, the latest when it arrived (from an upstream system's event",
      ),
    );

    // Staff record version 2, adding a consecutive sentence for a new conviction: set aside.
    const added = await recordOverHttp<{ effect: Record<string, string | null> }>(calculations, {
      sentences: [
        count1,
        {
          id: 'count-2',
          sentenceDate: daysFromToday(-5),
          offenceDate: daysFromToday(-100),
          term: { days: 365 },
          consecutiveTo: 'count-1',
        },
      ],
    });
    expect(added.effect.decisionSetAsideBecause).toEqual(
      expect.stringContaining('sentence count-2 was added'),
    );
    expect(added.effect.expectedReleaseDateAfter).not.toBe(paroleDate);
    expect((await episodeOf(personId))!.expectedReleaseDate).toBe(added.effect.expectedReleaseDateAfter);
  });

  it('a liberation from court published on the bus opens the episode already released, once', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const { prisonNumber: _, ...facts } = aLiberation({ legalStatus: 'SENTENCED' });
    const liberated = upstream('custody.person.liberated-from-court', prisonNumber, facts.releasedAt, {
      prisonNumber,
      episode: 1,
      ...facts,
    });

    const episode = await deliverTwice(liberated, personId, () => true);

    expect(episode).toMatchObject({
      state: 'RELEASED',
      origin: 'COURT_LIBERATION',
      establishmentCode: 'BAR',
      reception: null,
      courtLiberation: { establishmentCode: 'BAR', legalStatus: 'SENTENCED' },
      release: { releasedAt: facts.releasedAt, releasedBy: BUS_ACTOR },
    });
    await caughtUp();
    expect(await outboxIds('custody.person.liberated-from-court', personId)).toEqual([
      [liberated.eventId, true],
    ]);
    expect((await lib().get(`/people/${personId}/episodes/2`)).status).toBe(404);
  });

  it('a reception reversed upstream as recorded in error voids the episode, once, under the bus event id', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const reception = anUpstreamReception(prisonNumber);
    await deliverTwice(reception, personId, (view) => view.state === 'IN_CUSTODY');
    const reversalData = {
      episode: 1,
      reversedAt: minutesAgo(100),
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
    };
    // One naming another reception than the episode's (receivedAt) is dead-lettered, applied to nothing.
    const ofAnother = upstream('custody.reception.reversed', prisonNumber, minutesAgo(100), {
      ...reversalData,
      receivedAt: minutesAgo(900),
    });
    await publish(ofAnother);
    const mismatch = await deadLetterOf(ofAnother.eventId);
    expect(mismatch.headers?.get(DlqHeaders.code)).toBe('REVERSAL_MISMATCH');
    expect(mismatch.headers?.get(DlqHeaders.reason)).toMatch(
      /^data\.receivedAt .* is not the reception of episode 1/,
    );
    expect((await episodeOf(personId))?.state).toBe('IN_CUSTODY');
    const reversal = upstream('custody.reception.reversed', prisonNumber, minutesAgo(100), {
      ...reversalData,
      receivedAt: reception.data.receivedAt,
    });
    const voided = await deliverTwice(reversal, personId, (view) => view.state === 'RECEIVED_IN_ERROR');
    expect(voided.receptionReversal).toEqual({
      eventId: reversal.eventId,
      reversedAt: reversal.data.reversedAt,
      reversedBy: BUS_ACTOR,
      reason: 'RECEIVED_IN_ERROR',
      note: null,
      // It completed no HMPPS admission: no decision on one.
      admission: null,
    });
    await caughtUp();
    expect(await outboxIds('custody.reception.reversed', personId)).toEqual([[reversal.eventId, true]]);
    expect(
      await messagesWith(Streams.events.name, subjectFor(reversal.eventType), reversal.eventId),
    ).toHaveLength(2);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, reversal.eventId)).toEqual([]);
  });

  it('a liberation from court reversed upstream as recorded in error voids the episode, once, under the bus event id', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const { prisonNumber: _, ...facts } = aLiberation({ releasedAt: minutesAgo(300) });
    const liberated = upstream('custody.person.liberated-from-court', prisonNumber, facts.releasedAt, {
      prisonNumber,
      episode: 1,
      ...facts,
    });
    await deliverTwice(liberated, personId, (view) => view.state === 'RELEASED');
    const reversalData = {
      episode: 1,
      reversedAt: minutesAgo(100),
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
    };
    // One naming another liberation than the episode's (releasedAt) is dead-lettered, applied to nothing.
    const ofAnother = upstream('custody.court-liberation.reversed', prisonNumber, minutesAgo(100), {
      ...reversalData,
      releasedAt: minutesAgo(900),
    });
    await publish(ofAnother);
    const mismatch = await deadLetterOf(ofAnother.eventId);
    expect(mismatch.headers?.get(DlqHeaders.code)).toBe('REVERSAL_MISMATCH');
    expect(mismatch.headers?.get(DlqHeaders.reason)).toMatch(
      /^data\.releasedAt .* is not the liberation from court of episode 1/,
    );
    expect((await episodeOf(personId))?.state).toBe('RELEASED');
    const reversal = upstream('custody.court-liberation.reversed', prisonNumber, minutesAgo(100), {
      ...reversalData,
      releasedAt: facts.releasedAt,
    });
    const voided = await deliverTwice(reversal, personId, (view) => view.state === 'RECEIVED_IN_ERROR');
    expect(voided).toMatchObject({
      receptionReversal: null,
      courtLiberationReversal: {
        eventId: reversal.eventId,
        reversedAt: reversal.data.reversedAt,
        reversedBy: BUS_ACTOR,
        reason: 'RECEIVED_IN_ERROR',
        note: null,
      },
      release: { releasedAt: facts.releasedAt },
    });
    await caughtUp();
    expect(await outboxIds('custody.court-liberation.reversed', personId)).toEqual([
      [reversal.eventId, true],
    ]);
    expect(
      await messagesWith(Streams.events.name, subjectFor(reversal.eventType), reversal.eventId),
    ).toHaveLength(2);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, reversal.eventId)).toEqual([]);
    // The liberation published again afterwards (another copy, a new id) is not applied as if it stood.
    const again = { ...liberated, eventId: randomUUID() };
    await publish(again);
    expect((await deadLetterOf(again.eventId)).headers?.get(DlqHeaders.code)).toBe(
      'COURT_LIBERATION_REVERSED',
    );
  });

  it('a return to custody published upstream after a void episode must name the released episode it follows (previousEpisode), as the bridge tells that journey', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    // Over HTTP: released from episode 1, episode 2 received in error and reversed (void).
    const reception = aReception({ prisonNumber, receivedAt: minutesAgo(2000) });
    await recordOverHttp('/receptions', reception);
    await recordOverHttp('/releases', {
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(1500),
    });
    await recordOverHttp('/receptions', { ...reception, receivedAt: minutesAgo(1000) });
    await recordOverHttp(`/people/${personId}/episodes/2/reception-reversal`, {
      reversedAt: minutesAgo(900),
      reason: 'RECEIVED_IN_ERROR',
    });
    const recallOf = (more: Record<string, unknown>) => {
      const event = anUpstreamReception(prisonNumber, {
        receivedAt: minutesAgo(100),
        reason: 'READMISSION',
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
      });
      event.data = { ...event.data, episode: 3, ...more };
      return event;
    };
    // Unstated, the bridge would tell episode 2's journey (void); naming it, the same.
    const unstated = recallOf({});
    const namingTheVoid = recallOf({ previousEpisode: 2 });
    const notAReturn = recallOf({ previousEpisode: 1, returnToCustody: undefined });
    for (const event of [unstated, namingTheVoid, notAReturn]) await publish(event);
    const expectations: Array<[string, string, RegExp]> = [
      [unstated.eventId, 'PREVIOUS_EPISODE_MISMATCH', /names no previousEpisode.*follows episode 1/],
      [namingTheVoid.eventId, 'PREVIOUS_EPISODE_MISMATCH', /follows episode 2, but it follows episode 1/],
      [notAReturn.eventId, 'INVALID_EVENT_DATA', /data\.previousEpisode: is given only with returnToCustody/],
    ];
    for (const [id, code, reason] of expectations) {
      const dead = await deadLetterOf(id);
      expect([id, dead.headers?.get(DlqHeaders.code)]).toEqual([id, code]);
      expect(dead.headers?.get(DlqHeaders.reason)).toMatch(reason);
    }
    expect(await episodeOf(personId, 3)).toBeUndefined();

    // Naming episode 1: applied, under the bus event's id (the bridge reads the same event).
    const named = recallOf({ previousEpisode: 1 });
    await publish(named);
    await publish(named);
    const back = await eventually(() => episodeOf(personId, 3));
    expect(back).toMatchObject({
      state: 'IN_CUSTODY',
      reception: { receivedBy: BUS_ACTOR, returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' } },
    });
    await caughtUp();
    const received = await outboxIds('custody.person.received', personId);
    expect(received).toHaveLength(3);
    expect(received).toContainEqual([named.eventId, true]);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, named.eventId)).toEqual([]);
  });

  it("records a reception's sex, and leaves out a date of birth no person in custody could have rather than refuse the movement", async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const received = anUpstreamReception(prisonNumber, { sex: 'MALE', dateOfBirth: '1850-01-01' });
    const episode = await deliverTwice(received, personId, () => true);
    expect(episode).toMatchObject({ state: 'IN_CUSTODY', sex: 'MALE', dateOfBirth: null });
    await caughtUp();
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, received.eventId)).toEqual([]);
  });

  it('applies movements at any establishment (the bus is no HTTP caller); each prison then reads only its own', async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    const klm = prisonStaff('KLM');
    const nop = prisonStaff('NOP');

    // Received at KLM, which no caller of these specs but KLM's staff covers.
    await publish(anUpstreamReception(prisonNumber, { establishmentCode: 'KLM' }));
    const opened = await eventually(() => episodeOf(personId, 1, klm), 20_000);
    expect(opened).toMatchObject({ establishmentCode: 'KLM', reception: { receivedBy: BUS_ACTOR } });
    expect(await episodeOf(personId)).toBeUndefined();

    // Transferred to NOP on the bus: applied though no caller is in the way; KLM no longer sees it.
    const transfer = upstream('custody.person.transferred', prisonNumber, minutesAgo(900), {
      episode: 1,
      fromEstablishmentCode: 'KLM',
      toEstablishmentCode: 'NOP',
      transferredAt: minutesAgo(900),
    });
    await publish(transfer);
    const moved = await eventually(() => episodeOf(personId, 1, nop), 20_000);
    expect(moved.movements).toMatchObject([
      {
        eventId: transfer.eventId,
        fromEstablishmentCode: 'KLM',
        toEstablishmentCode: 'NOP',
        recordedBy: BUS_ACTOR,
      },
    ]);
    expect(await episodeOf(personId, 1, klm)).toBeUndefined();
    await caughtUp();
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, prisonNumber)).toEqual([]);
  });

  it("does not re-apply the service's own events, recorded over HTTP and coming back on the bus", async () => {
    const reception = aReception({ receivedAt: minutesAgo(1000) });
    const personId = personIdOf(reception.prisonNumber);
    await recordOverHttp('/receptions', reception);
    await recordOverHttp(`/people/${personId}/episodes/1/transfers`, {
      toEstablishmentCode: 'LEI',
      transferredAt: minutesAgo(900),
    });
    const { eventId: releaseEventId } = await recordOverHttp<ReleaseRecordedView>('/releases', {
      personId,
      establishmentCode: 'LEI',
      reason: 'RELEASED',
      releasedAt: minutesAgo(800),
    });
    const { eventId: reversalEventId } = await recordOverHttp<MovementReversedView>(
      `/movements/${releaseEventId}/reversal`,
      { reversedAt: minutesAgo(700) },
    );

    // All four events reach the bus from the outbox, and the consumer has been through them.
    const events = [
      ...(await lib().eventsOnBus('custody.person.received', personId)),
      ...(await lib().eventsOnBus('custody.person.transferred', personId)),
      ...(await lib().eventsOnBus('custody.person.released', personId)),
      ...(await lib().eventsOnBus('custody.movement.reversed', personId)),
    ];
    expect(events).toHaveLength(4);
    expect(events.map((e) => e.eventId)).toEqual(expect.arrayContaining([releaseEventId, reversalEventId]));
    await caughtUp();

    // Skipped as its own: never applied through the bus path (no bus idempotency key), never
    // refused (re-applying the release after its reversal would be a RELEASE_REVERSED conflict).
    expect(await busKeys(events.map((e) => e.eventId))).toEqual([]);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, personId)).toEqual([]);
    const view = await episodeOf(personId);
    expect(view).toMatchObject({ state: 'IN_CUSTODY', establishmentCode: 'LEI', release: null });
    expect(view?.movements).toHaveLength(2);
    for (const type of ['custody.person.received', 'custody.person.transferred', 'custody.person.released']) {
      expect(await lib().outboxRows(type, personId)).toHaveLength(1);
    }
  });

  it('retries an event while the database refuses it (a transient failure), and applies it once it can', async () => {
    const reception = anUpstreamReception(aPrisonNumber());
    const personId = personIdOf(reception.data.prisonNumber as string);
    const db = lib().dataSource;
    // The custody table is gone for a while: every attempt fails with a database error.
    await db.query('ALTER TABLE liberation.custody_episode RENAME TO custody_episode_away');
    try {
      await publish(reception);
      await new Promise((resolve) => setTimeout(resolve, 3000)); // attempts at 0, 1 and 3 s
    } finally {
      await db.query('ALTER TABLE liberation.custody_episode_away RENAME TO custody_episode');
    }
    expect(await eventually(() => episodeOf(personId), 20_000)).toMatchObject({ state: 'IN_CUSTODY' });
    await caughtUp();
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, reception.eventId)).toEqual([]);
    expect(await outboxIds('custody.person.received', personId)).toEqual([[reception.eventId, true]]);
  });

  it("an absence's return and departure reversed upstream are applied once each under the bus event id; a mismatched, impossible or unknown one is dead-lettered with its reason", async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    await recordOverHttp('/receptions', aReception({ prisonNumber, receivedAt: minutesAgo(2000) }));
    const absences = `/people/${personId}/episodes/1/absences`;
    const { absenceId } = await recordOverHttp<AbsenceView>(absences, {
      kind: 'ROTL',
      leftAt: minutesAgo(900),
    });
    await recordOverHttp(`${absences}/${absenceId}/return`, { returnedAt: minutesAgo(800) });
    const [started] = await lib().eventsOnBus('custody.absence.started', personId);
    const [ended] = await lib().eventsOnBus('custody.absence.ended', personId);
    const reversal = (
      part: 'DEPARTURE' | 'RETURN',
      reversedEventId: string,
      overrides: Record<string, unknown> = {},
    ) =>
      upstream('custody.absence.reversed', prisonNumber, minutesAgo(100), {
        episode: 1,
        absenceId,
        part,
        reversedEventId,
        reversedAt: minutesAgo(100),
        ...overrides,
      });
    const statusOf = async () =>
      ((await (await lib().get(absences)).json()) as AbsencePage).items.find((a) => a.absenceId === absenceId)
        ?.status;

    // The return named by the departure's event; the departure while its return stands; an
    // absence the record does not hold (held for the horizon, 3 s in the specs); another episode.
    const wrongPart = reversal('RETURN', started!.eventId);
    const returnStands = reversal('DEPARTURE', started!.eventId);
    const unknown = reversal('DEPARTURE', randomUUID(), { absenceId: randomUUID() });
    const otherEpisode = reversal('RETURN', ended!.eventId, { episode: 2 });
    for (const event of [wrongPart, returnStands, unknown, otherEpisode]) await publish(event);
    const expectations: Array<[string, string, RegExp]> = [
      [wrongPart.eventId, 'REVERSAL_MISMATCH', /data\.reversedEventId .* is not the return of absence/],
      [returnStands.eventId, 'ABSENCE_RETURN_STANDS', /reverse the return first/],
      [unknown.eventId, 'RETRIES_EXHAUSTED', /ABSENCE_NOT_YET_KNOWN.*data\.absenceId/],
      [otherEpisode.eventId, 'REVERSAL_MISMATCH', /is an absence of episode 1, not of episode 2/],
    ];
    for (const [id, code, reason] of expectations) {
      const dead = await deadLetterOf(id);
      expect([id, dead.headers?.get(DlqHeaders.code)]).toEqual([id, code]);
      expect(dead.headers?.get(DlqHeaders.reason)).toMatch(reason);
    }
    expect(await statusOf()).toBe('RETURNED');

    // The return undone (delivered twice): the person is out again, once.
    const undoReturn = reversal('RETURN', ended!.eventId);
    await publish(undoReturn);
    await publish(undoReturn);
    await eventually(async () => ((await statusOf()) === 'OUT' ? true : undefined));
    // Then the departure: the absence never was.
    const undoDeparture = reversal('DEPARTURE', started!.eventId, { reversedAt: minutesAgo(90) });
    await publish(undoDeparture);
    await publish(undoDeparture);
    await eventually(async () => ((await statusOf()) === 'REVERSED' ? true : undefined));
    await caughtUp();
    expect(await outboxIds('custody.absence.reversed', personId)).toEqual(
      expect.arrayContaining([
        [undoReturn.eventId, true],
        [undoDeparture.eventId, true],
      ]),
    );
    expect(await lib().outboxRows('custody.absence.reversed', personId)).toHaveLength(2);
    for (const event of [undoReturn, undoDeparture])
      expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, event.eventId)).toEqual([]);
  });

  it("a transfer's correction published upstream is applied once under the bus event id; one starting from other facts is dead-lettered", async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);
    await recordOverHttp('/receptions', aReception({ prisonNumber, receivedAt: minutesAgo(2000) }));
    const transferredAt = minutesAgo(900);
    const { eventId } = await recordOverHttp<{ eventId: string }>(
      `/people/${personId}/episodes/1/transfers`,
      {
        toEstablishmentCode: 'GMR',
        transferredAt,
      },
    );
    const correction = (overrides: Record<string, unknown> = {}) =>
      upstream('custody.movement.corrected', prisonNumber, minutesAgo(50), {
        episode: 1,
        movement: 'TRANSFER',
        correctedEventId: eventId,
        version: 2,
        reason: 'WRONG_TIME_AND_DESTINATION',
        correctedAt: minutesAgo(50),
        occurredAt: minutesAgo(950),
        previousOccurredAt: transferredAt,
        toEstablishmentCode: 'LEI',
        previousToEstablishmentCode: 'GMR',
        ...overrides,
      });
    const stale = correction({ previousOccurredAt: minutesAgo(1000), version: 3 });
    const ofARelease = correction({ movement: 'RELEASE' });
    // A movement the record does not hold (yet): held for the horizon (3 s in the specs), then
    // dead-lettered (review stop 43, M5).
    const unknown = correction({ correctedEventId: randomUUID() });
    await publish(stale);
    await publish(ofARelease);
    await publish(unknown);
    const notYet = await deadLetterOf(unknown.eventId);
    expect(notYet.headers?.get(DlqHeaders.code)).toBe('RETRIES_EXHAUSTED');
    expect(notYet.headers?.get(DlqHeaders.reason)).toMatch(/MOVEMENT_NOT_YET_KNOWN.*data\.correctedEventId/);
    const dead = await deadLetterOf(stale.eventId);
    expect(dead.headers?.get(DlqHeaders.code)).toBe('CORRECTION_MISMATCH');
    expect(dead.headers?.get(DlqHeaders.reason)).toMatch(
      /data\.previousOccurredAt, data\.version are not the movement's current facts/,
    );
    expect((await deadLetterOf(ofARelease.eventId)).headers?.get(DlqHeaders.code)).toBe(
      'CORRECTION_MISMATCH',
    );
    expect((await episodeOf(personId))?.establishmentCode).toBe('GMR');

    const applied = correction();
    const view = await deliverTwice(applied, personId, (v) => v.establishmentCode === 'LEI');
    expect(view.movements).toMatchObject([
      { eventId, at: applied.data.occurredAt, toEstablishmentCode: 'LEI', etag: '"movement-v2"' },
    ]);
    await caughtUp();
    expect(await outboxIds('custody.movement.corrected', personId)).toEqual([[applied.eventId, true]]);
    expect(await messagesWith(Streams.deadLetter.name, DEAD_LETTERS, applied.eventId)).toEqual([]);
  });

  it('dead-letters an event it cannot apply, with a reason naming the field, and carries on', async () => {
    const unplannable = anUpstreamReception(aPrisonNumber(), { expectedReleaseDate: '2099-01-05' });
    const notACouncil = anUpstreamReception(aPrisonNumber(), { homeLocalAuthority: 'E08000035' });
    const wrongEpisode = { ...anUpstreamReception(aPrisonNumber()), eventId: randomUUID() };
    wrongEpisode.data = { ...wrongEpisode.data, episode: 2 };
    const stranger = aPrisonNumber();
    const releaseOfNobody = upstream('custody.person.released', stranger, minutesAgo(10), {
      episode: 1,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: minutesAgo(10),
    });
    const hugeEpisode = upstream('custody.person.transferred', aPrisonNumber(), minutesAgo(10), {
      episode: 3_000_000_000,
      fromEstablishmentCode: 'BAR',
      toEstablishmentCode: 'LEI',
      transferredAt: minutesAgo(10),
    });
    const twoPeople = anUpstreamReception(aPrisonNumber());
    twoPeople.personReference = { identifiers: [{ type: 'NOMS', value: aPrisonNumber() }] };
    const marker = `not-an-event-${randomUUID()}`;
    const valid = anUpstreamReception(aPrisonNumber());
    // Version 2 is Throughcare's own, pseudonymous form: from anyone else it opens no record.
    const { prisonNumber: _pn, ...pseudonymous } = anUpstreamReception(aPrisonNumber()).data;
    const versionTwo = {
      ...upstream('custody.person.received', aPrisonNumber(), minutesAgo(10), pseudonymous),
      version: 2,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: `p${randomUUID().slice(0, 8)}` }] },
    };

    for (const event of [
      unplannable,
      notACouncil,
      wrongEpisode,
      releaseOfNobody,
      hugeEpisode,
      twoPeople,
      versionTwo,
    ])
      await publish(event);
    await publish(
      JSON.stringify({ eventType: 'custody.person.received', marker }),
      subjectFor('custody.person.received'),
    );
    await publish(valid);

    const expectations: Array<[string, string, RegExp]> = [
      [unplannable.eventId, 'INVALID_EVENT_DATA', /data\.expectedReleaseDate/],
      [notACouncil.eventId, 'INVALID_EVENT_DATA', /data\.homeLocalAuthority/],
      [wrongEpisode.eventId, 'EPISODE_NUMBER_MISMATCH', /names episode 2 .* episode 1 in the custody record/],
      // Held for the horizon (its reception may be on its way: the specs' config makes it 3 s), then dead-lettered.
      [releaseOfNobody.eventId, 'RETRIES_EXHAUSTED', /EPISODE_NOT_YET_KNOWN.*has no custody episode 1/],
      [hugeEpisode.eventId, 'INVALID_EVENT_DATA', /data\.episode/],
      [twoPeople.eventId, 'PERSON_REFERENCE_MISMATCH', /data\.prisonNumber/],
      [versionTwo.eventId, 'PRISON_NUMBER_REQUIRED', /custody\.person\.received@2 names no prison number/],
      [marker, 'INVALID_ENVELOPE', /eventId/],
    ];
    for (const [id, code, reason] of expectations) {
      const dead = await deadLetterOf(id);
      expect([id, dead.headers?.get(DlqHeaders.code)]).toEqual([id, code]);
      expect(dead.headers?.get(DlqHeaders.reason)).toMatch(reason);
      expect(dead.headers?.get(DlqHeaders.consumer)).toBe(UPSTREAM_MOVEMENTS_CONSUMER);
    }
    // Nothing recorded for the refused ones; the valid one after them is applied.
    for (const event of [unplannable, notACouncil, wrongEpisode, twoPeople]) {
      expect(await episodeOf(personIdOf(event.data.prisonNumber as string))).toBeUndefined();
    }
    expect(await episodeOf(personIdOf(stranger))).toBeUndefined();
    expect(await eventually(() => episodeOf(personIdOf(valid.data.prisonNumber as string)))).toMatchObject({
      state: 'IN_CUSTODY',
    });
  });
});
