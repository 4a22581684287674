import { randomUUID } from 'node:crypto';
import type { HmppsDomainEvent } from '@throughcare/contracts';
import {
  ABSENCE_MATCH_MS,
  ABSENCE_RETURN_LOOKBACK_MS,
  HMPPS_ACTOR,
  hmppsEventId,
  matchHmppsAbsence,
  parseHmppsEvent,
} from './hmpps-inbound';
import type { TemporaryAbsence } from './temporary-absence.entity';

/** A release as HMPPS publishes it (prison-offender-events.prisoner.released, version 1). */
const release = {
  eventType: 'prison-offender-events.prisoner.released',
  version: 1,
  occurredAt: '2026-11-30T10:15:30+00:00',
  publishedAt: '2026-11-30T10:15:31.123456+00:00',
  description: 'A prisoner has been released from prison',
  additionalInformation: {
    nomsNumber: 'A1234BC',
    reason: 'RELEASED',
    details: 'Movement reason code CR',
    currentLocation: 'OUTSIDE_PRISON',
    prisonId: 'LEI',
    nomisMovementReasonCode: 'CR',
    currentPrisonStatus: 'NOT_UNDER_PRISON_CARE',
  },
  personReference: { identifiers: [{ type: 'NOMS', value: 'A1234BC' }] },
};
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseHmppsEvent', () => {
  it('reads an HMPPS domain event, keeping the fields the schema lets publishers add', () => {
    const parsed = parseHmppsEvent(bytes(release));
    expect(parsed).toEqual({ ok: true, event: release });
  });

  it('takes an instant as Java writes one at hh:mm:00 (no seconds) and gives it its seconds (review stop 43, M3)', () => {
    const parsed = parseHmppsEvent(bytes({ ...release, occurredAt: '2026-11-30T10:15Z' }));
    expect(parsed).toMatchObject({ ok: true, event: { occurredAt: '2026-11-30T10:15:00Z' } });
    expect(parseHmppsEvent(bytes({ ...release, occurredAt: '2026-11-30T10:15+01:00' }))).toMatchObject({
      ok: true,
      event: { occurredAt: '2026-11-30T10:15:00+01:00' },
    });
    // Still an instant: a time without its offset is refused.
    expect(parseHmppsEvent(bytes({ ...release, occurredAt: '2026-11-30T10:15' }))).toMatchObject({
      ok: false,
      code: 'INVALID_HMPPS_EVENT',
    });
  });

  it('refuses what is not one, naming the fields', () => {
    expect(parseHmppsEvent(bytes('{'))).toMatchObject({ ok: false, code: 'MALFORMED_JSON' });
    // The reason is logged and shown to operators: it quotes no part of the body.
    const broken = parseHmppsEvent(bytes('{"nomsNumber": "A1234BC" "reason"}'));
    expect(broken).toEqual({
      ok: false,
      code: 'MALFORMED_JSON',
      reason: 'body is not JSON: invalid JSON at position 25',
    });
    expect(parseHmppsEvent(bytes({ ...release, version: '1', occurredAt: 'yesterday' }))).toEqual({
      ok: false,
      code: 'INVALID_HMPPS_EVENT',
      reason: expect.stringMatching(/^version: .*; occurredAt: /),
    });
    expect(parseHmppsEvent(bytes({ ...release, eventType: 'Released' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('eventType: eventType must read <source>.<entity>.<past-tense>'),
    });
  });
});

describe('hmppsEventId', () => {
  const event = release as HmppsDomainEvent;
  const personId = 'p'.repeat(43);

  it('is a name-based (version 5) UUID of the movement, whatever the instant is written as', () => {
    const id = hmppsEventId(event, personId);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Another copy: another publishedAt and description, the instant in another form, and the
    // reason and prison HMPPS works out when it publishes possibly different.
    const again = {
      ...event,
      occurredAt: '2026-11-30T10:15:30.000Z',
      publishedAt: '2026-11-30T11:00:31Z',
      additionalInformation: { ...release.additionalInformation, reason: 'UNKNOWN', prisonId: 'MDI' },
    };
    expect(hmppsEventId(again, personId)).toBe(id);
  });

  it('differs when the type, version, instant or person does', () => {
    const id = hmppsEventId(event, personId);
    const others = [
      hmppsEventId({ ...event, occurredAt: '2026-11-30T10:15:31Z' }, personId),
      hmppsEventId({ ...event, version: 2 }, personId),
      hmppsEventId({ ...event, eventType: 'prison-offender-events.prisoner.received' }, personId),
      hmppsEventId(event, 'q'.repeat(43)),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});

describe('matchHmppsAbsence (review stop 37, S3 and M7)', () => {
  const staff = 'staff:LEI:1';
  const t = (hhmm: string) => new Date(`2026-11-30T${hhmm}:00Z`);
  let n = 0;
  const absence = (over: Partial<TemporaryAbsence>): TemporaryAbsence =>
    ({
      id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      personId: 'p',
      episode: 1,
      kind: 'ROTL',
      establishmentCode: 'LEI',
      leftAt: t('09:00'),
      dueBackAt: null,
      movementReasonCode: null,
      departureEventId: randomUUID(),
      departureRecordedAt: t('09:00'),
      departureRecordedBy: staff,
      returnedAt: null,
      returnEventId: null,
      returnRecordedAt: null,
      returnRecordedBy: null,
      departureReversedAt: null,
      departureReversedBy: null,
      departureReversalEventId: null,
      returnReversedAt: null,
      returnReversedBy: null,
      returnReversalEventId: null,
      endedByMovement: null,
      endedByMovementAt: null,
      endedByMovementEventId: null,
      hmppsDepartureEventId: null,
      hmppsReturnEventId: null,
      correlationId: 'c',
      ...over,
    }) as TemporaryAbsence;
  const back = (at: string, by = staff) => ({
    returnedAt: t(at),
    returnEventId: randomUUID(),
    returnRecordedBy: by,
  });
  const event = randomUUID();
  const departure = { part: 'DEPARTURE', kind: 'ROTL' } as const;
  const returning = { part: 'RETURN', kind: 'ROTL' } as const;

  it('is a tolerance of 60 minutes', () => {
    expect(ABSENCE_MATCH_MS).toBe(60 * 60_000);
  });

  it("a second absence of the day (staff's 09:00-12:00, NOMIS 13:00-17:00) is not taken for the first", () => {
    const morning = absence({ leftAt: t('09:00'), ...back('12:00') });
    expect(matchHmppsAbsence([morning], departure, t('13:00'), event)).toEqual({ depart: true });
    // Even within the tolerance of its departure: it was back before this one left.
    expect(matchHmppsAbsence([morning], departure, t('12:30'), event)).toEqual({ depart: true });
    const afternoon = absence({
      leftAt: t('13:00'),
      departureRecordedBy: HMPPS_ACTOR,
      hmppsDepartureEventId: event,
    });
    expect(matchHmppsAbsence([morning, afternoon], returning, t('17:00'), randomUUID())).toEqual({
      returnFrom: afternoon,
    });
    // A return at 12:30 after the afternoon departure was recorded at 13:00 is the morning's, by staff.
    expect(matchHmppsAbsence([morning, afternoon], returning, t('12:30'), randomUUID())).toEqual({
      matched: morning,
      already: false,
    });
  });

  it('a morning return NOMIS enters late, after staff recorded it and an afternoon departure, is the morning one (review N6)', () => {
    const morning = absence({ leftAt: t('09:00'), ...back('12:20'), hmppsDepartureEventId: randomUUID() });
    const afternoon = absence({ leftAt: t('12:30') });
    // 12:40: within the tolerance of the morning return staff recorded at 12:20, before the
    // afternoon absence left: the morning's, and the afternoon absence stays open.
    expect(matchHmppsAbsence([morning, afternoon], returning, t('12:40'), randomUUID())).toEqual({
      matched: morning,
      already: false,
    });
    // Its NOMIS return already matched: this one is the afternoon's.
    const matched = absence({
      leftAt: t('09:00'),
      ...back('12:20'),
      hmppsDepartureEventId: randomUUID(),
      hmppsReturnEventId: randomUUID(),
    });
    expect(matchHmppsAbsence([matched, afternoon], returning, t('12:40'), randomUUID())).toEqual({
      returnFrom: afternoon,
    });
    // Beyond the tolerance of the staff return: the afternoon's.
    expect(matchHmppsAbsence([morning, afternoon], returning, t('13:30'), randomUUID())).toEqual({
      returnFrom: afternoon,
    });
    // The open absence of another kind does not hide the morning's return either.
    const court = absence({ kind: 'COURT', leftAt: t('12:30') });
    expect(matchHmppsAbsence([morning, court], returning, t('12:40'), randomUUID())).toEqual({
      matched: morning,
      already: false,
    });
  });

  it("a staff-only morning absence then a short NOMIS afternoon one: NOMIS's return is the afternoon's (review stop 38, M5)", () => {
    // NOMIS never had the morning absence; the afternoon one is NOMIS's own (12:15 out, 12:50 back).
    const morning = absence({ leftAt: t('09:00'), ...back('12:00') });
    const afternoon = absence({
      leftAt: t('12:15'),
      departureRecordedBy: HMPPS_ACTOR,
      hmppsDepartureEventId: randomUUID(),
    });
    expect(matchHmppsAbsence([morning, afternoon], returning, t('12:50'), randomUUID())).toEqual({
      returnFrom: afternoon,
    });
    // Staff recorded the afternoon departure instead: the morning return, within the tolerance, is
    // taken as the late-entered one (the afternoon stays open, and shows overdue if wrong).
    const byStaff = absence({ leftAt: t('12:15') });
    expect(matchHmppsAbsence([morning, byStaff], returning, t('12:50'), randomUUID())).toEqual({
      matched: morning,
      already: false,
    });
  });

  it("staff's movement minutes apart: that absence, the nearest; once each; a redelivery is the match already made", () => {
    const open = absence({ leftAt: t('09:00') });
    expect(matchHmppsAbsence([open], departure, t('09:02'), event)).toEqual({
      matched: open,
      already: false,
    });
    const returned = absence({ leftAt: t('09:00'), ...back('12:00') });
    // Out still at 09:02 (back at 12:00): the same absence.
    expect(matchHmppsAbsence([returned], departure, t('09:02'), event)).toEqual({
      matched: returned,
      already: false,
    });
    // The nearest of two candidates (another kind is never one).
    const near = absence({ leftAt: t('10:10'), ...back('12:00') });
    const far = absence({ leftAt: t('09:30'), ...back('12:00') });
    const court = absence({ kind: 'COURT', leftAt: t('10:00') });
    expect(matchHmppsAbsence([far, court, near], departure, t('10:00'), event)).toEqual({
      matched: near,
      already: false,
    });
    // Matched to another HMPPS departure already: not again.
    const taken = absence({ leftAt: t('09:00'), hmppsDepartureEventId: randomUUID() });
    expect(matchHmppsAbsence([taken], departure, t('09:02'), event)).toEqual({ depart: true });
    // This event, again.
    const mine = absence({ leftAt: t('09:00'), hmppsDepartureEventId: event });
    expect(matchHmppsAbsence([mine], departure, t('09:02'), event)).toEqual({ matched: mine, already: true });
    const mineBack = absence({ leftAt: t('09:00'), ...back('12:00'), hmppsReturnEventId: event });
    expect(matchHmppsAbsence([mineBack], returning, t('12:02'), event)).toEqual({
      matched: mineBack,
      already: true,
    });
    // Beyond the tolerance: another departure.
    expect(matchHmppsAbsence([open], departure, t('10:01'), event)).toEqual({ depart: true });
  });

  it('a return with none open: skipped when the latest absence of its kind was reversed, ended by a movement or returned; held only with none before it', () => {
    const reversed = absence({
      leftAt: t('09:00'),
      departureReversedAt: t('09:30'),
      departureReversedBy: staff,
      departureReversalEventId: randomUUID(),
    });
    expect(matchHmppsAbsence([reversed], returning, t('12:00'), event)).toMatchObject({
      ended: reversed,
      why: expect.stringMatching(/^its departure \(.*\) was reversed at /),
    });
    const court = absence({
      kind: 'COURT',
      leftAt: t('09:00'),
      endedByMovement: 'TRANSFER',
      endedByMovementAt: t('15:00'),
      endedByMovementEventId: randomUUID(),
    });
    expect(matchHmppsAbsence([court], { part: 'RETURN', kind: 'COURT' }, t('16:00'), event)).toMatchObject({
      ended: court,
      why: expect.stringMatching(/^it ended with the transfer of /),
    });
    const backLongBefore = absence({ leftAt: t('09:00'), ...back('12:00') });
    expect(matchHmppsAbsence([backLongBefore], returning, t('14:00'), event)).toMatchObject({
      ended: backLongBefore,
      why: expect.stringMatching(
        /^the person is back from it already \(2026-11-30T12:00:00.000Z, recorded by /,
      ),
    });
    // Back the day before (daily ROTL): this return may be of today's absence, whose departure is
    // late: held, not skipped.
    const yesterday = absence({
      leftAt: new Date(t('09:00').getTime() - 86_400_000),
      returnedAt: new Date(t('16:00').getTime() - 86_400_000),
      returnEventId: randomUUID(),
      returnRecordedBy: staff,
    });
    expect(matchHmppsAbsence([yesterday], returning, t('16:00'), event)).toEqual({ notOpen: true });
    // Nothing of the kind before it (a COURT absence is not a ROTL; a later ROTL is not before).
    const later = absence({ leftAt: t('15:00'), ...back('16:00') });
    const otherKind = absence({ kind: 'COURT', leftAt: t('09:00'), ...back('11:00') });
    expect(matchHmppsAbsence([later, otherKind], returning, t('14:00'), event)).toEqual({ notOpen: true });
    expect(matchHmppsAbsence([], returning, t('14:00'), event)).toEqual({ notOpen: true });
    // One long before (beyond the lookback): its departure may be lost, so held.
    const oldLeft = t('09:00').getTime() - ABSENCE_RETURN_LOOKBACK_MS - 60_000;
    const old = absence({
      leftAt: new Date(oldLeft),
      returnedAt: new Date(oldLeft + 3_600_000),
      returnEventId: randomUUID(),
      returnRecordedBy: staff,
    });
    expect(matchHmppsAbsence([old], returning, t('09:00'), event)).toEqual({ notOpen: true });
    // Another kind open since before it: a mismatch.
    const atCourt = absence({ kind: 'COURT', leftAt: t('10:00') });
    expect(matchHmppsAbsence([atCourt], returning, t('11:00'), event)).toEqual({ kindMismatch: atCourt });
  });
});
