import type { CarriedHistory, Pathway } from '@throughcare/contracts';
import { DAY, HOUR, inputFor, MIN, setUp, SimulatedJourney } from './journey-simulation.spec-support';
import { planContext, usePolicy } from './planner';

/**
 * The planner's derivations on worked examples: the policy's numbers, the liberation date, the
 * stage and who it waits on, the release-planning window and its due dates, the day of the
 * pre-release meeting, the standard reviews, the closing reason and the clocks each fact calls for.
 */

const core = (j: SimulatedJourney, needs: Pathway[]) =>
  expect(
    j.tell(j.facts.coreScreenCompleted, {
      assessmentId: 'asm-CORE_SCREEN-1',
      needs,
      riskOfSeriousHarm: 'LOW',
      completedAt: j.now,
      eventId: 'e-core',
    }),
  ).toBe('applied');
const assessed = (
  j: SimulatedJourney,
  kind: 'COMPREHENSIVE_SCREEN' | 'STANDARD_REVIEW' | 'SUMMARY_REVIEW',
  seq: number,
  needs: Pathway[] = [],
) =>
  expect(
    j.tell(j.facts.assessmentCompleted, {
      assessmentId: `asm-${kind}-${seq}`,
      kind,
      needs,
      completedAt: j.now,
      eventId: `e-${kind}-${seq}`,
    }),
  ).toBe('applied');
const acknowledged = (j: SimulatedJourney) =>
  expect(
    j.tell(j.facts.referralAcknowledged, {
      referralId: 'ref-1',
      acknowledgedAt: j.now,
      acknowledgedBy: 'duty worker',
      eventId: 'e-ack',
    }),
  ).toBe('applied');
const released = (j: SimulatedJourney, eventId = 'e-rel') =>
  expect(j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId })).toBe(
    'applied',
  );
const dateChanged = (j: SimulatedJourney, expectedReleaseDate: string, eventId: string) =>
  expect(
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate,
      reason: 'RECALCULATION',
      changedAt: j.now,
      eventId,
    }),
  ).toBe('applied');
const deadline = (j: SimulatedJourney, key: string) => j.s.deadlines.find((d) => d.key === key);
const stage = (j: SimulatedJourney) => [j.s.stage, j.p.waitingOn()];
const live = (j: SimulatedJourney, kind: string) =>
  j.s.bookings.filter((b) => b.kind === kind && b.status === 'BOOKED').map((b) => b.date);
const at = (instant: string) => Date.parse(instant);

describe('planner: the policy numbers of a context', () => {
  it('falls back to 45 minutes to settle, 28 days of lead time and 2 visits under a policy that does not say', () => {
    const input = inputFor('SCOTLAND', 120);
    const ctx = planContext(input, true, { id: 'scotland-2026', version: 1 }, () => true);
    expect([ctx.settleMs, ctx.leadMs, ctx.visitsWanted]).toEqual([45 * MIN, 28 * DAY, 2]);
    usePolicy(ctx, { id: 'scotland-2026', version: 3 });
    expect(ctx.policy.version).toBe(3);
    expect([ctx.settleMs, ctx.leadMs, ctx.visitsWanted]).toEqual([45 * MIN, 28 * DAY, 2]);
  });

  it("a deployment's settle override (in seconds) wins over the policy's minutes: a transfer stands after 90 s", () => {
    const input = { ...inputFor('ENGLAND_AND_WALES', 120), movementSettleSeconds: 90 };
    expect(planContext(input, true, { id: 'england-wales-2026', version: 3 }, () => true).settleMs).toBe(
      90_000,
    );
    const j = new SimulatedJourney(input);
    j.run();
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't' });
    expect(j.p.reportedEstablishment()).toBe('EDI');
    j.advance(89_999);
    expect(j.p.establishment()).toBe('BAR');
    j.advance(1);
    expect(j.p.establishment()).toBe('EDI');
  });
});

describe('planner: the liberation date', () => {
  it('in Scotland a Friday release is brought forward to the Thursday (s.8); in England and Wales it stays', () => {
    const scotland = new SimulatedJourney(inputFor('SCOTLAND', 74));
    expect(scotland.s.expectedReleaseDate).toBe('2026-05-15');
    expect(scotland.p.liberationDate()).toBe('2026-05-14');
    const england = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 74));
    expect(england.p.liberationDate()).toBe('2026-05-15');
  });

  it('once a release has settled, the day it happened is the liberation date (never moved by s.8)', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 74));
    j.run();
    j.t = at('2026-03-20T11:00:00.000Z'); // a Friday
    released(j);
    // Not yet settled: the planned day, Friday 2026-05-15 (a Friday stands under the 1993 rule).
    expect(j.p.liberationDate()).toBe('2026-05-15');
    j.advance(45 * MIN - 1);
    expect(j.p.liberationDate()).toBe('2026-05-15');
    j.advance(1);
    expect(j.p.liberationDate()).toBe('2026-03-20');
  });

  it('the establishment reported is the last transfer, before it has settled; the one planned with waits for it', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 120));
    j.run();
    expect(j.p.reportedEstablishment()).toBe('BAR');
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't' });
    expect([j.p.reportedEstablishment(), j.p.establishment()]).toEqual(['EDI', 'BAR']);
  });
});

describe('planner: stages, who the journey waits on, and the standard reviews', () => {
  it('walks a long sentence with needs through every stage, with its clocks', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 700));
    expect(j.s.expectedReleaseDate).toBe('2028-01-31');
    expect(stage(j)).toEqual(['RECEPTION', null]);
    j.run();
    expect(stage(j)).toEqual(['CORE_SCREEN', 'assessment by prison:BAR']);
    j.advance(HOUR);
    core(j, ['ACCOMMODATION']);
    j.run();
    expect(stage(j)).toEqual(['COMPREHENSIVE_SCREEN', 'assessment by prison:BAR']);
    // The agency is found at once, but the referral waits for the comprehensive screen.
    expect(j.s.agencyId).toBe('agency-1');
    expect(j.s.referralId).toBeUndefined();
    j.advance(DAY);
    assessed(j, 'COMPREHENSIVE_SCREEN', 1, ['FINANCE_AND_ID', 'ACCOMMODATION']);
    j.run();
    expect(j.p.needs()).toEqual(['ACCOMMODATION', 'FINANCE_AND_ID']);
    expect(stage(j)).toEqual(['REFERRAL', 'acknowledgement by agency:agency-1']);
    expect(j.s.referralSentAt).toBe('2026-03-03T10:00:00.000Z');
    j.advance(DAY);
    acknowledged(j);
    j.run();
    expect(stage(j)).toEqual(['STANDARD_REVIEWS', 'next standard review by prison:BAR']);
    expect(j.s.deadlines).toEqual([
      {
        key: 'coreScreen',
        clock: 'coreScreen',
        owedBy: 'prison:BAR',
        owedTo: 'person',
        startedAt: '2026-03-02T09:00:00.000Z',
        dueAt: '2026-03-05T23:59:59.999Z',
        status: 'MET',
        metAt: '2026-03-02T10:00:00.000Z',
        note: undefined,
      },
      {
        key: 'comprehensiveScreen',
        clock: 'comprehensiveScreen',
        owedBy: 'prison:BAR',
        owedTo: 'person',
        startedAt: '2026-03-02T09:00:00.000Z',
        dueAt: '2026-03-16T23:59:59.999Z',
        status: 'MET',
        metAt: '2026-03-03T10:00:00.000Z',
        note: undefined,
      },
      {
        key: 'referralAcknowledgement',
        clock: 'referralAcknowledgement',
        owedBy: 'agency:agency-1',
        owedTo: 'prison:BAR',
        startedAt: '2026-03-03T10:00:00.000Z',
        dueAt: '2026-03-04T23:59:59.999Z',
        status: 'MET',
        metAt: '2026-03-04T10:00:00.000Z',
        note: undefined,
      },
    ]);

    // The first standard review: asked for the lead time (28 days) before it is due, 6 months after reception.
    expect(j.p.nextWake()).toBe(at('2026-08-05T22:59:59.999Z'));
    j.t = at('2026-08-05T22:59:59.998Z');
    expect(j.p.nextAction()).toBeUndefined();
    j.advance(1);
    expect(j.p.nextAction()).toEqual({
      kind: 'request',
      action: 'request:STANDARD_REVIEW:1',
      assessment: 'STANDARD_REVIEW',
      dueAt: '2026-09-02T22:59:59.999Z',
    });
    j.run();
    // Nothing more is asked for while it is outstanding.
    j.t = at('2026-09-10T10:00:00.000Z');
    expect(j.run()).toBe(0);
    expect(deadline(j, 'standardReview:1')).toEqual({
      key: 'standardReview:1',
      clock: 'firstStandardReview',
      owedBy: 'prison:BAR',
      owedTo: 'person',
      startedAt: '2026-03-02T09:00:00.000Z',
      dueAt: '2026-09-02T22:59:59.999Z',
      status: 'BREACHED',
      breachKey: 'breach:standardReview:1',
      note: undefined,
    });
    assessed(j, 'STANDARD_REVIEW', 1);
    j.run();
    expect(deadline(j, 'standardReview:1')).toMatchObject({
      status: 'MET_LATE',
      metAt: '2026-09-10T10:00:00.000Z',
    });
    // The next one is due 12 months after that review was done, and opens 28 days before.
    expect(j.p.nextWake()).toBe(at('2027-08-13T22:59:59.999Z'));
    j.t = at('2027-08-13T22:59:59.999Z');
    expect(j.p.nextAction()).toEqual({
      kind: 'request',
      action: 'request:STANDARD_REVIEW:2',
      assessment: 'STANDARD_REVIEW',
      dueAt: '2027-09-10T22:59:59.999Z',
    });
    j.run();
    expect(deadline(j, 'standardReview:2')).toMatchObject({
      clock: 'standardReview',
      owedBy: 'prison:BAR',
      owedTo: 'person',
      // Counted from the first review's completion (planner-fixes-2; before it, from reception).
      startedAt: '2026-09-10T10:00:00.000Z',
      dueAt: '2027-09-10T22:59:59.999Z',
      status: 'OPEN',
    });
    j.advance(DAY);
    assessed(j, 'STANDARD_REVIEW', 2);
    j.run();
    expect(deadline(j, 'standardReview:2')).toMatchObject({
      status: 'MET',
      metAt: '2027-08-14T22:59:59.999Z',
    });

    // Release planning opens 28 days before the summary review is due (56 days before liberation).
    expect(j.p.nextWake()).toBe(at('2027-11-08T23:59:59.999Z'));
    j.t = at('2027-11-08T23:59:59.998Z');
    expect(j.p.nextAction()).toBeUndefined();
    j.advance(1);
    expect(j.p.nextAction()).toEqual({
      kind: 'enter',
      action: 'stage:SUMMARY_REVIEW',
      stage: 'SUMMARY_REVIEW',
      record: true,
    });
    j.run();
    expect(stage(j)).toEqual(['SUMMARY_REVIEW', 'assessment by prison:BAR']);
    expect(deadline(j, 'summaryReview')).toMatchObject({
      clock: 'summaryReview',
      owedBy: 'prison:BAR',
      owedTo: 'agency:agency-1',
      startedAt: '2028-01-31T00:00:00.000Z',
      dueAt: '2027-12-06T23:59:59.999Z',
      status: 'OPEN',
      note: undefined,
    });
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      clock: 'preReleaseMeeting',
      owedBy: 'prison:BAR and agency:agency-1',
      owedTo: 'person',
      startedAt: '2028-01-31T00:00:00.000Z',
      dueAt: '2028-01-17T23:59:59.999Z',
      status: 'OPEN',
      note: undefined,
    });
    j.advance(DAY);
    assessed(j, 'SUMMARY_REVIEW', 1);
    j.run();
    expect(stage(j)).toEqual([
      'PRE_RELEASE_MEETING',
      'pre-release meeting at prison:BAR with agency:agency-1',
    ]);
    expect(deadline(j, 'summaryReview')).toMatchObject({ status: 'MET', metAt: '2027-11-09T23:59:59.999Z' });
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2028-01-17']);

    // A visit held is not the meeting; the meeting held is.
    const visit = j.s.bookings.find((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED')!;
    j.t = at('2028-01-10T10:00:00.000Z');
    j.tell(j.facts.meetingHeld, {
      bookingId: visit.bookingId,
      kind: 'CJSW_VISIT',
      heldAt: j.now,
      eventId: 'v',
    });
    j.run();
    expect(j.s.stage).toBe('PRE_RELEASE_MEETING');
    const meeting = j.s.bookings.find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED')!;
    j.t = at('2028-01-17T10:00:00.000Z');
    j.tell(j.facts.meetingHeld, {
      bookingId: meeting.bookingId,
      kind: 'PRE_RELEASE_MEETING',
      heldAt: j.now,
      eventId: 'm',
    });
    j.run();
    expect(stage(j)).toEqual(['AWAITING_RELEASE', 'release by prison:BAR']);
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      status: 'MET',
      metAt: '2028-01-17T10:00:00.000Z',
    });

    j.t = at('2028-01-31T09:00:00.000Z');
    released(j);
    j.advance(HOUR);
    j.run();
    expect(stage(j)).toEqual(['FOLLOW_UP', 'first appointment with agency:agency-1']);
    // No standard review after the release, nor any custody clock.
    expect(j.s.deadlines.filter((d) => d.status === 'OPEN').map((d) => d.key)).toEqual([
      'firstAppointment:e-rel',
    ]);
  });

  it('without needs: no referral stage, no agency, and the prison owes the community agency the summary review', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 700));
    j.run();
    core(j, []);
    j.run();
    j.advance(DAY);
    assessed(j, 'COMPREHENSIVE_SCREEN', 1);
    j.run();
    expect(stage(j)).toEqual(['STANDARD_REVIEWS', 'next standard review by prison:BAR']);
    j.t = at('2027-11-09T10:00:00.000Z');
    j.run();
    expect(stage(j)).toEqual(['SUMMARY_REVIEW', 'assessment by prison:BAR']);
    expect(deadline(j, 'summaryReview')).toMatchObject({ owedBy: 'prison:BAR', owedTo: 'community agency' });
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({ owedBy: 'prison:BAR and community agency' });
    assessed(j, 'SUMMARY_REVIEW', 1);
    j.run();
    expect(stage(j)).toEqual(['PRE_RELEASE_MEETING', 'pre-release meeting at prison:BAR']);
    j.t = at('2028-01-31T09:00:00.000Z');
    released(j);
    j.advance(HOUR);
    j.run();
    expect(stage(j)).toEqual(['FOLLOW_UP', 'follow-up window']);
    expect(j.s.agencyId).toBeUndefined();
    expect(j.log.filter((l) => l.includes('findAgency'))).toEqual([]);
  });

  it('asks for no standard review while the comprehensive screen is outstanding', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 700));
    j.run();
    core(j, []);
    j.run();
    j.t = at('2026-08-20T10:00:00.000Z');
    expect(j.run()).toBe(0);
    expect(stage(j)).toEqual(['COMPREHENSIVE_SCREEN', 'assessment by prison:BAR']);
    expect(j.s.requests.map((r) => r.kind)).toEqual(['CORE_SCREEN', 'COMPREHENSIVE_SCREEN']);
  });

  it('leaves to the summary review a standard review that would fall due when release planning opens', () => {
    // Liberation 2026-11-25: planning opens 2026-09-02 23:59:59.999 BST, when the first review falls due.
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 268));
    expect(j.s.expectedReleaseDate).toBe('2026-11-25');
    j.run();
    core(j, []);
    j.run();
    assessed(j, 'COMPREHENSIVE_SCREEN', 1);
    j.run();
    expect(j.p.nextWake()).toBe(at('2026-09-02T22:59:59.999Z'));
    j.t = at('2026-08-20T10:00:00.000Z');
    expect(j.run()).toBe(0);
    j.t = at('2026-09-02T22:59:59.999Z');
    j.run();
    expect(j.s.requests.map((r) => r.kind)).toEqual([
      'CORE_SCREEN',
      'COMPREHENSIVE_SCREEN',
      'SUMMARY_REVIEW',
    ]);
  });

  it('a referral carried from the episode before goes at once, before any screen (each need waits for release planning)', () => {
    const carried: CarriedHistory = {
      fromEpisode: 1,
      reason: 'RECALL',
      openNeeds: ['ACCOMMODATION'],
      releasedAt: '2025-12-01T09:00:00.000Z',
      episodes: [
        {
          episode: 1,
          receivedAt: '2025-06-02T09:00:00.000Z',
          releasedAt: '2025-12-01T09:00:00.000Z',
          lastStage: 'FOLLOW_UP',
          breaches: [],
        },
      ],
    };
    const j = new SimulatedJourney({ ...inputFor('ENGLAND_AND_WALES', 700), episode: 2, carried });
    j.s.carried = carried; // as the workflow does when it starts
    j.run();
    expect(j.p.needs()).toEqual(['ACCOMMODATION']);
    expect(j.log.map((l) => l.slice(25))).toEqual([
      'enter stage:CORE_SCREEN',
      'request request:CORE_SCREEN',
      'findAgency directory:find-agency',
      'sendReferral referral:send',
    ]);
    expect(j.p.needReferralsView()!.map((n) => n.status)).toEqual(['NOT_YET_DUE']);
  });

  it('says it waits on the directory while no agency is found, naming the area when none is listed', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 700));
    j.run();
    core(j, []);
    j.run();
    j.failing = (a) => a.kind === 'findAgency';
    assessed(j, 'COMPREHENSIVE_SCREEN', 1, ['ACCOMMODATION']);
    j.run();
    expect(stage(j)).toEqual(['REFERRAL', 'directory']);
    // As the shell records a directory that lists no agency for the area: asked again later.
    j.s.agencyRetryAt = '2026-03-03T09:00:00.000Z';
    expect(j.p.waitingOn()).toBe('directory: no agency listed for E06000047');
  });
});

describe('planner: release planning', () => {
  it('a short sentence: planning opens at reception, and the summary review is due at short notice', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    j.run();
    core(j, ['ACCOMMODATION']);
    j.run();
    expect(j.s.stage).toBe('SUMMARY_REVIEW');
    expect(deadline(j, 'summaryReview')).toMatchObject({
      startedAt: '2026-03-31T23:00:00.000Z', // midnight in London (BST)
      dueAt: '2026-03-30T22:59:59.999Z',
      status: 'OPEN',
      note: "short notice: the policy's due 2026-02-04T23:59:59.999Z was before release planning could start",
    });
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      startedAt: '2026-03-31T23:00:00.000Z',
      dueAt: '2026-03-18T23:59:59.999Z',
      status: 'OPEN',
      note: undefined,
    });
  });

  it('a summary review asked for keeps its clocks when the release moves out of the planning window', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    j.run();
    core(j, []);
    j.run();
    expect(j.s.requests.map((r) => r.kind)).toContain('SUMMARY_REVIEW');
    j.advance(HOUR);
    dateChanged(j, '2026-12-01', 'd1');
    j.run();
    expect(deadline(j, 'summaryReview')).toMatchObject({ dueAt: '2026-10-06T22:59:59.999Z', status: 'OPEN' });
    expect(deadline(j, 'preReleaseMeeting')).toMatchObject({
      dueAt: '2026-11-17T23:59:59.999Z',
      status: 'OPEN',
    });
    // Planning is closed again until 28 days before the new summary review's due date.
    expect(j.s.stage).toBe('COMPREHENSIVE_SCREEN');
    expect(j.p.nextWake()).toBe(at('2026-09-08T22:59:59.999Z'));
  });

  it('a reception the day before liberation still starts with the core screen', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 1));
    expect(j.p.nextAction()).toMatchObject({ kind: 'enter', stage: 'CORE_SCREEN' });
  });
});

describe('planner: the day of the pre-release meeting', () => {
  /**
   * A 30-day sentence planned (meeting on 2026-03-18), then on Sunday 2026-03-08 the release brought
   * forward to Wednesday 2026-03-18: the meeting was due by Wednesday 2026-03-04, already gone by.
   */
  const late = () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6);
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2026-03-18']);
    dateChanged(j, '2026-03-18', 'd-late');
    j.run();
    return j;
  };

  it('late: the meeting is moved to the next working day, never to its due day gone by', () => {
    const j = late();
    expect(j.now).toBe('2026-03-08T07:00:00.000Z'); // a Sunday
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2026-03-09']);
    expect(
      j.s.bookings.find((b) => b.kind === 'PRE_RELEASE_MEETING' && b.date === '2026-03-18')?.cancelledBecause,
    ).toBe('liberation date now 2026-03-18: meeting due by 2026-03-04');
    expect(j.s.stage).toBe('PRE_RELEASE_MEETING');
  });

  it('late: a meeting booked for today is kept on its day; one whose day went by waits a working day for its report, then is moved on', () => {
    const j = late();
    j.t = at('2026-03-09T07:00:00.000Z');
    expect(j.run()).toBe(0);
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2026-03-09']);
    // (planner-fixes-2: before it, the meeting moved on to 2026-03-11 here, with no item.)
    j.t = at('2026-03-10T07:00:00.000Z');
    expect(j.run()).toBe(0);
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2026-03-09']);
    j.t = at('2026-03-11T07:00:00.000Z');
    j.run();
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2026-03-12']);
    expect(j.s.attention.map((a) => [a.action, a.status])).toContainEqual([
      'meeting-not-held:2026-03-09',
      'OPEN',
    ]);
    j.t = at('2026-03-12T07:00:00.000Z');
    expect(j.run()).toBe(0);
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual(['2026-03-12']);
  });

  it('moved the day after the meeting (meeting-day-gone-1): kept at its prison for its report, then booked again at the new one; its prison named on the item', () => {
    const j = late();
    j.t = at('2026-03-10T07:00:00.000Z'); // the day after the 2026-03-09 meeting, no report yet
    j.run();
    expect(
      j.tell(j.facts.transferred, { toEstablishmentCode: 'LOW', transferredAt: j.now, eventId: 't1' }),
    ).toBe('applied');
    j.advance(HOUR);
    j.run();
    expect(j.p.establishment()).toBe('LOW');
    const meetings = () =>
      j.s.bookings
        .filter((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED')
        .map((b) => `${b.establishmentCode} ${b.date}`);
    expect(meetings()).toEqual(['BAR 2026-03-09']);
    // No "visits short" item for a meeting whose day is history elsewhere.
    expect(j.s.attention.filter((a) => a.status === 'OPEN' && a.action.startsWith('visits-short:'))).toEqual(
      [],
    );
    j.t = at('2026-03-11T07:00:00.000Z'); // not reported held by the end of the next working day
    j.run();
    expect(meetings()).toEqual(['LOW 2026-03-12']);
    const item = j.s.attention.find((a) => a.action === 'meeting-not-held:2026-03-09')!;
    expect(item.mustAct).toBe('prison:BAR and prison:LOW and agency:agency-1');
  });

  it('no working day left before liberation: the meeting is impossible, the item raised and the agency told', () => {
    const j = late();
    dateChanged(j, '2026-03-09', 'd-impossible');
    j.run();
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual([]);
    expect(
      j.s.bookings.find((b) => b.date === '2026-03-09' && b.kind === 'PRE_RELEASE_MEETING')?.cancelledBecause,
    ).toBe('no working day left before liberation on 2026-03-09');
    const impossible = j.s.attention.filter((a) => a.action.startsWith('meeting-impossible:'));
    expect(impossible.map((a) => [a.action, a.what, a.mustAct, a.status])).toEqual([
      [
        'meeting-impossible:2026-03-09',
        'no working day is left for the pre-release meeting before liberation on 2026-03-09: plan the first appointment now',
        'prison:BAR and agency:agency-1',
        'OPEN',
      ],
    ]);
    expect(stage(j)).toEqual(['AWAITING_RELEASE', 'release by prison:BAR']);
    expect(deadline(j, 'preReleaseMeeting')?.status).toBe('BREACHED');
    expect(j.notices.map((n) => n.subject)).toEqual([
      'LIBERATION_DATE_CHANGED',
      'LIBERATION_DATE_CHANGED',
      'PRE_RELEASE_MEETING_IMPOSSIBLE',
    ]);
  });

  it('a release brought forward, with time left: the meeting moves to its new due day', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6);
    dateChanged(j, '2026-03-25', 'd-earlier');
    j.run();
    expect(
      j.s.bookings
        .filter((b) => b.kind === 'PRE_RELEASE_MEETING')
        .map((b) => [b.date, b.status, b.cancelledBecause]),
    ).toEqual([
      ['2026-03-18', 'CANCELLED', 'liberation date now 2026-03-25: meeting due by 2026-03-11'],
      ['2026-03-11', 'BOOKED', undefined],
    ]);
  });

  it('late, after a transfer: the meeting kept at the prison left is not the plan at the new one', () => {
    const j = late();
    j.t = at('2026-03-09T07:00:00.000Z'); // the day of the meeting booked at BAR
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't' });
    j.advance(45 * MIN);
    expect(j.p.wantedBookings().wanted).toEqual([
      {
        slot: 'pre-release-meeting',
        kind: 'PRE_RELEASE_MEETING',
        establishmentCode: 'EDI',
        date: '2026-03-10',
        agencyId: 'agency-1',
      },
      { slot: 'gate-pickup', kind: 'GATE_PICKUP', establishmentCode: 'EDI', date: '2026-03-18' },
    ]);
    j.run();
    expect(
      j.s.bookings.filter((b) => b.status === 'BOOKED').map((b) => [b.kind, b.establishmentCode, b.date]),
    ).toEqual([
      ['PRE_RELEASE_MEETING', 'EDI', '2026-03-10'],
      ['GATE_PICKUP', 'EDI', '2026-03-18'],
    ]);
  });

  it('a release before any meeting was held raises no impossible meeting', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6);
    released(j);
    j.advance(HOUR);
    j.run();
    expect(j.s.stage).toBe('FOLLOW_UP');
    expect(j.s.attention).toEqual([]);
    expect(live(j, 'PRE_RELEASE_MEETING')).toEqual([]);
  });
});

describe('planner: closing', () => {
  it('the follow-up window ends 119 days after release, at the end of that day: the case closes itself', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
    setUp(j, 6);
    released(j);
    j.advance(HOUR);
    j.run();
    j.t = at('2026-07-05T22:59:59.998Z');
    expect(j.p.closingReason()).toBeUndefined();
    j.advance(1);
    expect(j.p.closingReason()).toBe('FOLLOW_UP_COMPLETE');
    j.run();
    expect(j.s).toMatchObject({
      closureReason: 'FOLLOW_UP_COMPLETE',
      closureRecorded: true,
      stage: 'CLOSED',
    });
    expect(j.p.deriveStage()).toBe('CLOSED');
    expect(j.p.waitingOn()).toBeNull();
    expect(j.s.referralWithdrawn).toBeUndefined();
  });

  it.each([
    ['RECALL', 'RECALLED', 'recall'],
    ['NEW_SENTENCE', 'NEW_SENTENCE', 'new sentence'],
  ] as const)(
    'a return to custody (%s) closes the case as %s and hands over to the next episode',
    (reason, closing, words) => {
      const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 30));
      setUp(j, 6);
      released(j);
      j.advance(HOUR);
      j.run();
      j.advance(10 * DAY);
      j.tell(j.facts.returnedToCustody, {
        reason,
        receivedAt: j.now,
        establishmentCode: 'LOW',
        expectedReleaseDate: '2026-09-01',
        sentenceDate: '2026-03-18',
        sentenceLengthDays: 200,
        newEpisode: 2,
        eventId: 'back',
      });
      expect(j.p.closingReason()).toBe(closing);
      j.run();
      expect(j.s).toMatchObject({ closureReason: closing, stage: 'CLOSED', nextEpisodeHandedOver: true });
      expect(j.s.notifications.at(-1)?.message).toBe(
        `The person is back in custody at LOW (${words}); a new episode follows.`,
      );
    },
  );

  it('a release before the screens were done cancels their clocks, as released before they were done', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 120));
    j.run();
    core(j, []);
    j.run();
    released(j);
    j.advance(HOUR);
    j.run();
    expect(j.s.deadlines.map((d) => [d.key, d.status, d.note])).toEqual([
      ['coreScreen', 'MET', undefined],
      ['comprehensiveScreen', 'CANCELLED', 'released before it was done'],
    ]);
  });
});
