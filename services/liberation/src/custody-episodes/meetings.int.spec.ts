import { randomUUID } from 'node:crypto';
import { MeetingBookedV1, MeetingCancelledV1, MeetingHeldV1 } from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import type { EpisodeView, MeetingHeldView } from './custody-episode.schemas';
import {
  aReception,
  config,
  runBookingSteps,
  daysFrom,
  minutesAgo,
  startLiberation,
  type LiberationHarness,
  type Problem,
} from './spec-support';
import type { MeetingStep } from './test-workflows/booking-steps.workflow';

/** One base for the whole file: dates built and expected across midnight agree (a CI run at 00:00 UTC). */
const daysFromToday = daysFrom(Date.now());
describe('liberation meetings: bookMeeting / cancelMeeting activities and POST /meetings/:bookingId/held', () => {
  let lib: LiberationHarness;

  beforeAll(async () => {
    lib = await startLiberation();
  });

  afterAll(async () => {
    await lib?.close();
  });

  /** Runs the steps through a test workflow whose activities run on the service's own worker (task queue "liberation"). */
  const runSteps = (steps: MeetingStep[]) => runBookingSteps({ kind: 'meeting', steps });

  async function anOpenEpisode() {
    const reception = aReception({ receivedAt: minutesAgo(600) });
    expect((await lib.post('/receptions', reception)).status).toBe(201);
    return { reception, personId: derivePersonId(config.PERSON_ID_SECRET, reception.prisonNumber) };
  }

  async function meetingRows(personId: string) {
    const rows: Array<{
      id: string;
      kind: string;
      establishment_code: string;
      meeting_date: string;
      agency_id: string | null;
      held: boolean;
      cancellation_reason: string | null;
    }> = await lib.dataSource.query(
      `SELECT id, kind, establishment_code, to_char(meeting_date, 'YYYY-MM-DD') AS meeting_date, agency_id,
              held_at IS NOT NULL AS held, cancellation_reason
         FROM liberation.meeting WHERE person_id = $1 ORDER BY meeting_date`,
      [personId],
    );
    return rows;
  }

  const heldAt = (minutes: number) => minutesAgo(minutes);

  it('books once per key, cancels once whatever the retries, and refuses unknown meetings and bad input for good', async () => {
    const { personId } = await anOpenEpisode();
    const run = randomUUID();
    const visit = {
      idempotencyKey: `${run}:visit`,
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      kind: 'CJSW_VISIT' as const,
      date: daysFromToday(10),
      agencyId: 'cjsw-edinburgh',
      correlationId: `spec-${run}`,
    };
    const preRelease = {
      ...visit,
      idempotencyKey: `${run}:pre-release`,
      kind: 'PRE_RELEASE_MEETING' as const,
      date: daysFromToday(50),
      agencyId: undefined,
    };

    const booked = await runSteps([
      { book: visit },
      { book: visit }, // a retry: same key
      { book: preRelease },
      { book: { ...visit, idempotencyKey: `${run}:missing`, episode: 9 } },
      { book: { ...visit, idempotencyKey: `${run}:bad`, kind: 'TEA_PARTY' as never, date: 'soon' } },
    ]);

    const [first, retry, pre, missing, bad] = booked;
    expect(first).toEqual({ bookingId: expect.any(String) });
    expect(retry).toEqual(first);
    expect(pre).toEqual({ bookingId: expect.any(String) });
    expect(pre).not.toEqual(first);
    expect(missing).toEqual({ failureType: 'EPISODE_NOT_FOUND', nonRetryable: true });
    expect(bad).toEqual({ failureType: 'VALIDATION_FAILED', nonRetryable: true });
    const visitId = (first as { bookingId: string }).bookingId;
    const preId = (pre as { bookingId: string }).bookingId;
    expect(await meetingRows(personId)).toEqual([
      {
        id: visitId,
        kind: 'CJSW_VISIT',
        establishment_code: 'BAR',
        meeting_date: daysFromToday(10),
        agency_id: 'cjsw-edinburgh',
        held: false,
        cancellation_reason: null,
      },
      {
        id: preId,
        kind: 'PRE_RELEASE_MEETING',
        establishment_code: 'BAR',
        meeting_date: daysFromToday(50),
        agency_id: null,
        held: false,
        cancellation_reason: null,
      },
    ]);
    const bookedEvents = (await lib.eventsOnBus('custody.meeting.booked', personId)).map((e) =>
      MeetingBookedV1.parse(e),
    );
    expect(bookedEvents).toHaveLength(2);
    expect(bookedEvents.find((e) => e.data.bookingId === visitId)).toMatchObject({
      correlationId: `spec-${run}`,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
      data: {
        bookingId: visitId,
        episode: 1,
        kind: 'CJSW_VISIT',
        establishmentCode: 'BAR',
        date: daysFromToday(10),
      },
    });
    expect(bookedEvents.find((e) => e.data.bookingId === preId)?.data).toEqual({
      bookingId: preId,
      episode: 1,
      kind: 'PRE_RELEASE_MEETING',
      establishmentCode: 'BAR',
      date: daysFromToday(50),
    });

    const cancel = {
      idempotencyKey: `${run}:cancel`,
      bookingId: visitId,
      reason: 'person transferred to LEI',
      correlationId: `spec-${run}`,
    };
    const cancelled = await runSteps([
      { cancel },
      { cancel }, // a retry: same key
      { cancel: { ...cancel, idempotencyKey: `${run}:cancel-again` } }, // already cancelled: a no-op
      { cancel: { ...cancel, idempotencyKey: `${run}:cancel-unknown`, bookingId: randomUUID() } },
      { cancel: { ...cancel, idempotencyKey: `${run}:cancel-bad`, bookingId: 'nope', reason: '' } },
    ]);

    expect(cancelled).toEqual([
      { outcome: 'CANCELLED' },
      { outcome: 'CANCELLED' }, // the retry answers what the first call did
      { outcome: 'ALREADY_CANCELLED' },
      { failureType: 'MEETING_NOT_FOUND', nonRetryable: true },
      { failureType: 'VALIDATION_FAILED', nonRetryable: true },
    ]);
    const cancelledEvents = await lib.eventsOnBus('custody.meeting.cancelled', personId);
    expect(cancelledEvents).toHaveLength(1);
    expect(MeetingCancelledV1.parse(cancelledEvents[0])).toMatchObject({
      correlationId: `spec-${run}`,
      data: { bookingId: visitId, episode: 1, reason: cancel.reason },
    });
    expect(await lib.outboxRows('custody.meeting.cancelled', personId)).toHaveLength(1);
    expect(await lib.outboxRows('custody.meeting.booked', personId)).toHaveLength(2);

    const view = (await (await lib.get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
    expect(view.meetings).toEqual([
      {
        bookingId: visitId,
        kind: 'CJSW_VISIT',
        establishmentCode: 'BAR',
        date: daysFromToday(10),
        status: 'CANCELLED',
        agencyId: 'cjsw-edinburgh',
        bookedAt: expect.any(String),
        heldAt: null,
        cancelledAt: expect.any(String),
        cancellationReason: cancel.reason,
      },
      {
        bookingId: preId,
        kind: 'PRE_RELEASE_MEETING',
        establishmentCode: 'BAR',
        date: daysFromToday(50),
        status: 'BOOKED',
        agencyId: null,
        bookedAt: expect.any(String),
        heldAt: null,
        cancelledAt: null,
        cancellationReason: null,
      },
    ]);
  });

  it('records a meeting held (201) with custody.meeting.held; repeats answer 200 with no second event; cancelled → 409, unknown → 404', async () => {
    const { personId } = await anOpenEpisode();
    const run = randomUUID();
    const book = (name: string, kind: 'CJSW_VISIT' | 'PRE_RELEASE_MEETING', days: number) => ({
      book: {
        idempotencyKey: `${run}:${name}`,
        personId,
        episode: 1,
        establishmentCode: 'BAR',
        kind,
        date: daysFromToday(days),
        correlationId: `spec-${run}`,
      },
    });
    const [a, b, c] = (await runSteps([
      book('a', 'CJSW_VISIT', 1),
      book('b', 'CJSW_VISIT', 2),
      book('c', 'PRE_RELEASE_MEETING', 3),
    ])) as Array<{ bookingId: string }>;
    const [cancelled] = await runSteps([
      {
        cancel: {
          idempotencyKey: `${run}:cancel-c`,
          bookingId: c!.bookingId,
          reason: 'release date moved',
          correlationId: `spec-${run}`,
        },
      },
    ]);
    expect(cancelled).toEqual({ outcome: 'CANCELLED' });

    // Held: 201 and the event; the same fact again: 200, same answer, no second event.
    const whenA = heldAt(30);
    const held = await lib.post(
      `/meetings/${a!.bookingId}/held`,
      { heldAt: whenA },
      { 'x-correlation-id': 'spec-held-a' },
    );
    expect(held.status).toBe(201);
    const heldView = (await held.json()) as MeetingHeldView;
    expect(heldView).toEqual({
      personId,
      episode: 1,
      bookingId: a!.bookingId,
      kind: 'CJSW_VISIT',
      establishmentCode: 'BAR',
      date: daysFromToday(1),
      status: 'HELD',
      agencyId: null,
      bookedAt: expect.any(String),
      heldAt: whenA,
      cancelledAt: null,
      cancellationReason: null,
      eventId: expect.any(String),
      links: { self: `/people/${personId}/episodes/1`, episodes: `/people/${personId}/episodes` },
    } satisfies Record<keyof MeetingHeldView, unknown>);
    const again = await lib.post(`/meetings/${a!.bookingId}/held`, { heldAt: whenA });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(heldView);
    const otherInstant = await lib.post(`/meetings/${a!.bookingId}/held`, { heldAt: heldAt(20) });
    expect(otherInstant.status).toBe(409);
    expect(await otherInstant.json()).toMatchObject({ code: 'MEETING_ALREADY_HELD' });

    // Idempotency-Key: the same key answers the first result; reused with another body, 409.
    const key = `spec-${randomUUID()}`;
    const whenB = heldAt(25);
    const first = await lib.post(
      `/meetings/${b!.bookingId}/held`,
      { heldAt: whenB },
      { 'idempotency-key': key },
    );
    const retry = await lib.post(
      `/meetings/${b!.bookingId}/held`,
      { heldAt: whenB },
      { 'idempotency-key': key },
    );
    const reused = await lib.post(
      `/meetings/${b!.bookingId}/held`,
      { heldAt: heldAt(24) },
      { 'idempotency-key': key },
    );
    expect([first.status, retry.status, reused.status]).toEqual([201, 200, 422]);
    expect(await reused.json()).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: expect.stringContaining('heldAt'),
    });

    // A cancelled meeting cannot be held; an unknown one is not found; bad input names the field.
    const onCancelled = await lib.post(`/meetings/${c!.bookingId}/held`, { heldAt: heldAt(10) });
    expect(onCancelled.status).toBe(409);
    expect(onCancelled.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await onCancelled.json()).toMatchObject({
      status: 409,
      code: 'MEETING_CANCELLED',
      detail: expect.stringContaining('release date moved'),
    });
    const unknown = await lib.post(`/meetings/${randomUUID()}/held`, { heldAt: heldAt(10) });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await unknown.json()).toMatchObject({ status: 404, code: 'MEETING_NOT_FOUND' });
    const badPath = await lib.post('/meetings/not-a-uuid/held', { heldAt: heldAt(10) });
    expect(badPath.status).toBe(400);
    expect(((await badPath.json()) as Problem).errors?.map((e) => e.field)).toEqual(['bookingId']);
    const badBody = await lib.post(`/meetings/${b!.bookingId}/held`, { heldAt: 'yesterday', extra: 1 });
    expect(badBody.status).toBe(400);
    expect(((await badBody.json()) as Problem).errors?.map((e) => e.field)).toContain('heldAt');
    const future = await lib.post(`/meetings/${b!.bookingId}/held`, {
      heldAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(((await future.json()) as Problem).errors).toEqual([
      { field: 'heldAt', message: expect.any(String) },
    ]);
    const beforeReception = await lib.post(`/meetings/${b!.bookingId}/held`, { heldAt: heldAt(6000) });
    expect(beforeReception.status).toBe(409); // already held at another instant: the held fact stands

    // Exactly two held events on the bus, each once.
    const heldEvents = (await lib.eventsOnBus('custody.meeting.held', personId)).map((e) =>
      MeetingHeldV1.parse(e),
    );
    expect(heldEvents.map((e) => e.data).sort((x, y) => x.heldAt.localeCompare(y.heldAt))).toEqual([
      { bookingId: a!.bookingId, episode: 1, kind: 'CJSW_VISIT', heldAt: whenA },
      { bookingId: b!.bookingId, episode: 1, kind: 'CJSW_VISIT', heldAt: whenB },
    ]);
    expect(heldEvents.find((e) => e.data.bookingId === a!.bookingId)).toMatchObject({
      eventId: heldView.eventId,
      correlationId: 'spec-held-a',
    });
    expect(await lib.outboxRows('custody.meeting.held', personId)).toHaveLength(2);

    // Cancelling a meeting already held changes nothing (what took place cannot be called off),
    // and says so with the instant it was held: the journey keeps it as held, met then.
    expect(
      await runSteps([
        {
          cancel: {
            idempotencyKey: `${run}:cancel-a`,
            bookingId: a!.bookingId,
            reason: 'too late',
            correlationId: `spec-${run}`,
          },
        },
      ]),
    ).toEqual([{ outcome: 'ALREADY_HELD', heldAt: whenA }]);
    expect(await lib.outboxRows('custody.meeting.cancelled', personId)).toHaveLength(1);

    const view = (await (await lib.get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;
    expect(view.meetings.map((m) => [m.bookingId, m.kind, m.establishmentCode, m.date, m.status])).toEqual([
      [a!.bookingId, 'CJSW_VISIT', 'BAR', daysFromToday(1), 'HELD'],
      [b!.bookingId, 'CJSW_VISIT', 'BAR', daysFromToday(2), 'HELD'],
      [c!.bookingId, 'PRE_RELEASE_MEETING', 'BAR', daysFromToday(3), 'CANCELLED'],
    ]);
  });

  it('refuses a meeting held before the person was received (422 naming heldAt)', async () => {
    const { personId } = await anOpenEpisode();
    const run = randomUUID();
    const [booked] = (await runSteps([
      {
        book: {
          idempotencyKey: `${run}:visit`,
          personId,
          episode: 1,
          establishmentCode: 'BAR',
          kind: 'CJSW_VISIT',
          date: daysFromToday(3),
          correlationId: `spec-${run}`,
        },
      },
    ])) as Array<{ bookingId: string }>;

    const response = await lib.post(`/meetings/${booked!.bookingId}/held`, { heldAt: minutesAgo(6000) });

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: 'MEETING_HELD_BEFORE_RECEPTION',
      detail: expect.stringContaining('heldAt'),
    });
    expect(await lib.outboxRows('custody.meeting.held', personId)).toHaveLength(0);
  });
});
