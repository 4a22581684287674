import { randomUUID } from 'node:crypto';
import {
  LiberatedFromCourtV2,
  MovementReversedV1,
  PersonReceivedV2,
  PersonTransferredV1,
  subjectFor,
} from '@throughcare/contracts';
import { withSpecWorker } from '@throughcare/testing';
import { localDateOf } from '@throughcare/domain';
import { BACKFILL_RELEASE_MOVEMENTS } from '../migrations/1700000000300-create-meeting-and-movement';
import type {
  CourtLiberationRecordedView,
  EpisodeView,
  MovementReversedView,
  ReceptionRecordedView,
  ReleaseRecordedView,
  TransferRecordedView,
} from './custody-episode.schemas';
import {
  actorOf,
  aLiberation,
  aPrisonNumber,
  aReception,
  config,
  minutesAgo,
  personIdOf,
  startLiberation,
  type LiberationHarness,
  type Problem,
} from './spec-support';
import type { personAgesWorkflow } from './test-workflows/person-age.workflow';

describe('liberation custody changes: transfers, reversals, court liberations, returns to custody', () => {
  let lib: LiberationHarness;

  beforeAll(async () => {
    lib = await startLiberation();
  });

  afterAll(async () => {
    await lib?.close();
  });

  const episodeView = async (personId: string, episode = 1) =>
    (await (await lib.get(`/people/${personId}/episodes/${episode}`)).json()) as EpisodeView;
  const transfer = (personId: string, body: unknown, headers: Record<string, string> = {}, episode = 1) =>
    lib.post(`/people/${personId}/episodes/${episode}/transfers`, body, headers);
  const reverse = (eventId: string, body: unknown, headers: Record<string, string> = {}) =>
    lib.post(`/movements/${eventId}/reversal`, body, headers);

  async function anOpenEpisode(overrides: Record<string, unknown> = {}) {
    const reception = aReception({ receivedAt: minutesAgo(1000), ...overrides });
    expect((await lib.post('/receptions', reception)).status).toBe(201);
    return { reception, personId: personIdOf(reception.prisonNumber) };
  }

  async function release(personId: string, releasedAt: string, establishmentCode = 'BAR') {
    const response = await lib.post('/releases', {
      personId,
      establishmentCode,
      reason: 'RELEASED',
      releasedAt,
    });
    expect(response.status).toBe(201);
    return (await response.json()) as ReleaseRecordedView;
  }

  describe('POST /people/:personId/episodes/:episode/transfers', () => {
    it('moves the episode to another establishment (201) with custody.person.transferred from where it was', async () => {
      const { personId } = await anOpenEpisode();
      const at = minutesAgo(500);

      const response = await transfer(
        personId,
        { toEstablishmentCode: 'LEI', transferredAt: at },
        { 'x-correlation-id': 'spec-transfer-1' },
      );

      expect(response.status).toBe(201);
      const recorded = (await response.json()) as TransferRecordedView;
      expect(recorded).toEqual({
        personId,
        episode: 1,
        eventId: expect.any(String),
        fromEstablishmentCode: 'BAR',
        toEstablishmentCode: 'LEI',
        transferredAt: at,
        reversedAt: null,
        links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
      } satisfies Record<keyof TransferRecordedView, unknown>);
      const events = await lib.eventsOnBus('custody.person.transferred', personId);
      expect(events).toHaveLength(1);
      expect(PersonTransferredV1.parse(events[0])).toMatchObject({
        eventId: recorded.eventId,
        correlationId: 'spec-transfer-1',
        occurredAt: at,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
        data: { episode: 1, fromEstablishmentCode: 'BAR', toEstablishmentCode: 'LEI', transferredAt: at },
      });

      // The same transfer again: 200, same event id, no second event.
      const again = await transfer(personId, { toEstablishmentCode: 'LEI', transferredAt: at });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(recorded);
      // Same instant, another destination: a conflict, not a second transfer.
      const conflicting = await transfer(personId, { toEstablishmentCode: 'GMR', transferredAt: at });
      expect(conflicting.status).toBe(409);
      expect(await conflicting.json()).toMatchObject({ code: 'TRANSFER_CONFLICT' });

      // A second transfer starts from the first one's destination.
      const onward = await transfer(personId, { toEstablishmentCode: 'GMR', transferredAt: minutesAgo(400) });
      expect(onward.status).toBe(201);
      expect(await onward.json()).toMatchObject({ fromEstablishmentCode: 'LEI', toEstablishmentCode: 'GMR' });

      const view = await episodeView(personId);
      expect(view.establishmentCode).toBe('GMR');
      expect(view.reception?.establishmentCode).toBe('BAR');
      expect(view.movements.map((m) => [m.movement, m.fromEstablishmentCode, m.toEstablishmentCode])).toEqual(
        [
          ['TRANSFER', 'BAR', 'LEI'],
          ['TRANSFER', 'LEI', 'GMR'],
        ],
      );
      expect(await lib.outboxRows('custody.person.transferred', personId)).toHaveLength(2);
    });

    it('honours Idempotency-Key: a retry answers the first transfer, a reused key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const { personId } = await anOpenEpisode();
      const key = `spec-${randomUUID()}`;
      const body = { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(100) };

      const first = await transfer(personId, body, { 'idempotency-key': key });
      const retry = await transfer(personId, body, { 'idempotency-key': key });
      const reused = await transfer(
        personId,
        { ...body, toEstablishmentCode: 'GMR' },
        { 'idempotency-key': key },
      );

      expect([first.status, retry.status, reused.status]).toEqual([201, 200, 422]);
      expect(((await retry.json()) as TransferRecordedView).eventId).toBe(
        ((await first.json()) as TransferRecordedView).eventId,
      );
      expect(await reused.json()).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: expect.stringContaining('toEstablishmentCode'),
      });
      expect(await lib.outboxRows('custody.person.transferred', personId)).toHaveLength(1);
    });

    it('refuses the same establishment (422), a released episode (409), an unknown one (404), out-of-order times (422) and bad input (400)', async () => {
      const { personId } = await anOpenEpisode({ establishmentCode: 'BAR' });

      const same = await transfer(personId, { toEstablishmentCode: 'BAR', transferredAt: minutesAgo(50) });
      expect(same.status).toBe(422);
      expect(same.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await same.json()).toMatchObject({
        status: 422,
        code: 'TRANSFER_TO_SAME_ESTABLISHMENT',
        detail: expect.stringContaining('BAR'),
      });
      const beforeReception = await transfer(personId, {
        toEstablishmentCode: 'LEI',
        transferredAt: minutesAgo(2000),
      });
      expect(beforeReception.status).toBe(422);
      expect(await beforeReception.json()).toMatchObject({ code: 'TRANSFER_BEFORE_RECEPTION' });
      expect(
        (await transfer(personId, { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(300) })).status,
      ).toBe(201);
      const beforeLast = await transfer(personId, {
        toEstablishmentCode: 'GMR',
        transferredAt: minutesAgo(400),
      });
      expect(beforeLast.status).toBe(422);
      expect(await beforeLast.json()).toMatchObject({ code: 'TRANSFER_BEFORE_PREVIOUS_TRANSFER' });

      const unknown = await transfer(
        personId,
        { toEstablishmentCode: 'GMR', transferredAt: minutesAgo(5) },
        {},
        2,
      );
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
      const bad = await transfer(personId, {
        toEstablishmentCode: 'leeds',
        transferredAt: 'today',
        from: 'BAR',
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual(
        expect.arrayContaining(['toEstablishmentCode', 'transferredAt']),
      );

      await release(personId, minutesAgo(60), 'LEI');
      const released = await transfer(personId, { toEstablishmentCode: 'GMR', transferredAt: minutesAgo(5) });
      expect(released.status).toBe(409);
      expect(await released.json()).toMatchObject({ code: 'EPISODE_ALREADY_RELEASED' });
      expect(await lib.outboxRows('custody.person.transferred', personId)).toHaveLength(1);
    });
  });

  describe('POST /movements/:eventId/reversal', () => {
    it('reverses the latest transfer (201) back to the establishment before, once; an earlier one only after it', async () => {
      const { personId } = await anOpenEpisode();
      const toLei = (await (
        await transfer(personId, { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(500) })
      ).json()) as TransferRecordedView;
      const toGmr = (await (
        await transfer(personId, { toEstablishmentCode: 'GMR', transferredAt: minutesAgo(400) })
      ).json()) as TransferRecordedView;

      const superseded = await reverse(toLei.eventId, { reversedAt: minutesAgo(300) });
      expect(superseded.status).toBe(409);
      expect(superseded.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await superseded.json()).toMatchObject({
        code: 'MOVEMENT_SUPERSEDED',
        detail: expect.stringContaining(toGmr.eventId),
      });

      const reversedAt = minutesAgo(300);
      const response = await reverse(
        toGmr.eventId,
        { reversedAt },
        { 'x-correlation-id': 'spec-reversal-1' },
      );
      expect(response.status).toBe(201);
      const reversal = (await response.json()) as MovementReversedView;
      expect(reversal).toEqual({
        personId,
        episode: 1,
        eventId: expect.any(String),
        movement: 'TRANSFER',
        reversedEventId: toGmr.eventId,
        reversedAt,
        state: 'IN_CUSTODY',
        establishmentCode: 'LEI',
        links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
      } satisfies Record<keyof MovementReversedView, unknown>);

      const again = await reverse(toGmr.eventId, { reversedAt: minutesAgo(200) });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(reversal);

      const events = await lib.eventsOnBus('custody.movement.reversed', personId);
      expect(events).toHaveLength(1);
      expect(MovementReversedV1.parse(events[0])).toMatchObject({
        eventId: reversal.eventId,
        correlationId: 'spec-reversal-1',
        occurredAt: reversedAt,
        personReference: {
          identifiers: expect.arrayContaining([{ type: 'THROUGHCARE_ID', value: personId }]),
        },
        data: { episode: 1, movement: 'TRANSFER', reversedEventId: toGmr.eventId, reversedAt },
      });

      // With the later transfer undone, the first one can be reversed: back at the reception's establishment.
      const first = await reverse(toLei.eventId, { reversedAt: minutesAgo(100) });
      expect(first.status).toBe(201);
      expect(await first.json()).toMatchObject({ movement: 'TRANSFER', establishmentCode: 'BAR' });
      const view = await episodeView(personId);
      expect(view.establishmentCode).toBe('BAR');
      expect(view.movements.map((m) => [m.eventId, m.reversal?.eventId ?? null])).toEqual([
        [toLei.eventId, expect.any(String)],
        [toGmr.eventId, reversal.eventId],
      ]);
      expect(await lib.outboxRows('custody.movement.reversed', personId)).toHaveLength(2);

      // A new transfer starts from where the person is now.
      const redo = await transfer(personId, { toEstablishmentCode: 'GMR', transferredAt: minutesAgo(50) });
      expect(await redo.json()).toMatchObject({ fromEstablishmentCode: 'BAR', toEstablishmentCode: 'GMR' });
    });

    it('reverses a release (201): the episode is back in custody; the same release again is refused, a new one recorded', async () => {
      const { reception: first, personId } = await anOpenEpisode();
      await transfer(personId, { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(800) });
      const released = await release(personId, minutesAgo(600), 'LEI');
      expect(released.eventId).toEqual(expect.any(String));
      const releaseEvents = await lib.eventsOnBus('custody.person.released', personId);
      expect(releaseEvents.map((e) => e.eventId)).toEqual([released.eventId]);

      const reversedAt = minutesAgo(500);
      const response = await reverse(released.eventId!, { reversedAt });
      expect(response.status).toBe(201);
      const reversal = (await response.json()) as MovementReversedView;
      expect(reversal).toMatchObject({
        movement: 'RELEASE',
        reversedEventId: released.eventId,
        state: 'IN_CUSTODY',
        establishmentCode: 'LEI',
      });
      const again = await reverse(released.eventId!, { reversedAt });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(reversal);

      const events = await lib.eventsOnBus('custody.movement.reversed', personId);
      expect(events).toHaveLength(1);
      expect(MovementReversedV1.parse(events[0]).data).toEqual({
        episode: 1,
        movement: 'RELEASE',
        reversedEventId: released.eventId,
        reversedAt,
      });
      const view = await episodeView(personId);
      expect(view).toMatchObject({ state: 'IN_CUSTODY', release: null, establishmentCode: 'LEI' });
      const [row] = (await lib.dataSource.query(
        'SELECT released_at, release_establishment_code FROM liberation.custody_episode WHERE person_id = $1',
        [personId],
      )) as Array<{ released_at: Date | null; release_establishment_code: string | null }>;
      expect(row).toEqual({ released_at: null, release_establishment_code: null });

      // The reversed release re-sent (an upstream re-publish) must not undo the correction.
      const republished = await lib.post('/releases', {
        personId,
        establishmentCode: 'LEI',
        reason: 'RELEASED',
        releasedAt: released.releasedAt,
      });
      expect(republished.status).toBe(409);
      expect(await republished.json()).toMatchObject({ code: 'RELEASE_REVERSED' });

      // The real release later: a new event, which a later episode then supersedes.
      const real = await release(personId, minutesAgo(300), 'LEI');
      expect(real.eventId).not.toBe(released.eventId);
      const readmission = await lib.post('/receptions', {
        ...first,
        reason: 'READMISSION',
        receivedAt: minutesAgo(200),
      });
      expect(readmission.status).toBe(201);
      const superseded = await reverse(real.eventId!, { reversedAt: minutesAgo(100) });
      expect(superseded.status).toBe(409);
      expect(await superseded.json()).toMatchObject({
        code: 'MOVEMENT_SUPERSEDED',
        detail: expect.stringContaining('episode 2'),
      });
      expect(await lib.outboxRows('custody.movement.reversed', personId)).toHaveLength(1);
    });

    it('reverses a release recorded before movements were kept: migration 300 back-fills it from the outbox', async () => {
      const { personId } = await anOpenEpisode();
      const eventId = randomUUID();
      const releasedAt = minutesAgo(300);
      // A release as the service recorded it before migration 300: facts on the episode, event in the outbox.
      await lib.dataSource.query(
        `UPDATE liberation.custody_episode
            SET released_at = $2, released_by = 'spec:legacy', release_establishment_code = 'BAR', release_reason = 'RELEASED'
          WHERE person_id = $1 AND episode = 1`,
        [personId, releasedAt],
      );
      await lib.dataSource.query(
        `INSERT INTO liberation.outbox (id, subject, payload, published_at) VALUES ($1, $2, $3, now())`,
        [
          eventId,
          subjectFor('custody.person.released'),
          JSON.stringify({
            eventType: 'custody.person.released',
            version: 1,
            eventId,
            occurredAt: releasedAt,
            correlationId: 'spec-legacy',
            personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
            data: { episode: 1, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt },
          }),
        ],
      );

      await lib.dataSource.query(BACKFILL_RELEASE_MOVEMENTS, [subjectFor('custody.person.released')]);
      await lib.dataSource.query(BACKFILL_RELEASE_MOVEMENTS, [subjectFor('custody.person.released')]);

      expect((await episodeView(personId)).movements).toEqual([
        {
          eventId,
          movement: 'RELEASE',
          fromEstablishmentCode: 'BAR',
          toEstablishmentCode: null,
          releaseReason: 'RELEASED',
          at: releasedAt,
          recordedBy: 'spec:legacy',
          reversal: null,
          etag: '"movement-v1"',
        },
      ]);
      const response = await reverse(eventId, { reversedAt: minutesAgo(200) });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({
        movement: 'RELEASE',
        reversedEventId: eventId,
        state: 'IN_CUSTODY',
      });
      expect((await episodeView(personId)).state).toBe('IN_CUSTODY');
      const [event, ...others] = await lib.eventsOnBus('custody.movement.reversed', personId);
      expect(others).toHaveLength(0);
      expect(MovementReversedV1.parse(event).data).toMatchObject({
        movement: 'RELEASE',
        reversedEventId: eventId,
      });
    });

    it('refuses to reverse a transfer once the episode is released (409), an unknown event (404), a time before the movement (422), bad input (400)', async () => {
      const { personId } = await anOpenEpisode();
      const moved = (await (
        await transfer(personId, { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(500) })
      ).json()) as TransferRecordedView;

      const early = await reverse(moved.eventId, { reversedAt: minutesAgo(600) });
      expect(early.status).toBe(422);
      expect(await early.json()).toMatchObject({
        code: 'REVERSAL_BEFORE_MOVEMENT',
        detail: expect.stringContaining('reversedAt'),
      });

      const released = await release(personId, minutesAgo(400), 'LEI');
      const afterRelease = await reverse(moved.eventId, { reversedAt: minutesAgo(300) });
      expect(afterRelease.status).toBe(409);
      expect(await afterRelease.json()).toMatchObject({
        code: 'MOVEMENT_SUPERSEDED',
        detail: expect.stringContaining(released.eventId!),
      });

      const unknown = await reverse(randomUUID(), { reversedAt: minutesAgo(1) });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await unknown.json()).toMatchObject({ status: 404, code: 'MOVEMENT_NOT_FOUND' });
      const badPath = await reverse('not-an-event', { reversedAt: minutesAgo(1) });
      expect(badPath.status).toBe(400);
      expect(((await badPath.json()) as Problem).errors?.map((e) => e.field)).toEqual(['eventId']);
      const badBody = await reverse(moved.eventId, {});
      expect(badBody.status).toBe(400);
      expect(((await badBody.json()) as Problem).errors?.map((e) => e.field)).toEqual(['reversedAt']);

      // Idempotency-Key: reused for another movement is a conflict.
      const key = `spec-${randomUUID()}`;
      const first = await reverse(
        released.eventId!,
        { reversedAt: minutesAgo(100) },
        { 'idempotency-key': key },
      );
      const retry = await reverse(
        released.eventId!,
        { reversedAt: minutesAgo(100) },
        { 'idempotency-key': key },
      );
      const reused = await reverse(moved.eventId, { reversedAt: minutesAgo(50) }, { 'idempotency-key': key });
      expect([first.status, retry.status, reused.status]).toEqual([201, 200, 422]);
      expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await lib.outboxRows('custody.movement.reversed', personId)).toHaveLength(1);
    });
  });

  describe('POST /court-liberations', () => {
    it("opens the person's first episode as released (201) and puts custody.person.liberated-from-court on the bus", async () => {
      // With the person's sex and date of birth: the journey's need referrals use them at once.
      const liberation = aLiberation({ sex: 'MALE', dateOfBirth: '1985-07-14' });
      const personId = personIdOf(liberation.prisonNumber);

      const response = await lib.post('/court-liberations', liberation, {
        'x-correlation-id': 'spec-court-1',
      });

      expect(response.status).toBe(201);
      const recorded = (await response.json()) as CourtLiberationRecordedView;
      expect(recorded).toEqual({
        personId,
        prisonNumber: liberation.prisonNumber,
        episode: 1,
        workflowId: `throughcare-${personId}-1`,
        releasedAt: liberation.releasedAt,
        eventId: expect.any(String),
        links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
      } satisfies Record<keyof CourtLiberationRecordedView, unknown>);
      expect(response.headers.get('location')).toBe(`/people/${personId}/episodes/1`);
      const events = await lib.eventsOnBus('custody.person.liberated-from-court', personId);
      expect(events).toHaveLength(1);
      // The sex on the bus; the date of birth stays here (the journey asks for the age: personAgeOn).
      const {
        prisonNumber,
        dateOfBirth: _dateOfBirth,
        ...facts
      } = liberation as typeof liberation & {
        dateOfBirth: string;
      };
      expect(JSON.stringify(events[0])).not.toContain('1985-07-14');
      expect(LiberatedFromCourtV2.parse(events[0])).toEqual({
        eventType: 'custody.person.liberated-from-court',
        version: 2,
        eventId: recorded.eventId,
        occurredAt: liberation.releasedAt,
        correlationId: 'spec-court-1',
        description: expect.any(String),
        // The pseudonymous id only: the prison number stays in the custody record (issue 8).
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
        data: { ...facts, episode: 1 },
      });
      expect(JSON.stringify(events[0])).not.toContain(prisonNumber);

      const view = await episodeView(personId);
      expect(view).toMatchObject({
        state: 'RELEASED',
        origin: 'COURT_LIBERATION',
        sex: 'MALE',
        dateOfBirth: '1985-07-14',
        establishmentCode: 'BAR',
        reception: null,
        courtLiberation: { establishmentCode: 'BAR', legalStatus: 'REMAND' },
        release: {
          establishmentCode: 'BAR',
          releasedAt: liberation.releasedAt,
          releasedBy: await actorOf(),
        },
        expectedReleaseDate: null,
        movements: [],
      });
      expect(JSON.stringify(view)).not.toContain(liberation.prisonNumber);

      // The same liberation again: 200, same answer, no second event; other facts at that instant: 409.
      const again = await lib.post('/court-liberations', liberation);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(recorded);
      const conflicting = await lib.post('/court-liberations', { ...liberation, legalStatus: 'SENTENCED' });
      expect(conflicting.status).toBe(409);
      expect(await conflicting.json()).toMatchObject({
        code: 'COURT_LIBERATION_CONFLICT',
        detail: expect.stringContaining('legalStatus'),
      });
      expect(await lib.outboxRows('custody.person.liberated-from-court', personId)).toHaveLength(1);
    });

    it('opens the next episode after a released one; refuses an open episode (409), an earlier time (422), bad input (400), a reused key (409)', async () => {
      const { reception, personId } = await anOpenEpisode({ receivedAt: minutesAgo(1000) });
      const liberation = aLiberation({ prisonNumber: reception.prisonNumber, releasedAt: minutesAgo(100) });

      const whileOpen = await lib.post('/court-liberations', liberation);
      expect(whileOpen.status).toBe(409);
      expect(await whileOpen.json()).toMatchObject({ code: 'EPISODE_ALREADY_OPEN' });

      await release(personId, minutesAgo(500));
      const beforeRelease = await lib.post('/court-liberations', {
        ...liberation,
        releasedAt: minutesAgo(600),
      });
      expect(beforeRelease.status).toBe(422);
      expect(await beforeRelease.json()).toMatchObject({ code: 'LIBERATION_BEFORE_PREVIOUS_RELEASE' });

      const key = `spec-${randomUUID()}`;
      const first = await lib.post('/court-liberations', liberation, { 'idempotency-key': key });
      const retry = await lib.post('/court-liberations', liberation, { 'idempotency-key': key });
      const reused = await lib.post(
        '/court-liberations',
        { ...liberation, establishmentCode: 'LEI' },
        { 'idempotency-key': key },
      );
      expect([first.status, retry.status, reused.status]).toEqual([201, 200, 422]);
      expect(((await first.json()) as CourtLiberationRecordedView).episode).toBe(2);
      expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

      const bad = await lib.post('/court-liberations', {
        ...aLiberation(),
        legalStatus: 'ACQUITTED',
        prisonNumber: '123',
        sentenceDate: '2026-01-01',
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).errors?.map((e) => e.field)).toEqual(
        expect.arrayContaining(['legalStatus', 'prisonNumber']),
      );
      expect(await lib.outboxRows('custody.person.liberated-from-court', personId)).toHaveLength(1);
    });
  });

  describe('POST /receptions with returnToCustody', () => {
    it('carries a recall into custody.person.received after a released episode, and refuses it with no released episode (409)', async () => {
      const { reception, personId } = await anOpenEpisode({ receivedAt: minutesAgo(1000) });
      const recall = {
        ...reception,
        reason: 'READMISSION',
        receivedAt: minutesAgo(100),
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
      };

      const whileOpen = await lib.post('/receptions', recall);
      expect(whileOpen.status).toBe(409);
      expect(await whileOpen.json()).toMatchObject({
        code: 'NOT_A_RETURN_TO_CUSTODY',
        detail: expect.stringContaining('episode 1'),
      });

      await release(personId, minutesAgo(500));
      const response = await lib.post('/receptions', recall, { 'x-correlation-id': 'spec-recall' });
      expect(response.status).toBe(201);
      expect(((await response.json()) as ReceptionRecordedView).episode).toBe(2);
      const events = (await lib.eventsOnBus('custody.person.received', personId)).map((e) =>
        PersonReceivedV2.parse(e),
      );
      expect(events.map((e) => e.data.episode)).toEqual([1, 2]);
      const { prisonNumber: _prisonNumber, ...recallFacts } = recall;
      expect(events[0]?.data.returnToCustody).toBeUndefined();
      expect(events[0]?.data).not.toHaveProperty('previousEpisode');
      // The released episode the return follows: the one whose journey hears of it.
      expect(events[1]).toMatchObject({
        correlationId: 'spec-recall',
        data: {
          ...recallFacts,
          episode: 2,
          returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
          previousEpisode: 1,
        },
      });
      expect((await episodeView(personId, 2)).reception?.returnToCustody).toEqual({
        reason: 'RECALL',
        recallReasonCode: 'B',
      });

      const again = await lib.post('/receptions', recall);
      expect(again.status).toBe(200);
      // The custody record works out which episode a return follows: a client cannot say.
      const stated = await lib.post('/receptions', { ...recall, previousEpisode: 1 });
      expect(stated.status).toBe(400);
      expect(((await stated.json()) as Problem).errors).toEqual([
        { field: '(root)', message: expect.stringContaining('previousEpisode') },
      ]);
      const otherReturn = await lib.post('/receptions', {
        ...recall,
        returnToCustody: { reason: 'NEW_SENTENCE' },
      });
      expect(otherReturn.status).toBe(409);
      expect(await otherReturn.json()).toMatchObject({
        code: 'RECEPTION_CONFLICT',
        detail: expect.stringContaining('returnToCustody'),
      });
      expect(await lib.outboxRows('custody.person.received', personId)).toHaveLength(2);
    });

    it('accepts a new sentence after a court liberation, refuses a first-ever return (409) and a recall code without RECALL (400)', async () => {
      const prisonNumber = aPrisonNumber();
      const personId = personIdOf(prisonNumber);
      const newSentence = aReception({
        prisonNumber,
        receivedAt: minutesAgo(100),
        returnToCustody: { reason: 'NEW_SENTENCE' },
      });

      const firstEver = await lib.post('/receptions', newSentence);
      expect(firstEver.status).toBe(409);
      expect(firstEver.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await firstEver.json()).toMatchObject({
        code: 'NOT_A_RETURN_TO_CUSTODY',
        detail: expect.stringContaining('no earlier custody episode'),
      });

      const badCode = await lib.post('/receptions', {
        ...newSentence,
        returnToCustody: { reason: 'NEW_SENTENCE', recallReasonCode: 'B' },
      });
      expect(badCode.status).toBe(400);
      expect(((await badCode.json()) as Problem).errors?.map((e) => e.field)).toEqual([
        'returnToCustody.recallReasonCode',
      ]);

      expect(
        (
          await lib.post('/court-liberations', {
            prisonNumber,
            establishmentCode: 'LEI',
            jurisdiction: 'SCOTLAND',
            homeLocalAuthority: 'S12000036',
            legalStatus: 'CONVICTED_UNSENTENCED',
            releasedAt: minutesAgo(500),
          })
        ).status,
      ).toBe(201);
      const response = await lib.post('/receptions', newSentence);
      expect(response.status).toBe(201);
      expect(((await response.json()) as ReceptionRecordedView).episode).toBe(2);
      const [event, ...others] = (await lib.eventsOnBus('custody.person.received', personId)).map((e) =>
        PersonReceivedV2.parse(e),
      );
      expect(others).toHaveLength(0);
      expect(event?.data).toMatchObject({ episode: 2, returnToCustody: { reason: 'NEW_SENTENCE' } });
      expect(event?.data.returnToCustody).toEqual({ reason: 'NEW_SENTENCE' });
      expect(event?.data.previousEpisode).toBe(1);
    });
  });

  describe('personAgeOn activity (task queue "liberation"): the age, never the date of birth', () => {
    const ask = (inputs: Array<{ personId: string; episode: number; at: string }>) =>
      withSpecWorker(
        { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
        require.resolve('./test-workflows/person-age.workflow'),
        (worker) => worker.execute<typeof personAgesWorkflow>('personAgesWorkflow', [inputs]),
      );

    /** The London day `days` from today, `years` earlier (a date of birth whose birthday is that day). */
    const bornOn = (years: number, days = 0) => {
      const day = new Date(Date.parse(`${localDateOf(new Date())}T12:00:00Z`) + days * 86_400_000);
      return `${day.getUTCFullYear() - years}${day.toISOString().slice(4, 10)}`;
    };

    it("answers the age today (Europe/London) from the episode's date of birth or the person's latest that has one; {} when none is recorded", async () => {
      // 36 tomorrow: 35 today.
      const { reception, personId } = await anOpenEpisode({ sex: 'FEMALE', dateOfBirth: bornOn(36, 1) });
      await release(personId, minutesAgo(500));
      // A recall recorded without the date of birth: the person's is still known.
      const recall = {
        ...reception,
        sex: undefined,
        dateOfBirth: undefined,
        reason: 'READMISSION',
        receivedAt: minutesAgo(100),
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
      };
      expect((await lib.post('/receptions', recall)).status).toBe(201);
      expect(await episodeView(personId, 2)).toMatchObject({ dateOfBirth: null });
      // 36 today: the birthday counts.
      const { personId: birthdayToday } = await anOpenEpisode({ dateOfBirth: bornOn(36) });
      const { personId: unknownBirth } = await anOpenEpisode();

      const now = new Date().toISOString();
      const answers = await ask([
        { personId, episode: 1, at: now },
        { personId, episode: 2, at: now },
        { personId: birthdayToday, episode: 1, at: now },
        { personId: unknownBirth, episode: 1, at: now },
        { personId, episode: 9, at: now },
        { personId: 'A1234BC', episode: 1, at: 'today' },
      ]);
      expect(answers).toEqual([
        { age: 35 },
        { age: 35 },
        { age: 36 },
        {},
        { failureType: 'EPISODE_NOT_FOUND', nonRetryable: true },
        { failureType: 'VALIDATION_FAILED', nonRetryable: true },
      ]);
    });

    it('answers only for the day it is asked: another day is refused, so a birthday cannot be found by bisection', async () => {
      const { personId } = await anOpenEpisode({ dateOfBirth: bornOn(40, 1) });
      const answers = await ask([
        { personId, episode: 1, at: new Date(Date.now() + 2 * 86_400_000).toISOString() },
        { personId, episode: 1, at: new Date(Date.now() - 400 * 86_400_000).toISOString() },
        { personId, episode: 1, at: new Date().toISOString() },
      ]);
      expect(answers).toEqual([
        { failureType: 'VALIDATION_FAILED', nonRetryable: true },
        { failureType: 'VALIDATION_FAILED', nonRetryable: true },
        { age: 39 },
      ]);
    });
  });

  it('serves OpenAPI for the new endpoints from the zod schemas', async () => {
    const doc = (await (await lib.get('/docs-json', 'nobody')).json()) as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };
    const required = (path: string) =>
      doc.paths[path]?.post?.requestBody?.content['application/json']?.schema.required;

    expect(required('/meetings/{bookingId}/held')).toEqual(['heldAt']);
    expect(required('/people/{personId}/episodes/{episode}/transfers')).toEqual(
      expect.arrayContaining(['toEstablishmentCode', 'transferredAt']),
    );
    expect(required('/movements/{eventId}/reversal')).toEqual(['reversedAt']);
    expect(required('/court-liberations')).toEqual(
      expect.arrayContaining(['prisonNumber', 'establishmentCode', 'legalStatus', 'releasedAt']),
    );
  });
});
