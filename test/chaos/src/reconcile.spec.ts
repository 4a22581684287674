import { planJourney, type Journey } from './journeys';
import { judge, problems, type Counts, type Observed } from './reconcile';

// The soak's verdict rests on judge(): each kind of fault, planted in what a clean journey leaves
// behind, must be found (and nothing found in the clean one).

/** Journey 0: by HTTP, acknowledged by the agency, its release date changed; every step acknowledged. */
function journey(): Journey {
  const j = planJourney(0, 'a-secret-of-this-test');
  expect([j.via, j.acknowledge, j.newReleaseDate !== undefined]).toEqual(['http', true, true]);
  for (const s of ['reception', 'coreScreen', 'comprehensive', 'acknowledgement', 'releaseDate'] as const)
    j.steps[s] = { attempts: 1, acked: true };
  return j;
}

/** What a clean run leaves for journey 0, written out by hand (not derived from the rules under test). */
function clean(j: Journey): Observed {
  const counts: Counts = new Map([
    [
      j.personId,
      new Map([
        ['db:custody_episode', 1],
        ['db:assessment:CORE_SCREEN', 1],
        ['db:assessment:COMPREHENSIVE_SCREEN', 1],
        ['db:referral', 1],
        ['db:meeting:CJSW_VISIT', 2],
        ['db:release_date_change', 1],
        ['db:notification:LIBERATION_DATE_CHANGED', 1],
        ['bus:custody.person.received', 1],
        ['bus:assessment.core-screen.requested', 1],
        ['bus:assessment.core-screen.completed', 1],
        ['bus:assessment.assessment.requested', 1],
        ['bus:assessment.assessment.completed', 1],
        ['bus:referral.referral.sent', 1],
        ['bus:referral.referral.acknowledged', 1],
        ['bus:custody.meeting.booked', 2],
        ['bus:custody.release-date.changed', 1],
        ['bus:referral.agency.notified', 1],
      ]),
    ],
  ]);
  return {
    counts,
    attention: new Map(),
    unpublishedOutbox: { liberation: 0 },
    repeatedIds: new Map(),
    eventsInStream: 12,
    deadLetters: {},
    plans: new Map([
      [
        j.personId,
        {
          status: 200,
          stage: 'STANDARD_REVIEWS',
          waitingOn: 'next standard review by BAR',
          working: false,
          expectedReleaseDate: j.newReleaseDate,
        },
      ],
    ]),
    statuses: new Map([[j.personId, 'RUNNING']]),
    custodyDates: new Map([[j.personId, j.newReleaseDate]]),
  };
}

const effects = (seen: Observed, j: Journey) => seen.counts.get(j.personId)!;

describe('crash soak reconciliation (judge)', () => {
  it('finds nothing wrong with a clean journey', () => {
    const j = journey();
    const r = judge([j], clean(j));
    expect(problems(r)).toBe(0);
    expect(r).toMatchObject({ receptionsAcknowledged: 1, stages: { STANDARD_REVIEWS: 1 } });
  });

  it('a second referral, a third visit or one event id twice: duplicated', () => {
    const j = journey();
    const seen = clean(j);
    effects(seen, j).set('db:referral', 2).set('db:meeting:CJSW_VISIT', 3);
    seen.repeatedIds.set(j.personId, ['referral.referral.sent 0f…']);
    expect(judge([j], seen).duplicated.map((f) => f.what)).toEqual([
      'db:referral: 2, expected 1',
      'db:meeting:CJSW_VISIT: 3, expected 2',
      'event id twice in the stream: referral.referral.sent 0f…',
    ]);
  });

  it('a notice not sent, a bus event not published, a fact not applied: missing', () => {
    const j = journey();
    const seen = clean(j);
    effects(seen, j).delete('db:notification:LIBERATION_DATE_CHANGED');
    effects(seen, j).set('bus:custody.meeting.booked', 1);
    seen.custodyDates.set(j.personId, j.expectedReleaseDate);
    expect(judge([j], seen).missing.map((f) => f.what)).toEqual([
      'bus:custody.meeting.booked: 1, expected 2',
      'db:notification:LIBERATION_DATE_CHANGED: 0, expected 1',
      `custody record's release date ${j.expectedReleaseDate}, changed to ${j.newReleaseDate}`,
    ]);
  });

  it('an acknowledged reception with no journey is lost; a failed workflow is failed', () => {
    const j = journey();
    const lost = clean(j);
    lost.plans.set(j.personId, { status: 404 });
    lost.statuses.set(j.personId, 'NOT_FOUND');
    expect(judge([j], lost).lost).toHaveLength(1);
    const failed = clean(j);
    failed.statuses.set(j.personId, 'FAILED');
    expect(judge([j], failed).failed.map((f) => f.what)).toEqual(['workflow FAILED']);
  });

  it('the wrong stage, waiting on someone else or still acting: stuck', () => {
    const j = journey();
    const seen = clean(j);
    seen.plans.set(j.personId, {
      status: 200,
      stage: 'REFERRAL',
      waitingOn: 'x',
      working: true,
      expectedReleaseDate: j.newReleaseDate,
    });
    expect(judge([j], seen).stuck.map((f) => f.what)).toEqual([
      'stage REFERRAL, expected STANDARD_REVIEWS',
      'still acting at REFERRAL after the quiet period',
    ]);
    seen.plans.set(j.personId, {
      status: 200,
      stage: 'STANDARD_REVIEWS',
      waitingOn: 'directory',
      expectedReleaseDate: j.newReleaseDate,
    });
    expect(judge([j], seen).stuck.map((f) => f.what)).toEqual(['at STANDARD_REVIEWS waiting on "directory"']);
  });

  it('a breach or an appointment nobody asked for: unexpected', () => {
    const j = journey();
    const seen = clean(j);
    effects(seen, j).set('db:breach', 1).set('bus:referral.appointment.booked', 1);
    expect(judge([j], seen).unexpected.map((f) => f.what)).toEqual([
      'db:breach: 1',
      'bus:referral.appointment.booked: 1',
    ]);
  });

  it('a step attempted without an acknowledgement may or may not have happened', () => {
    const j = journey();
    j.steps.releaseDate = { attempts: 3, acked: false };
    const happened = clean(j);
    expect(problems(judge([j], happened))).toBe(0);
    const not = clean(j);
    for (const e of [
      'db:release_date_change',
      'db:notification:LIBERATION_DATE_CHANGED',
      'bus:custody.release-date.changed',
      'bus:referral.agency.notified',
    ])
      effects(not, j).delete(e);
    not.plans.get(j.personId)!.expectedReleaseDate = j.expectedReleaseDate;
    not.custodyDates.set(j.personId, j.expectedReleaseDate);
    expect(problems(judge([j], not))).toBe(0);
    // …but not twice.
    effects(happened, j).set('db:notification:LIBERATION_DATE_CHANGED', 2);
    expect(judge([j], happened).duplicated.map((f) => f.what)).toEqual([
      'db:notification:LIBERATION_DATE_CHANGED: 2, expected at most 1',
    ]);
  });

  it('a journey held at its core screen (the memory soak) must rest there, with its reception’s effects only', () => {
    const j = planJourney(1, 'a-secret-of-this-test', 'C', 10);
    const full = planJourney(10, 'a-secret-of-this-test', 'C', 10);
    expect([j.script, full.script]).toEqual(['held', 'full']);
    j.steps.reception = { attempts: 1, acked: true };
    const seen: Observed = {
      ...clean(j),
      counts: new Map([
        [
          j.personId,
          new Map([
            ['db:custody_episode', 1],
            ['db:assessment:CORE_SCREEN', 1],
            ['bus:custody.person.received', 1],
            ['bus:assessment.core-screen.requested', 1],
          ]),
        ],
      ]),
      plans: new Map([
        [
          j.personId,
          { status: 200, stage: 'CORE_SCREEN', waitingOn: 'assessment by prison:GLE', working: false },
        ],
      ]),
      custodyDates: new Map([[j.personId, j.expectedReleaseDate]]),
    };
    expect(problems(judge([j], seen))).toBe(0);
    // Moved on without a fact asking for it: unexpected and stuck.
    effects(seen, j).set('bus:referral.referral.sent', 1);
    seen.plans.get(j.personId)!.stage = 'REFERRAL';
    const r = judge([j], seen);
    expect(r.unexpected.map((f) => f.what)).toEqual(['bus:referral.referral.sent: 1']);
    expect(r.stuck.map((f) => f.what)).toEqual(['stage REFERRAL, expected CORE_SCREEN']);
  });

  it('a journey the journey repair reset is reported and not a problem; under way, refused or incomplete are', () => {
    const j = journey();
    const failure =
      '[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 51, TimerStarted)';
    const judged = (row: string) => judge([j], { ...clean(j), repairs: new Map([[j.personId, [row]]]) });
    const reset = judged(`RESET: ${failure}`);
    expect(reset.repairs).toEqual({
      reset: [expect.objectContaining({ personId: j.personId, what: `RESET: ${failure}` })],
      underway: [],
      failed: [],
    });
    expect(problems(reset)).toBe(0);
    for (const row of [`PENDING: ${failure}`, `RESETTING: ${failure}`]) {
      expect(judged(row).repairs.underway.map((f) => f.what)).toEqual([row]);
      expect(problems(judged(row))).toBe(1);
    }
    for (const row of [
      `REFUSED NOT_UPDATE_ORDERING (the workflow task completed at 8 accepted no update): ${failure}`,
      `INCOMPLETE (not taken after 10 re-sends): ${failure}`,
    ]) {
      expect(judged(row).repairs.failed.map((f) => f.what)).toEqual([row]);
      expect(problems(judged(row))).toBe(1);
    }
  });

  it('a repair not yet tied to a journey (its run not looked up) is under way', () => {
    const j = journey();
    const r = judge([j], { ...clean(j), repairs: new Map([['', ['PENDING: [TMPRL1100] …']]]) });
    expect(r.repairs.underway.map((f) => f.what)).toEqual(['run not looked up yet: PENDING: [TMPRL1100] …']);
    expect(problems(r)).toBe(1);
  });
});
