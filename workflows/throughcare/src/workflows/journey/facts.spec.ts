import { ApplicationFailure } from '@temporalio/common';
import type { ReturnedToCustody, ThroughcareInput } from '@throughcare/contracts';
import { createFacts, firstTime, tell } from './facts';
import { initialState } from './journey-state';
import {
  HOUR,
  inputFor,
  setUp,
  SimulatedJourney,
  tellCoreScreen,
  tellAssessment,
} from './journey-simulation.spec-support';
import { cancelAnswered } from './outcomes';

/**
 * The fact rules one by one: what each update refuses (with its exact reason and error type),
 * what it records when accepted, and how a repeated event id is ignored. The planner's reactions
 * to the facts are in planner.spec.ts; here the facts themselves are the subject.
 */

type Refusal = { type: string | undefined; message: string; nonRetryable: boolean | undefined };

/** The refusal `f` throws (undefined when it accepts). */
function refusal(f: () => void): Refusal | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof ApplicationFailure)
      return {
        type: err.type ?? undefined,
        message: err.message,
        nonRetryable: err.nonRetryable ?? undefined,
      };
    throw err;
  }
  return undefined;
}
/** Refused for good: the sender must not retry the fact as it is. */
const invalid = (message: string): Refusal => ({ type: 'VALIDATION_FAILED', message, nonRetryable: true });
/** Refused for now: the journey has not recorded what the fact is about (yet). */
const notYetKnown = (message: string): Refusal => ({ type: 'NOT_YET_KNOWN', message, nonRetryable: true });

const RECEPTION = '2026-03-02T09:00:00.000Z';
const BEFORE_RECEPTION = '2026-03-01T00:00:00.000Z';
/** What the planning range says of a value that is no date at all. */
const notADate = (field: string, value: string) =>
  `${field} "${value}" is not a date (YYYY-MM-DD) or an instant with an offset (e.g. 2026-03-02T10:00:00Z)`;

const scotland = (releaseInDays = 30) => new SimulatedJourney(inputFor('SCOTLAND', releaseInDays));

/** Reception to the referral sent (not yet acknowledged): core and comprehensive screens done. */
function toReferralSent(j: SimulatedJourney): void {
  j.run();
  j.t = Date.parse('2026-03-03T10:00:00.000Z');
  tellCoreScreen(j, ['ACCOMMODATION'], 'e-core');
  j.run();
  tellAssessment(j, 'COMPREHENSIVE_SCREEN', ['ACCOMMODATION'], 'e-comprehensive');
  j.run();
}

/**
 * The plan made (setUp: at 2026-03-08T07:00Z with bk-1 gate pick-up, bk-2 and bk-3 visits, bk-4
 * pre-release meeting), then released at that instant and settled: bk-5 is the first appointment.
 */
function released(): SimulatedJourney {
  const j = scotland();
  setUp(j, 6);
  expect(
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' }),
  ).toBe('applied');
  j.advance(2 * HOUR);
  j.run();
  return j;
}

const returnFact = (over: Partial<ReturnedToCustody> = {}): ReturnedToCustody => ({
  reason: 'RECALL',
  recallReasonCode: 'L',
  receivedAt: '2026-03-09T10:00:00.000Z',
  establishmentCode: 'BAR',
  expectedReleaseDate: '2026-06-01',
  sentenceDate: '2026-03-02',
  sentenceLengthDays: 180,
  newEpisode: 2,
  eventId: 'e-return',
  ...over,
});

describe('fact rules: event ids', () => {
  it('remembers an event id once: firstTime is false for an id already seen, and keeps it once', () => {
    const s = initialState('2026-04-01');
    expect(firstTime(s, true, 'e-1')).toBe(true);
    expect(firstTime(s, true, 'e-1')).toBe(false);
    expect(firstTime(s, true, 'e-2')).toBe(true);
    expect(s.seenEventIds).toEqual(['e-1', 'e-2']);
  });

  it('before v3 keeps only the last 500 event ids (the oldest forgotten); since v3 keeps them all', () => {
    const before = initialState('2026-04-01');
    for (let i = 1; i <= 500; i++) expect(firstTime(before, false, `e-${i}`)).toBe(true);
    expect(before.seenEventIds).toHaveLength(500);
    expect(before.seenEventIds[0]).toBe('e-1');
    expect(firstTime(before, false, 'e-501')).toBe(true);
    expect(before.seenEventIds).toHaveLength(500);
    expect(before.seenEventIds[0]).toBe('e-2');
    expect(before.seenEventIds.at(-1)).toBe('e-501');
    // The forgotten id counts as new again.
    expect(firstTime(before, false, 'e-1')).toBe(true);

    const since = initialState('2026-04-01');
    for (let i = 1; i <= 501; i++) expect(firstTime(since, true, `e-${i}`)).toBe(true);
    expect(since.seenEventIds).toHaveLength(501);
    expect(since.seenEventIds[0]).toBe('e-1');
    expect(firstTime(since, true, 'e-1')).toBe(false);
  });

  it('before v3 still keeps every id of a short journey', () => {
    const s = initialState('2026-04-01');
    expect(firstTime(s, false, 'e-1')).toBe(true);
    expect(firstTime(s, false, 'e-2')).toBe(true);
    expect(s.seenEventIds).toEqual(['e-1', 'e-2']);
  });

  it('accepts a redelivered fact (same event id) without validating it again, and changes nothing', () => {
    const j = scotland();
    j.run();
    const release = { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' };
    expect(tell(j.s, true, j.facts.releaseRecorded, release)).toBe(true);
    const before = JSON.stringify(j.s);
    // Told again it would be refused as a second release; as a redelivery it is simply ignored.
    expect(tell(j.s, true, j.facts.releaseRecorded, release)).toBe(false);
    expect(JSON.stringify(j.s)).toBe(before);
    expect(refusal(() => j.facts.releaseRecorded.validate({ ...release, eventId: 'rel-2' }))).toEqual(
      invalid(`release already recorded at ${release.releasedAt}`),
    );
  });
});

describe('fact rules: attention items (operator resolutions)', () => {
  /** A journey whose core screen request failed for good: att-1 offers RETRY or SKIP. */
  const withFailedRequest = () => {
    const j = scotland();
    j.failing = (a) => a.kind === 'request';
    j.run();
    j.failing = () => false;
    expect(j.s.attention.map((a) => [a.id, a.action, a.options])).toEqual([
      ['att-1', 'request:CORE_SCREEN', ['RETRY', 'SKIP']],
    ]);
    return j;
  };

  it('records a skip with its reason, operator and time, and lists it for the operator view', () => {
    const j = withFailedRequest();
    const at = j.now;
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: 'att-1',
        option: 'SKIP',
        by: 'op-7',
        reason: 'screened on paper',
        resolvedAt: at,
        eventId: 'r1',
      }),
    ).toBe('applied');
    expect(j.s.attention[0]).toMatchObject({
      status: 'RESOLVED',
      resolution: { option: 'SKIP', by: 'op-7', reason: 'screened on paper', at },
    });
    expect(j.s.attentionUnrecorded).toEqual(['att-1']);
    // Resolved once: a second decision on it is refused.
    expect(
      refusal(() =>
        j.facts.resolveAttention.validate({
          itemId: 'att-1',
          option: 'RETRY',
          by: 'op-8',
          resolvedAt: at,
          eventId: 'r2',
        }),
      ),
    ).toEqual(invalid('attention item att-1 is already resolved'));
  });

  it('refuses a skip without a reason (missing or blank), and accepts a retry without one', () => {
    const j = withFailedRequest();
    const base = { itemId: 'att-1', by: 'op-7', resolvedAt: j.now, eventId: 'r1' };
    expect(refusal(() => j.facts.resolveAttention.validate({ ...base, option: 'SKIP' }))).toEqual(
      invalid('skipping a step needs a reason'),
    );
    expect(
      refusal(() => j.facts.resolveAttention.validate({ ...base, option: 'SKIP', reason: '   ' })),
    ).toEqual(invalid('skipping a step needs a reason'));
    expect(refusal(() => j.facts.resolveAttention.validate({ ...base, option: 'RETRY' }))).toBeUndefined();
  });

  it('refuses a resolution by nobody (a blank operator)', () => {
    const j = withFailedRequest();
    expect(
      refusal(() =>
        j.facts.resolveAttention.validate({
          itemId: 'att-1',
          option: 'RETRY',
          by: '  ',
          resolvedAt: j.now,
          eventId: 'r1',
        }),
      ),
    ).toEqual(invalid('the operator resolving the item must be named (by)'));
  });

  it('refuses an option the item does not offer, naming those it does', () => {
    const j = withFailedRequest();
    // An option this build does not know (say, from a newer operator client).
    expect(
      refusal(() =>
        j.facts.resolveAttention.validate({
          itemId: 'att-1',
          option: 'IGNORE' as never,
          by: 'op-7',
          resolvedAt: j.now,
          eventId: 'r1',
        }),
      ),
    ).toEqual(invalid('attention item att-1 offers RETRY or SKIP, not IGNORE'));
  });

  it('refuses a retry of an impossible pre-release meeting, which can only be skipped', () => {
    const j = scotland(1);
    j.run();
    const item = j.s.attention.find((a) => a.action.startsWith('meeting-impossible:'))!;
    expect(item.options).toEqual(['SKIP']);
    expect(
      refusal(() =>
        j.facts.resolveAttention.validate({
          itemId: item.id,
          option: 'RETRY',
          by: 'op-7',
          resolvedAt: j.now,
          eventId: 'r1',
        }),
      ),
    ).toEqual(invalid(`attention item ${item.id} offers SKIP, not RETRY`));
  });

  it('refuses any resolution once the journey is finishing (its open items close with it)', () => {
    const j = withFailedRequest();
    const finishing = createFacts(
      j.ctx,
      j.p,
      j.s,
      () => j.t,
      () => true,
    );
    expect(
      refusal(() =>
        finishing.resolveAttention.validate({
          itemId: 'att-1',
          option: 'RETRY',
          by: 'op-7',
          resolvedAt: j.now,
          eventId: 'r1',
        }),
      ),
    ).toEqual(invalid('the journey is finishing: its open items are closed with it'));
  });

  it('refuses, for good, an item the journey does not have', () => {
    const j = scotland();
    j.run();
    expect(
      refusal(() =>
        j.facts.resolveAttention.validate({
          itemId: 'att-9',
          option: 'RETRY',
          by: 'op-7',
          resolvedAt: j.now,
          eventId: 'r1',
        }),
      ),
    ).toEqual({ type: 'NOT_FOUND', message: 'no attention item att-9 in this journey', nonRetryable: true });
  });
});

describe('fact rules: assessments', () => {
  it('accepts a core screen done outside the journey (its request skipped) under its own id, even once others are requested', () => {
    const j = scotland(120);
    j.failing = (a) => a.kind === 'request';
    j.run();
    j.failing = () => false;
    j.tell(j.facts.resolveAttention, {
      itemId: 'att-1',
      option: 'SKIP',
      by: 'op-7',
      reason: 'screened on paper',
      resolvedAt: j.now,
      eventId: 'r1',
    });
    j.run();
    expect(j.s.requests).toEqual([]);
    const paper = {
      assessmentId: 'paper-1',
      needs: ['ACCOMMODATION' as const],
      riskOfSeriousHarm: 'LOW' as const,
      completedAt: j.now,
      eventId: 'e-core',
    };
    expect(j.tell(j.facts.coreScreenCompleted, paper)).toBe('applied');
    j.run();
    expect(j.s.requests.map((r) => r.kind)).toEqual(['COMPREHENSIVE_SCREEN']);
    // The same screen corrected later: still not confused with the comprehensive screen's request.
    expect(j.tell(j.facts.coreScreenCompleted, { ...paper, eventId: 'e-core-2' })).toBe('applied');
    expect(j.s.coreScreen).toEqual(paper);
  });

  it('refuses an assessment completed before the reception', () => {
    const k = scotland();
    k.run();
    tellCoreScreen(k, ['ACCOMMODATION'], 'e-core');
    k.run();
    expect(
      refusal(() =>
        k.facts.assessmentCompleted.validate({
          assessmentId: 'asm-COMPREHENSIVE_SCREEN-1',
          kind: 'COMPREHENSIVE_SCREEN',
          needs: [],
          completedAt: BEFORE_RECEPTION,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid(`assessment completion (${BEFORE_RECEPTION}) is before reception (${RECEPTION})`));
  });
});

describe('fact rules: the referral', () => {
  it('refuses, for now, an acknowledgement or an outcome before any referral was sent', () => {
    const j = scotland();
    j.run();
    expect(
      refusal(() =>
        j.facts.referralAcknowledged.validate({
          referralId: 'ref-1',
          acknowledgedAt: j.now,
          acknowledgedBy: 'cjsw-duty',
          eventId: 'x',
        }),
      ),
    ).toEqual(notYetKnown('no referral has been sent in this episode (yet)'));
    expect(
      refusal(() =>
        j.facts.referralOutcome.validate({
          referralId: 'ref-1',
          decision: 'ACCEPTED',
          decidedAt: j.now,
          eventId: 'x',
        }),
      ),
    ).toEqual(notYetKnown('no referral has been sent in this episode (yet)'));
  });

  it('records the first acknowledgement, and refuses one dated before the reception', () => {
    const j = scotland();
    toReferralSent(j);
    expect(j.s.referralId).toBe('ref-1');
    expect(
      refusal(() =>
        j.facts.referralAcknowledged.validate({
          referralId: 'ref-1',
          acknowledgedAt: BEFORE_RECEPTION,
          acknowledgedBy: 'cjsw-duty',
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid(`acknowledgement (${BEFORE_RECEPTION}) is before reception (${RECEPTION})`));
    const ack = { referralId: 'ref-1', acknowledgedAt: j.now, acknowledgedBy: 'cjsw-duty', eventId: 'ack-1' };
    expect(j.tell(j.facts.referralAcknowledged, ack)).toBe('applied');
    expect(j.tell(j.facts.referralAcknowledged, { ...ack, acknowledgedBy: 'other', eventId: 'ack-2' })).toBe(
      'applied',
    );
    expect(j.s.acknowledgement).toEqual(ack);
  });

  it('refuses the acknowledgement of a referral withdrawn (consent withdrawn)', () => {
    const j = scotland();
    toReferralSent(j);
    j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c1' });
    j.run();
    expect(j.s.referralWithdrawn).toBe(true);
    expect(
      refusal(() =>
        j.facts.referralAcknowledged.validate({
          referralId: 'ref-1',
          acknowledgedAt: j.now,
          acknowledgedBy: 'cjsw-duty',
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid('referral ref-1 was withdrawn'));
  });

  it("records each outcome of this episode's referral, and refuses one about another referral", () => {
    const j = scotland();
    toReferralSent(j);
    expect(
      refusal(() =>
        j.facts.referralOutcome.validate({
          referralId: 'ref-2',
          decision: 'ACCEPTED',
          decidedAt: j.now,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid("referral ref-2 is not this episode's referral (ref-1)"));
    const waiting = {
      referralId: 'ref-1',
      decision: 'ON_WAITING_LIST' as const,
      decidedAt: j.now,
      eventId: 'o1',
    };
    const accepted = { referralId: 'ref-1', decision: 'ACCEPTED' as const, decidedAt: j.now, eventId: 'o2' };
    expect(j.tell(j.facts.referralOutcome, waiting)).toBe('applied');
    expect(j.tell(j.facts.referralOutcome, accepted)).toBe('applied');
    expect(j.s.outcomes).toEqual([waiting, accepted]);
  });

  it("records the agency's closure of this episode's referral once, shows it in the plan, and refuses one about another referral or dated before it", () => {
    const j = scotland();
    toReferralSent(j);
    const closure = { referralId: 'ref-1', outcome: 'ACHIEVED' as const, closedAt: j.now, eventId: 'c1' };
    expect(refusal(() => j.facts.referralClosed.validate({ ...closure, referralId: 'ref-2' }))).toEqual(
      invalid("referral ref-2 is not this episode's referral (ref-1)"),
    );
    expect(
      refusal(() => j.facts.referralClosed.validate({ ...closure, closedAt: BEFORE_RECEPTION })),
    ).toEqual(
      invalid(`referral closure (${BEFORE_RECEPTION}) is before the referral (${j.s.referralSentAt})`),
    );
    expect(j.tell(j.facts.referralClosed, closure)).toBe('applied');
    // A second closure (another event) changes nothing: the service takes one per referral.
    expect(j.tell(j.facts.referralClosed, { ...closure, outcome: 'NOT_ACHIEVED', eventId: 'c2' })).toBe(
      'applied',
    );
    expect(j.s.referralClosure).toEqual({ outcome: 'ACHIEVED', closedAt: j.now });
  });
});

describe('fact rules: release', () => {
  it('lets a release settle the policy window after it was told, when told after the fact', () => {
    const j = scotland();
    setUp(j, 6);
    expect(j.now).toBe('2026-03-08T07:00:00.000Z');
    j.tell(j.facts.releaseRecorded, {
      releasedAt: '2026-03-07T15:00:00.000Z',
      establishmentCode: 'BAR',
      eventId: 'rel',
    });
    expect(j.s.release).toEqual({
      releasedAt: '2026-03-07T15:00:00.000Z',
      establishmentCode: 'BAR',
      eventId: 'rel',
      settlesAt: '2026-03-08T07:45:00.000Z',
    });
  });

  it('lets a release told in advance settle the policy window after the release itself', () => {
    const j = scotland();
    setUp(j, 6);
    j.tell(j.facts.releaseRecorded, {
      releasedAt: '2026-03-08T08:00:00.000Z',
      establishmentCode: 'BAR',
      eventId: 'rel',
    });
    expect(j.s.release?.settlesAt).toBe('2026-03-08T08:45:00.000Z');
  });

  it('refuses a release that is not a date the journey can plan', () => {
    const j = scotland();
    j.run();
    expect(
      refusal(() =>
        j.facts.releaseRecorded.validate({ releasedAt: 'yesterday', establishmentCode: 'BAR', eventId: 'x' }),
      ),
    ).toEqual(invalid(notADate('releasedAt', 'yesterday')));
  });

  it('refuses a change of release date once released, and accepts the reception day itself', () => {
    const j = released();
    expect(
      refusal(() =>
        j.facts.releaseDateChanged.validate({
          expectedReleaseDate: '2026-05-01',
          reason: 'RECALCULATION',
          changedAt: j.now,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid('already released at 2026-03-08T07:00:00.000Z'));

    const k = scotland();
    k.run();
    const change = {
      expectedReleaseDate: '2026-03-02',
      reason: 'RECALCULATION' as const,
      changedAt: k.now,
      eventId: 'd1',
    };
    expect(k.tell(k.facts.releaseDateChanged, change)).toBe('applied');
    expect(k.s.expectedReleaseDate).toBe('2026-03-02');
    expect(k.s.dateChanges).toEqual([change]);
  });
});

describe('fact rules: transfers', () => {
  it('refuses a transfer once released', () => {
    const j = released();
    expect(
      refusal(() =>
        j.facts.transferred.validate({ toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 'x' }),
      ),
    ).toEqual(invalid('already released at 2026-03-08T07:00:00.000Z'));
  });

  it('refuses a transfer dated before the reception, or not dated at all', () => {
    const j = scotland();
    j.run();
    expect(
      refusal(() =>
        j.facts.transferred.validate({
          toEstablishmentCode: 'EDI',
          transferredAt: BEFORE_RECEPTION,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid(`transfer (${BEFORE_RECEPTION}) is before reception (${RECEPTION})`));
    expect(
      refusal(() =>
        j.facts.transferred.validate({ toEstablishmentCode: 'EDI', transferredAt: 'tomorrow', eventId: 'x' }),
      ),
    ).toEqual(invalid(notADate('transferredAt', 'tomorrow')));
  });
});

describe('fact rules: reversed movements', () => {
  /** In custody at BAR, moved to EDI (t1) then to GRE (t2), neither settled yet. */
  const twoTransfers = () => {
    const j = scotland();
    j.run();
    expect(
      j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't1' }),
    ).toBe('applied');
    expect(
      j.tell(j.facts.transferred, { toEstablishmentCode: 'GRE', transferredAt: j.now, eventId: 't2' }),
    ).toBe('applied');
    return j;
  };
  const reverse = (j: SimulatedJourney, reversedEventId: string, eventId: string) => ({
    movement: 'TRANSFER' as const,
    reversedEventId,
    reversedAt: j.now,
    eventId,
  });

  it('undoes the last transfer: it leaves the list and is kept as a reversal (before it settled)', () => {
    const j = twoTransfers();
    const at = j.now;
    expect(j.tell(j.facts.movementReversed, reverse(j, 't2', 'rev-2'))).toBe('applied');
    expect(j.s.transfers.map((t) => [t.eventId, t.from, t.toEstablishmentCode])).toEqual([
      ['t1', 'BAR', 'EDI'],
    ]);
    expect(j.s.reversals).toEqual([
      { eventId: 't2', movement: 'TRANSFER', at, reversedAfterSettling: false, to: 'GRE' },
    ]);
    expect(j.p.reportedEstablishment()).toBe('EDI');
  });

  it('refuses to undo a transfer that a later one followed, or one the episode does not have', () => {
    const j = twoTransfers();
    expect(refusal(() => j.facts.movementReversed.validate(reverse(j, 't1', 'x')))).toEqual(
      invalid('transfer t1 was followed by another movement: reverse that first'),
    );
    expect(refusal(() => j.facts.movementReversed.validate(reverse(j, 'nope', 'x')))).toEqual(
      invalid('no transfer nope in this episode'),
    );
  });

  it('says whether a transfer undone had already settled', () => {
    const j = twoTransfers();
    j.advance(2 * HOUR);
    j.run();
    const at = j.now;
    j.tell(j.facts.movementReversed, reverse(j, 't2', 'rev-2'));
    j.tell(j.facts.movementReversed, reverse(j, 't1', 'rev-1'));
    expect(j.s.transfers).toEqual([]);
    expect(j.s.reversals).toEqual([
      { eventId: 't2', movement: 'TRANSFER', at, reversedAfterSettling: true, to: 'GRE' },
      { eventId: 't1', movement: 'TRANSFER', at, reversedAfterSettling: true, to: 'EDI' },
    ]);
  });

  it('undoes a release: the release is gone and kept as a reversal, settled or not', () => {
    const j = scotland();
    setUp(j, 6);
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel-1' });
    const early = j.now;
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel-1',
      reversedAt: early,
      eventId: 'rev-1',
    });
    expect(j.s.release).toBeUndefined();
    j.tell(j.facts.releaseRecorded, { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel-2' });
    j.advance(2 * HOUR);
    const late = j.now;
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel-2',
      reversedAt: late,
      eventId: 'rev-2',
    });
    expect(j.s.release).toBeUndefined();
    expect(j.s.reversals).toEqual([
      { eventId: 'rel-1', movement: 'RELEASE', at: early, reversedAfterSettling: false },
      { eventId: 'rel-2', movement: 'RELEASE', at: late, reversedAfterSettling: true },
    ]);
  });
});

describe('fact rules: liberation from court (a reception signalled again)', () => {
  const court = (j: SimulatedJourney, eventId = 'court-1'): ThroughcareInput => ({
    ...j.input,
    liberatedFromCourt: { releasedAt: '2026-03-03T14:00:00.000Z', legalStatus: 'REMAND', eventId },
  });

  it('records the release from court at the establishment last reported, settled at once', () => {
    const j = scotland();
    j.run();
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't1' });
    expect(j.facts.receivedAgain(court(j))).toBe(true);
    expect(j.s.release).toEqual({
      releasedAt: '2026-03-03T14:00:00.000Z',
      establishmentCode: 'EDI',
      eventId: 'court-1',
      settlesAt: '2026-03-03T14:00:00.000Z',
      fromCourt: true,
    });
    expect(j.s.seenEventIds).toContain('court-1');
    // Signalled again: nothing more.
    const before = JSON.stringify(j.s);
    expect(j.facts.receivedAgain(court(j))).toBe(false);
    expect(JSON.stringify(j.s)).toBe(before);
  });

  it('ignores a reception signalled again without a liberation from court', () => {
    const j = scotland();
    j.run();
    expect(j.facts.receivedAgain(j.input)).toBe(false);
    expect(j.s.release).toBeUndefined();
  });

  it("takes the person's sex and date of birth from a reception signalled again when its input has none, never over what it has", () => {
    const j = scotland();
    j.run();
    const again = { ...j.input, sex: 'FEMALE' as const, dateOfBirth: '1990-03-01' };
    // Not a change of plan by itself.
    expect(j.facts.receivedAgain(again)).toBe(false);
    expect(j.s.personFacts).toEqual({ sex: 'FEMALE', dateOfBirth: '1990-03-01' });
    // Told once: a later signal does not change it.
    j.facts.receivedAgain({ ...again, sex: 'MALE', dateOfBirth: '1991-01-01' });
    expect(j.s.personFacts).toEqual({ sex: 'FEMALE', dateOfBirth: '1990-03-01' });
    // An input that has them keeps its own.
    const known = { ...inputFor('SCOTLAND', 30), sex: 'MALE' as const, dateOfBirth: '1980-05-05' };
    const withFacts = new SimulatedJourney(known);
    withFacts.run();
    withFacts.facts.receivedAgain({ ...known, sex: 'FEMALE', dateOfBirth: '1990-03-01' });
    expect(withFacts.s.personFacts).toBeUndefined();
  });

  it('ignores a liberation from court once a release is recorded, or once the case is closed', () => {
    const j = scotland();
    j.run();
    const release = { releasedAt: j.now, establishmentCode: 'BAR', eventId: 'rel' };
    j.tell(j.facts.releaseRecorded, release);
    expect(j.facts.receivedAgain(court(j))).toBe(false);
    expect(j.s.release).toMatchObject(release);
    expect(j.s.release?.fromCourt).toBeUndefined();

    const k = scotland();
    k.run();
    k.tell(k.facts.caseCloseRequested, { reason: 'DEPORTED', requestedAt: k.now, eventId: 'close' });
    k.run();
    expect(k.s.closedAt).toBe(k.now);
    expect(k.facts.receivedAgain(court(k))).toBe(false);
    expect(k.s.release).toBeUndefined();
    expect(k.s.seenEventIds).not.toContain('court-1');
  });

  it('refuses to reverse a liberation from court', () => {
    const j = scotland();
    j.run();
    j.facts.receivedAgain(court(j));
    expect(
      refusal(() =>
        j.facts.movementReversed.validate({
          movement: 'RELEASE',
          reversedEventId: 'court-1',
          reversedAt: j.now,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid('a liberation from court cannot be reversed here'));
  });
});

describe('fact rules: visits and meetings held', () => {
  it('records a custody visit held: the fact kept, the booking held, the others untouched', () => {
    const j = scotland();
    setUp(j, 6);
    const visit = { bookingId: 'bk-2', kind: 'CJSW_VISIT' as const, heldAt: j.now, eventId: 'm1' };
    expect(j.tell(j.facts.meetingHeld, visit)).toBe('applied');
    expect(j.s.meetingsHeld).toEqual([visit]);
    expect(j.s.bookings.map((b) => [b.bookingId, b.status])).toEqual([
      ['bk-1', 'BOOKED'],
      ['bk-2', 'HELD'],
      ['bk-3', 'BOOKED'],
      ['bk-4', 'BOOKED'],
    ]);
  });

  it('records the pre-release meeting held', () => {
    const j = scotland();
    setUp(j, 6);
    const meeting = { bookingId: 'bk-4', kind: 'PRE_RELEASE_MEETING' as const, heldAt: j.now, eventId: 'm1' };
    expect(j.tell(j.facts.meetingHeld, meeting)).toBe('applied');
    expect(j.s.meetingsHeld).toEqual([meeting]);
    expect(j.s.bookings.find((b) => b.bookingId === 'bk-4')?.status).toBe('HELD');
  });

  it('takes the time of a meeting the service already reported held (answering a cancel), without a second entry', () => {
    const j = scotland();
    setUp(j, 6);
    const visit = { bookingId: 'bk-2', kind: 'CJSW_VISIT' as const, heldAt: j.now, eventId: 'm1' };
    j.tell(j.facts.meetingHeld, visit);
    const meeting = j.s.bookings.find((b) => b.bookingId === 'bk-4')!;
    expect(cancelAnswered(j.s, true, meeting, 'person moved from BAR to EDI', 'ALREADY_HELD', j.now)).toBe(
      'HELD',
    );
    const held = {
      bookingId: 'bk-4',
      kind: 'PRE_RELEASE_MEETING' as const,
      heldAt: '2026-03-07T14:30:00.000Z',
      eventId: 'm2',
    };
    expect(j.tell(j.facts.meetingHeld, held)).toBe('applied');
    expect(j.s.meetingsHeld).toEqual([visit, held]);
  });

  it('refuses a meeting of another kind than the booking, one on a cancelled booking, or one before reception', () => {
    const j = scotland();
    setUp(j, 6);
    expect(
      refusal(() =>
        j.facts.meetingHeld.validate({
          bookingId: 'bk-2',
          kind: 'PRE_RELEASE_MEETING',
          heldAt: j.now,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid('booking bk-2 is a CJSW_VISIT, not a PRE_RELEASE_MEETING'));
    expect(
      refusal(() =>
        j.facts.meetingHeld.validate({
          bookingId: 'bk-2',
          kind: 'CJSW_VISIT',
          heldAt: BEFORE_RECEPTION,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid(`meeting (${BEFORE_RECEPTION}) is before reception (${RECEPTION})`));
    j.tell(j.facts.transferred, { toEstablishmentCode: 'EDI', transferredAt: j.now, eventId: 't1' });
    j.advance(2 * HOUR);
    j.run();
    expect(j.s.bookings.find((b) => b.bookingId === 'bk-4')?.status).toBe('CANCELLED');
    expect(
      refusal(() =>
        j.facts.meetingHeld.validate({
          bookingId: 'bk-4',
          kind: 'PRE_RELEASE_MEETING',
          heldAt: j.now,
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid('booking bk-4 was cancelled (person moved from BAR to EDI)'));
  });
});

describe('fact rules: appointments attended', () => {
  it('records the first appointment attended: the fact kept, the booking held', () => {
    const j = released();
    expect(j.s.bookings.at(-1)).toMatchObject({
      bookingId: 'bk-5',
      kind: 'FIRST_APPOINTMENT',
      status: 'BOOKED',
    });
    const attended = { appointmentId: 'bk-5', attendance: 'YES' as const, attendedAt: j.now, eventId: 'a1' };
    expect(j.tell(j.facts.attendanceRecorded, attended)).toBe('applied');
    expect(j.s.attendances).toEqual([attended]);
    expect(j.s.bookings.map((b) => b.status)).toEqual([
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
      'HELD',
    ]);
  });

  it('needs a reason for a missed appointment, and records the follow-up appointment attended', () => {
    const j = released();
    const missed = { appointmentId: 'bk-5', attendance: 'NO' as const, attendedAt: j.now, eventId: 'a1' };
    expect(refusal(() => j.facts.attendanceRecorded.validate(missed))).toEqual(
      invalid('a missed appointment needs a reason'),
    );
    expect(j.tell(j.facts.attendanceRecorded, { ...missed, reason: 'unwell' })).toBe('applied');
    j.run();
    const followUp = j.s.bookings.at(-1)!;
    expect(followUp).toMatchObject({ bookingId: 'bk-6', kind: 'FOLLOW_UP_APPOINTMENT', status: 'BOOKED' });
    const attended = { appointmentId: 'bk-6', attendance: 'YES' as const, attendedAt: j.now, eventId: 'a2' };
    expect(j.tell(j.facts.attendanceRecorded, attended)).toBe('applied');
    expect(followUp.status).toBe('HELD');
    expect(j.s.attendances).toEqual([{ ...missed, reason: 'unwell' }, attended]);
  });

  it('refuses an attendance before the release', () => {
    const j = released();
    expect(
      refusal(() =>
        j.facts.attendanceRecorded.validate({
          appointmentId: 'bk-5',
          attendance: 'YES',
          attendedAt: '2026-03-08T06:00:00.000Z',
          eventId: 'x',
        }),
      ),
    ).toEqual(invalid('attendance (2026-03-08T06:00:00.000Z) is before release (2026-03-08T07:00:00.000Z)'));
  });

  it('refuses an attendance at an appointment cancelled when the release was reversed', () => {
    const j = released();
    j.tell(j.facts.movementReversed, {
      movement: 'RELEASE',
      reversedEventId: 'rel',
      reversedAt: j.now,
      eventId: 'rev',
    });
    const attended = { appointmentId: 'bk-5', attendance: 'YES' as const, attendedAt: j.now, eventId: 'a1' };
    // Before the journey has cancelled it, the appointment still stands.
    expect(refusal(() => j.facts.attendanceRecorded.validate(attended))).toBeUndefined();
    j.run();
    expect(refusal(() => j.facts.attendanceRecorded.validate(attended))).toEqual(
      invalid('appointment bk-5 was cancelled (release reversed: person in custody)'),
    );
  });
});

describe('fact rules: consent, closure and return to custody', () => {
  it('refuses a consent withdrawal dated before reception; a further one once withdrawn changes nothing, and any other fact is refused', () => {
    const j = scotland();
    j.run();
    expect(
      refusal(() => j.facts.consentWithdrawn.validate({ withdrawnAt: BEFORE_RECEPTION, eventId: 'x' })),
    ).toEqual(invalid(`consent withdrawal (${BEFORE_RECEPTION}) is before reception (${RECEPTION})`));
    const withdrawn = { withdrawnAt: j.now, eventId: 'c1' };
    expect(j.tell(j.facts.consentWithdrawn, withdrawn)).toBe('applied');
    expect(j.s.consentWithdrawn).toEqual(withdrawn);
    // A second withdrawal (after consent given again, review of stop 41, M3): accepted, the first kept.
    expect(
      refusal(() => j.facts.consentWithdrawn.validate({ withdrawnAt: j.now, eventId: 'c2' })),
    ).toBeUndefined();
    expect(j.tell(j.facts.consentWithdrawn, { withdrawnAt: j.now, eventId: 'c2' })).toBe('applied');
    expect(j.s.consentWithdrawn).toEqual(withdrawn);
    expect(
      refusal(() =>
        j.facts.caseCloseRequested.validate({ reason: 'DECEASED', requestedAt: j.now, eventId: 'x2' }),
      ),
    ).toEqual(invalid('case is closed (CONSENT_WITHDRAWN)'));
  });

  it('refuses a request to close a case already closing', () => {
    const j = scotland();
    j.run();
    const close = { reason: 'DECEASED' as const, requestedAt: j.now, eventId: 'close-1' };
    expect(j.tell(j.facts.caseCloseRequested, close)).toBe('applied');
    expect(j.s.closeRequested).toEqual(close);
    expect(
      refusal(() =>
        j.facts.caseCloseRequested.validate({ reason: 'OTHER', requestedAt: j.now, eventId: 'close-2' }),
      ),
    ).toEqual(invalid('case is closed (DECEASED)'));
  });

  it('refuses a request to close a case dated before the reception (its instant decides which clocks were breached first)', () => {
    const j = scotland();
    j.run();
    expect(
      refusal(() =>
        j.facts.caseCloseRequested.validate({
          reason: 'OTHER',
          requestedAt: '2026-03-01T09:00:00.000Z',
          eventId: 'close-early',
        }),
      ),
    ).toEqual(
      invalid('case closure (2026-03-01T09:00:00.000Z) is before reception (2026-03-02T09:00:00.000Z)'),
    );
  });

  describe('a close RECEIVED_IN_ERROR (a reversal) naming the opening it reverses', () => {
    const mismatch = (named: string, what: string, at: string, episode = 1): Refusal => ({
      type: 'REVERSAL_MISMATCH',
      message: `the reversal names the reception or liberation at ${named}, but episode ${episode} was opened by its ${what} at ${at}: it reverses another opening under this episode number (an upstream numbering mismatch), so this journey is not closed`,
      nonRetryable: true,
    });
    const reversal = (receivedAt: string | undefined, eventId = 'reversal') => ({
      reason: 'RECEIVED_IN_ERROR' as const,
      requestedAt: '2026-03-02T12:00:00.000Z',
      eventId,
      ...(receivedAt !== undefined ? { receivedAt } : {}),
    });
    const OTHER_RECEPTION = '2026-03-02T08:00:00.000Z';

    it('refuses one naming another reception under its episode number (REVERSAL_MISMATCH), and closes for its own, however the instant is written', () => {
      const j = scotland();
      j.run();
      expect(refusal(() => j.facts.caseCloseRequested.validate(reversal(OTHER_RECEPTION)))).toEqual(
        mismatch(OTHER_RECEPTION, 'reception', RECEPTION),
      );
      expect(j.s.closeRequested).toBeUndefined();
      // The same instant without milliseconds is the journey's own reception.
      expect(j.tell(j.facts.caseCloseRequested, reversal('2026-03-02T09:00:00Z'))).toBe('applied');
      expect(j.p.closingReason()).toBe('RECEIVED_IN_ERROR');
    });

    it('says REVERSAL_MISMATCH, not "closed", for another reception once the journey is closing', () => {
      const j = scotland();
      j.run();
      j.tell(j.facts.caseCloseRequested, { reason: 'DECEASED', requestedAt: j.now, eventId: 'close-1' });
      expect(refusal(() => j.facts.caseCloseRequested.validate(reversal(OTHER_RECEPTION)))).toEqual(
        mismatch(OTHER_RECEPTION, 'reception', RECEPTION),
      );
    });

    it('closes as before for a reversal that names no opening (published before it was named)', () => {
      const j = scotland();
      j.run();
      expect(j.tell(j.facts.caseCloseRequested, reversal(undefined))).toBe('applied');
      expect(j.p.closingReason()).toBe('RECEIVED_IN_ERROR');
    });

    it('does not check the instant of a close for any other reason', () => {
      const j = scotland();
      j.run();
      const close = {
        reason: 'DECEASED' as const,
        requestedAt: j.now,
        eventId: 'c',
        receivedAt: OTHER_RECEPTION,
      };
      expect(j.tell(j.facts.caseCloseRequested, close)).toBe('applied');
    });

    it("compares a journey a liberation from court opened with that liberation's releasedAt", () => {
      const released = '2026-03-02T09:00:00.000Z';
      const liberated = new SimulatedJourney({
        ...inputFor('SCOTLAND', 30),
        receivedAt: released,
        liberatedFromCourt: { releasedAt: released, legalStatus: 'REMAND', eventId: 'court' },
      });
      expect(
        refusal(() => liberated.facts.caseCloseRequested.validate(reversal('2026-03-02T10:00:00.000Z'))),
      ).toEqual(mismatch('2026-03-02T10:00:00.000Z', 'liberation from court', released));
      expect(refusal(() => liberated.facts.caseCloseRequested.validate(reversal(released)))).toBeUndefined();
    });

    it('a journey its reception opened, liberated from court later (remand ended), was opened by the reception: a reversal naming the liberation is refused', () => {
      const j = scotland();
      j.run();
      const releasedAt = '2026-03-03T14:00:00.000Z';
      j.facts.receivedAgain({
        ...j.input,
        liberatedFromCourt: { releasedAt, legalStatus: 'REMAND', eventId: 'court-1' },
      });
      expect(refusal(() => j.facts.caseCloseRequested.validate(reversal(releasedAt)))).toEqual(
        mismatch(releasedAt, 'reception', RECEPTION),
      );
      expect(refusal(() => j.facts.caseCloseRequested.validate(reversal(RECEPTION)))).toBeUndefined();
    });
  });

  it('records a return to custody after the release: the journey closes as recalled', () => {
    const j = released();
    const back = returnFact();
    expect(j.tell(j.facts.returnedToCustody, back)).toBe('applied');
    expect(j.s.returned).toEqual(back);
    expect(j.p.closingReason()).toBe('RECALLED');
  });

  it('takes a return to custody that opens a later episode than the next (the ones between void), and hands over to it', () => {
    const j = released();
    const back = returnFact({ newEpisode: 4 });
    expect(j.tell(j.facts.returnedToCustody, back)).toBe('applied');
    expect(j.s.returned).toEqual(back);
    expect(j.p.closingReason()).toBe('RECALLED');
  });

  it('refuses a return to custody that opens this episode or an earlier one, or before the release', () => {
    const j = released();
    for (const newEpisode of [1, 0, -1])
      expect(refusal(() => j.facts.returnedToCustody.validate(returnFact({ newEpisode })))).toEqual(
        invalid(`the return to custody opens a later episode than 1, not ${newEpisode}`),
      );
    expect(
      refusal(() =>
        j.facts.returnedToCustody.validate(returnFact({ receivedAt: '2026-03-08T06:00:00.000Z' })),
      ),
    ).toEqual(
      invalid('return to custody (2026-03-08T06:00:00.000Z) is before release (2026-03-08T07:00:00.000Z)'),
    );
  });

  it("checks a return's date as the next episode's reception: none before the first SLA policy, as written", () => {
    // Received on the day the first policy came into force, released half an hour later.
    const j = new SimulatedJourney({
      ...inputFor('SCOTLAND', 30),
      receivedAt: '2026-01-01T00:00:00.000Z',
      sentenceDate: '2026-01-01',
      expectedReleaseDate: '2026-01-31',
    });
    j.tell(j.facts.releaseRecorded, {
      releasedAt: '2026-01-01T00:30:00.000Z',
      establishmentCode: 'BAR',
      eventId: 'rel',
    });
    // An instant after the release, but written with a date (31 December) no policy covers.
    const receivedAt = '2025-12-31T20:00:00-05:00';
    expect(refusal(() => j.facts.returnedToCustody.validate(returnFact({ receivedAt })))).toEqual(
      invalid(
        `receivedAt ${receivedAt} is before the first SLA policy for SCOTLAND (scotland-2026 v1, in force from 2026-01-01): no clock can be set for it`,
      ),
    );
  });

  it('refuses a return to custody whose dates cannot be planned, naming each', () => {
    const j = released();
    expect(
      refusal(() =>
        j.facts.returnedToCustody.validate(
          returnFact({ receivedAt: 'last week', expectedReleaseDate: 'soon' }),
        ),
      ),
    ).toEqual(invalid(`${notADate('receivedAt', 'last week')}; ${notADate('expectedReleaseDate', 'soon')}`));
    expect(
      refusal(() => j.facts.returnedToCustody.validate(returnFact({ expectedReleaseDate: 'soon' }))),
    ).toEqual(invalid(notADate('expectedReleaseDate', 'soon')));
  });
});
