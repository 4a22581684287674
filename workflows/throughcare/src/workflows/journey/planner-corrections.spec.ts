import type { MovementCorrected } from '@throughcare/contracts';
import { MOVEMENT_CORRECTION_PATCH, namesPrison, renamePrison } from './planner';
import {
  DAY,
  HOUR,
  inputFor,
  releaseNow,
  screenedJourney,
  setUp,
  SimulatedJourney,
} from './journey-simulation.spec-support';

/**
 * Releases and transfers corrected in place (`movement-correction-1`, issue 10: "the reversal or
 * correction of any movement") on the simulated journey (pure core): the journey plans from the
 * corrected facts and the agency told the wrong prison or day hears the correction.
 */

let events = 0;
const factOf = (j: SimulatedJourney, fact: Omit<MovementCorrected, 'eventId' | 'correctedAt'>) => ({
  ...fact,
  correctedAt: j.now,
  eventId: `e-corr-${++events}`,
});
function correct(j: SimulatedJourney, fact: Omit<MovementCorrected, 'eventId' | 'correctedAt'>) {
  return j.tell(j.facts.movementCorrected, factOf(j, fact));
}
/** The journey's refusal of a correction (its validator's words), or undefined when it is taken. */
function refusal(j: SimulatedJourney, fact: Omit<MovementCorrected, 'eventId' | 'correctedAt'>) {
  try {
    j.facts.movementCorrected.validate(factOf(j, fact));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
const lastNotification = (j: SimulatedJourney) => j.s.notifications.at(-1)!;
const live = (j: SimulatedJourney) =>
  j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => `${b.kind} ${b.establishmentCode ?? '-'}`);

/** The agency declines the journey's referral. */
const decline = (j: SimulatedJourney) =>
  j.tell(j.facts.referralOutcome, {
    referralId: j.s.referralId!,
    decision: 'DECLINED',
    reason: 'outside our catchment',
    decidedAt: j.now,
    eventId: 'dec-1',
  });

/** Screened, then transferred from BAR to EDI and settled (the agency told EDI). */
function transferredToEdi(refused: string[] = []): SimulatedJourney {
  const j = screenedJourney(['ACCOMMODATION'], undefined, 40, refused);
  j.t += DAY;
  expect(
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 'to-edi' }),
  ).toBe('applied');
  j.advance(2 * HOUR);
  j.run();
  expect(lastNotification(j)).toMatchObject({ subject: 'TRANSFERRED' });
  expect(j.notices.at(-1)!.fields).toMatchObject({ establishmentCode: 'EDI' });
  return j;
}

/** Transferred to EDI (`eventId`), a meeting booked there, and its day gone by unreported. */
function meetingGoneByAtEdi(j: SimulatedJourney, eventId: string) {
  j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId });
  j.advance(2 * HOUR);
  j.run();
  const atEdi = j.s.bookings.find(
    (b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED' && b.establishmentCode === 'EDI',
  );
  expect(atEdi?.date).toBeDefined();
  j.t = Date.parse(`${atEdi!.date!}T12:00:00.000Z`) + DAY;
  j.run();
  return atEdi!;
}

/** The transfer to EDI was to GLE: corrected (version 2). */
function correctEdiToGle(j: SimulatedJourney) {
  const at = j.s.transfers[0]!.transferredAt;
  return correct(j, {
    movement: 'TRANSFER',
    correctedEventId: 'to-edi',
    version: 2,
    reason: 'WRONG_DESTINATION',
    occurredAt: at,
    previousOccurredAt: at,
    toEstablishmentCode: 'GLE',
    previousToEstablishmentCode: 'EDI',
  });
}

describe('releases and transfers corrected in place (movement-correction-1)', () => {
  it('a transfer to the wrong prison, corrected: planned at the right one, and the agency told it was a correction', () => {
    const j = transferredToEdi();
    expect(correctEdiToGle(j)).toBe('applied');
    j.run();
    expect(j.s.adopted).toContain(MOVEMENT_CORRECTION_PATCH);
    expect(j.p.reportedEstablishment()).toBe('GLE');
    expect(j.s.corrections).toEqual([
      expect.objectContaining({
        eventId: 'to-edi',
        movement: 'TRANSFER',
        version: 2,
        to: 'GLE',
        previousTo: 'EDI',
      }),
    ]);
    expect(lastNotification(j)).toMatchObject({
      subject: 'TRANSFERRED',
      message:
        'Correction: the transfer recorded to EDI was to GLE; the person is at GLE, and visits and meetings are rebooked there.',
    });
    expect(j.notices.at(-1)!.fields).toMatchObject({
      establishmentCode: 'GLE',
      previousEstablishmentCode: 'EDI',
    });
    // Nothing stays booked at the prison the person never went to, and the cancellation says why.
    expect(live(j).filter((b) => b.includes(' EDI'))).toEqual([]);
    const atEdi = j.s.bookings.filter((b) => b.establishmentCode === 'EDI');
    expect(atEdi.length).toBeGreaterThan(0);
    expect(atEdi.map((b) => [b.status, b.cancelledBecause])).toEqual(
      atEdi.map(() => [
        'CANCELLED',
        'transfer destination corrected: the person is at GLE, never was at EDI',
      ]),
    );
    // A later transfer leaves from the corrected prison.
    expect(
      j.tell(j.facts.transferred, { toEstablishmentCode: 'LOW', transferredAt: j.now, eventId: 'to-low' }),
    ).toBe('applied');
    expect(j.s.transfers.at(-1)).toMatchObject({ from: 'GLE', toEstablishmentCode: 'LOW' });
  });

  it('an earlier transfer corrected: the next one left from the corrected prison', () => {
    const j = transferredToEdi();
    j.tell(j.facts.transferred, { toEstablishmentCode: 'LOW', transferredAt: j.now, eventId: 'to-low' });
    j.advance(2 * HOUR);
    j.run();
    correctEdiToGle(j);
    j.run();
    expect(j.s.transfers.map((t) => [t.from, t.toEstablishmentCode])).toEqual([
      ['BAR', 'GLE'],
      ['GLE', 'LOW'],
    ]);
    // Where the person is now did not change: no notice.
    expect(j.p.reportedEstablishment()).toBe('LOW');
    expect(lastNotification(j).message).not.toMatch(/^Correction/);
  });

  it('a release recorded on the wrong day, corrected: the agency hears the day, its clocks never move earlier than the instant it was told; a time on the same day says nothing', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    j.t += 5 * DAY;
    const releasedAt = releaseNow(j);
    const told = lastNotification(j);
    expect(told.subject).toBe('RELEASED');
    const clock = () => j.s.deadlines.find((d) => d.key === 'firstAppointment:rel');
    const before = { ...clock()! };
    expect(before).toMatchObject({ status: 'OPEN', startedAt: releasedAt });
    // Released three days before it was recorded (a weekend between, whatever the day).
    const dayBefore = new Date(Date.parse(releasedAt) - 3 * DAY).toISOString();

    expect(
      correct(j, {
        movement: 'RELEASE',
        correctedEventId: 'rel',
        version: 2,
        reason: 'WRONG_TIME',
        occurredAt: dayBefore,
        previousOccurredAt: releasedAt,
      }),
    ).toBe('applied');
    j.run();
    expect(j.s.release!.releasedAt).toBe(dayBefore);
    // The agency was told the release at `releasedAt`: its clock still runs from then (not charged
    // for days it could not have known of), and says why (review stop 43b, M2).
    expect(clock()).toMatchObject({
      status: 'OPEN',
      startedAt: releasedAt,
      dueAt: before.dueAt,
      note: `the release was corrected to ${dayBefore}; the clock runs from ${releasedAt}, the release instant on record before the correction`,
    });
    // The first appointment is still wanted by the due-by the agency was given.
    const dueBy = () => j.p.wantedBookings().wanted.find((w) => w.kind === 'FIRST_APPOINTMENT')?.dueBy;
    expect(dueBy()).toBe(before.dueAt);
    const correction = lastNotification(j);
    expect(correction.subject).toBe('RELEASED');
    expect(correction.message).toMatch(
      /^Correction: the person was released from BAR on \d{4}-\d{2}-\d{2}, not on /,
    );
    expect(j.notices.at(-1)!.fields.previousLiberationDate).toBe(releasedAt.slice(0, 10));
    const notices = j.s.notifications.length;

    // An older version delivered late changes nothing.
    correct(j, {
      movement: 'RELEASE',
      correctedEventId: 'rel',
      version: 2,
      reason: 'WRONG_TIME',
      occurredAt: releasedAt,
      previousOccurredAt: releasedAt,
    });
    j.run();
    expect(j.s.release!.releasedAt).toBe(dayBefore);
    // A later version moving the time within the day: applied, no notice (the day told stands).
    const sameDay = new Date(Date.parse(dayBefore) + 30 * 60_000).toISOString();
    correct(j, {
      movement: 'RELEASE',
      correctedEventId: 'rel',
      version: 3,
      reason: 'WRONG_TIME',
      occurredAt: sameDay,
      previousOccurredAt: dayBefore,
    });
    j.run();
    expect(j.s.release!.releasedAt).toBe(sameDay);
    expect(j.s.notifications).toHaveLength(notices);
    expect(clock()).toMatchObject({ startedAt: releasedAt, dueAt: before.dueAt });
    expect(dueBy()).toBe(before.dueAt);

    // Corrected to a day after the one told: the clocks move later, with no note.
    j.advance(2 * DAY);
    const dayAfter = new Date(Date.parse(releasedAt) + DAY).toISOString();
    correct(j, {
      movement: 'RELEASE',
      correctedEventId: 'rel',
      version: 4,
      reason: 'WRONG_TIME',
      occurredAt: dayAfter,
      previousOccurredAt: sameDay,
    });
    j.run();
    expect(clock()).toMatchObject({ status: 'OPEN', startedAt: dayAfter });
    expect(clock()!.note).toBeUndefined();
    expect(Date.parse(clock()!.dueAt)).toBeGreaterThan(Date.parse(before.dueAt));
    const later = { ...clock()! };

    // Then corrected back between the two: the clock stays where it last ran from (review stop 44, M2).
    const between = new Date(Date.parse(releasedAt) + 12 * HOUR).toISOString();
    correct(j, {
      movement: 'RELEASE',
      correctedEventId: 'rel',
      version: 5,
      reason: 'WRONG_TIME',
      occurredAt: between,
      previousOccurredAt: dayAfter,
    });
    j.run();
    expect(clock()).toMatchObject({
      startedAt: dayAfter,
      dueAt: later.dueAt,
      note: `the release was corrected to ${between}; the clock runs from ${dayAfter}, the release instant on record before the correction`,
    });
    expect(dueBy()).toBe(later.dueAt);
  });

  it('refuses a correction of a movement this episode does not have, a destination for a release, and a transfer to where it left from', () => {
    const j = transferredToEdi();
    const base = { version: 2, occurredAt: j.now, previousOccurredAt: j.now } as const;
    expect(
      refusal(j, { ...base, movement: 'RELEASE', correctedEventId: 'rel', reason: 'WRONG_TIME' }),
    ).toMatch(/no release rel in this episode/);
    expect(
      refusal(j, { ...base, movement: 'TRANSFER', correctedEventId: 'nope', reason: 'WRONG_TIME' }),
    ).toMatch(/no transfer nope in this episode/);
    const toBar = {
      ...base,
      movement: 'TRANSFER',
      correctedEventId: 'to-edi',
      reason: 'WRONG_DESTINATION',
      toEstablishmentCode: 'BAR',
      previousToEstablishmentCode: 'EDI',
    } as const;
    expect(refusal(j, toBar)).toMatch(/the transfer was from BAR/);
    expect(correct(j, toBar)).toBe('rejected');
    releaseNow(j);
    expect(
      refusal(j, {
        ...base,
        movement: 'RELEASE',
        correctedEventId: 'rel',
        reason: 'WRONG_DESTINATION',
        toEstablishmentCode: 'GLE',
      }),
    ).toMatch(/a release has no destination/);
    expect(j.s.corrections).toBeUndefined();
  });

  it('a corrected transfer reversed is told as recorded in error, not as a correction (review stop 43b, M1)', () => {
    // A time-only correction (upstream names the destination too), then the reversal.
    const j = transferredToEdi();
    const at = j.s.transfers[0]!.transferredAt;
    correct(j, {
      movement: 'TRANSFER',
      correctedEventId: 'to-edi',
      version: 2,
      reason: 'WRONG_TIME',
      occurredAt: new Date(Date.parse(at) - HOUR).toISOString(),
      previousOccurredAt: at,
      toEstablishmentCode: 'EDI',
      previousToEstablishmentCode: 'EDI',
    });
    j.run();
    expect(
      j.tell(j.facts.movementReversed, {
        movement: 'TRANSFER',
        reversedEventId: 'to-edi',
        reversedAt: j.now,
        eventId: 'undo-edi',
      }),
    ).toBe('applied');
    j.run();
    expect(lastNotification(j)).toMatchObject({
      subject: 'MOVEMENT_REVERSED',
      message: 'The transfer to EDI was recorded in error: the person is at BAR.',
    });
    // A destination correction reversed before its notice went: the same.
    const k = transferredToEdi();
    correctEdiToGle(k);
    k.tell(k.facts.movementReversed, {
      movement: 'TRANSFER',
      reversedEventId: 'to-edi',
      reversedAt: k.now,
      eventId: 'undo-edi',
    });
    k.run();
    expect(lastNotification(k)).toMatchObject({ subject: 'MOVEMENT_REVERSED' });
  });

  it('a version older than one applied is ignored, never refused for facts since superseded (review stop 43b, N1)', () => {
    const j = transferredToEdi();
    const at = j.s.transfers[0]!.transferredAt;
    const v = (version: number, to: string, previousTo: string) =>
      correct(j, {
        movement: 'TRANSFER',
        correctedEventId: 'to-edi',
        version,
        reason: 'WRONG_DESTINATION',
        occurredAt: at,
        previousOccurredAt: at,
        toEstablishmentCode: to,
        previousToEstablishmentCode: previousTo,
      });
    expect(v(3, 'GLE', 'EDI')).toBe('applied');
    // Version 2 named BAR, where the transfer left from: late, it changes nothing and is not refused.
    expect(v(2, 'BAR', 'EDI')).toBe('applied');
    j.run();
    expect(j.p.reportedEstablishment()).toBe('GLE');
  });

  it('a release still settling, corrected, settles from its corrected instant (review stop 43b, N2)', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    j.t += 5 * DAY;
    const releasedAt = j.now;
    j.tell(j.facts.releaseRecorded, { releasedAt, establishmentCode: 'BAR', eventId: 'rel' });
    const settlesAt = j.s.release!.settlesAt;
    j.advance(10 * 60_000);
    const later = new Date(Date.parse(releasedAt) + 20 * 60_000).toISOString();
    correct(j, {
      movement: 'RELEASE',
      correctedEventId: 'rel',
      version: 2,
      reason: 'WRONG_TIME',
      occurredAt: later,
      previousOccurredAt: releasedAt,
    });
    expect(Date.parse(j.s.release!.settlesAt) - Date.parse(settlesAt)).toBe(20 * 60_000);
  });

  it('open items addressed to the prison the person never was at are addressed to the right one, once; closed ones stay (review stop 43b, S1)', () => {
    const j = transferredToEdi();
    // The agency declines while the person is recorded at EDI: prison staff at EDI are asked to act.
    expect(decline(j)).toBe('applied');
    j.run();
    const declined = () => j.s.attention.filter((a) => a.action.startsWith('agency-declined:'));
    expect(declined()).toEqual([expect.objectContaining({ mustAct: 'prison:EDI', status: 'OPEN' })]);
    // A closed item naming EDI stays as it was.
    j.s.attention.push({
      ...declined()[0]!,
      id: 'att-closed',
      action: 'spec:closed',
      status: 'RESOLVED',
      resolution: { option: 'SKIP', by: 'staff', at: j.now },
    });

    correctEdiToGle(j);
    j.run();
    expect(declined()).toEqual([
      expect.objectContaining({
        mustAct: 'prison:GLE',
        status: 'OPEN',
        reassigned: {
          from: 'prison:EDI',
          at: expect.any(String),
          because: 'transfer destination corrected: the person is at GLE, was never at EDI then',
        },
      }),
    ]);
    expect(j.s.attention.find((a) => a.id === 'att-closed')).toMatchObject({ mustAct: 'prison:EDI' });
    expect(j.s.attention.find((a) => a.id === 'att-closed')!.reassigned).toBeUndefined();
    // Once: planned again, nothing more to do for them.
    const reassignedAt = declined()[0]!.reassigned!.at;
    j.advance(HOUR);
    j.run();
    expect(declined()[0]!.reassigned!.at).toBe(reassignedAt);
  });

  it('a transfer wrongly recorded back to a prison the person really was at earlier: items of the wrong stay move, those of the real stay do not (review stop 44, S1)', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    // An item from the real stay at BAR (the reception's prison), still open.
    j.s.attention.push({
      id: 'att-real-stay',
      action: 'spec:real-stay',
      what: 'spec',
      mustAct: 'prison:BAR',
      since: j.now,
      options: ['SKIP'],
      status: 'OPEN',
    });
    j.t += DAY;
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 'to-edi' });
    j.advance(2 * HOUR);
    j.run();
    // Recorded back to BAR; really to GLE.
    j.tell(j.facts.transferred, { toEstablishmentCode: 'BAR', transferredAt: j.now, eventId: 'to-bar' });
    j.advance(2 * HOUR);
    j.run();
    expect(j.p.reportedEstablishment()).toBe('BAR');
    expect(decline(j)).toBe('applied');
    j.run();
    const declined = () => j.s.attention.find((a) => a.action.startsWith('agency-declined:'))!;
    expect(declined()).toMatchObject({ mustAct: 'prison:BAR', status: 'OPEN' });
    const at = j.s.transfers[1]!.transferredAt;
    expect(
      correct(j, {
        movement: 'TRANSFER',
        correctedEventId: 'to-bar',
        version: 2,
        reason: 'WRONG_DESTINATION',
        occurredAt: at,
        previousOccurredAt: at,
        toEstablishmentCode: 'GLE',
        previousToEstablishmentCode: 'BAR',
      }),
    ).toBe('applied');
    j.run();
    expect(declined()).toMatchObject({
      mustAct: 'prison:GLE',
      reassigned: { from: 'prison:BAR' },
    });
    expect(j.s.attention.find((a) => a.id === 'att-real-stay')).toMatchObject({ mustAct: 'prison:BAR' });
    expect(j.s.attention.find((a) => a.id === 'att-real-stay')!.reassigned).toBeUndefined();
  });

  it('a pre-release meeting gone by at the wrongly recorded prison is cancelled as the correction says, and no item asks about it (review stop 44, M1)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    const meetings = () =>
      j.s.bookings
        .filter((b) => b.kind === 'PRE_RELEASE_MEETING')
        .map((b) => [b.establishmentCode, b.date, b.status, b.cancelledBecause]);
    const atEdi = meetingGoneByAtEdi(j, 'to-edi');
    // Its day went by with no report that it was held; then EDI is corrected to GLE.
    expect(atEdi.status).toBe('BOOKED');
    correctEdiToGle(j);
    j.run();
    expect(atEdi.status).toBe('CANCELLED');
    expect(atEdi.cancelledBecause).toBe(
      'transfer destination corrected: the person is at GLE, never was at EDI',
    );
    j.advance(3 * DAY);
    j.run();
    expect(j.s.attention.filter((a) => a.mustAct.includes('prison:EDI'))).toEqual([]);
    expect(j.s.attention.filter((a) => a.action.startsWith('meeting-not-held:'))).toEqual([]);
    expect(
      meetings()
        .filter((m) => m[2] === 'BOOKED')
        .every((m) => m[0] === 'GLE'),
    ).toBe(true);
  });

  it('names a prison only by its whole code', () => {
    expect(namesPrison('prison:EDI', 'EDI')).toBe(true);
    expect(namesPrison('prison:EDI and agency:a-1', 'EDI')).toBe(true);
    expect(namesPrison('pre-release meeting at prison:EDI', 'EDI')).toBe(true);
    expect(namesPrison('prison:EDIN', 'EDI')).toBe(false);
    expect(namesPrison('agency:prison:EDI', 'EDI')).toBe(false);
    expect(renamePrison('prison:EDI and agency:prison-EDI', 'EDI', 'prison:GLE')).toBe(
      'prison:GLE and agency:prison-EDI',
    );
  });

  it('a meeting gone by during a real stay at a prison once recorded wrongly stays for its "held" report when the person moves on (review stop 44b, M1)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 30));
    setUp(j, 6);
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 'to-edi' });
    j.advance(2 * HOUR);
    j.run();
    correctEdiToGle(j);
    j.run();
    // Later the person really goes to EDI, and a meeting is booked there.
    const atEdi = meetingGoneByAtEdi(j, 'to-edi-2');
    // Its day went by, then the person moves on to LOW: the meeting at EDI waits for its report.
    j.tell(j.facts.transferred, { toEstablishmentCode: 'LOW', transferredAt: j.now, eventId: 'to-low' });
    j.advance(2 * HOUR);
    j.run();
    expect(atEdi.status).toBe('BOOKED');
  });

  it('a journey replayed on the branch before the patch plans from the corrected prison but sends the plain transfer notice and moves no item', () => {
    const j = transferredToEdi([MOVEMENT_CORRECTION_PATCH]);
    decline(j);
    j.run();
    correctEdiToGle(j);
    j.run();
    expect(j.s.attention.find((a) => a.action.startsWith('agency-declined:'))).toMatchObject({
      mustAct: 'prison:EDI',
    });
    expect(j.s.adopted ?? []).not.toContain(MOVEMENT_CORRECTION_PATCH);
    expect(lastNotification(j)).toMatchObject({ subject: 'TRANSFERRED' });
    expect(lastNotification(j).message).not.toMatch(/^Correction/);
  });

  it('a journey told no correction never asks the patch', () => {
    const j = transferredToEdi();
    releaseNow(j);
    expect(j.s.adopted ?? []).not.toContain(MOVEMENT_CORRECTION_PATCH);
  });
});
