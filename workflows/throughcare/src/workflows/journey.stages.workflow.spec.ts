import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  referralAcknowledgedUpdate,
  attendanceRecordedUpdate,
  caseCloseRequestedUpdate,
  coreScreenCompletedUpdate,
  meetingHeldUpdate,
  releaseRecordedUpdate,
  SearchAttributes,
  type PlanView,
} from '@throughcare/contracts';
import type { WorkflowHandle } from '@temporalio/client';
import { deadlineFor, localDateOf, policyFor, startOfLocalDay } from '@throughcare/domain';
import {
  advance,
  acknowledgeReferral,
  atStage,
  completeAssessment,
  currentRunId,
  receptionInput,
  recordHistory,
  settleAttention,
  recordingActivities,
  requestOf,
  screenAndRefer,
  skipTo,
  startJourney,
  tell,
  waitForEffect,
  waitForNextRun,
  waitForPlan,
  withWorkers,
  type Effect,
  DAY_MS,
  tally,
  of,
  acknowledgeNeedReferrals,
  live,
  serverNow,
  useJourneyEnvironment,
  hasPatchMarker,
} from './journey-harness';
import { RELEASE_ATTRIBUTES_PATCH } from './journey/journey-v2';

/**
 * The journey's release attributes (release-attributes-1) once they read `want`: ReleaseDate as a
 * day and PreReleaseMeetingArranged (upserted at a refresh, so polled for up to 10 s).
 */
async function releaseAttributes(
  handle: WorkflowHandle,
  want: { releaseDate: string; arranged: boolean },
): Promise<{ releaseDate: string | undefined; arranged: boolean | undefined }> {
  const read = async () => {
    const typed = (await handle.describe()).typedSearchAttributes;
    return {
      releaseDate: typed.get(SearchAttributes.releaseDate)?.toISOString().slice(0, 10),
      arranged: typed.get(SearchAttributes.preReleaseMeetingArranged),
    };
  };
  const until = Date.now() + 10_000;
  let seen = await read();
  while ((seen.releaseDate !== want.releaseDate || seen.arranged !== want.arranged) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await read();
  }
  return seen;
}

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

const DAY = DAY_MS;
const count = (effects: Effect[], kind: Effect['kind']) => effects.filter((e) => e.kind === kind).length;
const deadline = (plan: PlanView, clock: string) => plan.deadlines.find((d) => d.clock === clock);
const nowIso = () => serverNow(env);

describe('journey v2: stages and clocks (time-skipping server)', () => {
  it('carries one person through every custody stage, liberation and follow-up, across continue-as-new', async () => {
    const acts = recordingActivities();
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, {
      expectedReleaseDate: localDateOf(new Date(t0 + 120 * DAY)),
    });
    const policy = policyFor('SCOTLAND', input.receivedAt.slice(0, 10));
    const final = await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await screenAndRefer(env, handle, acts, ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);
      // The stage is entered once the liberation service has recorded it, an activity after the
      // referral's: a plan asked in between shows the referral still in COMPREHENSIVE_SCREEN
      // (seen in the fresh-clone run of 9b55857), so wait for the stage, not only the referral.
      const referred = await waitForPlan(handle, (p) => p.stage === 'REFERRAL', 'the REFERRAL stage');
      expect(referred.policy).toEqual({ id: 'scotland-2026', version: 3 });
      const run1 = await currentRunId(handle);
      await acknowledgeReferral(env, handle, referred.referralId!);

      // Standard reviews is a stage boundary: the journey continues as new, nothing lost.
      const run2 = await waitForNextRun(handle, run1);
      await recordHistory(
        env.client.workflow.getHandle(handle.workflowId, run1),
        'v2.full-journey.custody-run',
      );
      const reviews = await waitForPlan(
        handle,
        (p) => p.stage === 'STANDARD_REVIEWS' && p.run === 2,
        'run 2',
      );
      expect(reviews.stagesDone).toEqual(['RECEPTION', 'CORE_SCREEN', 'COMPREHENSIVE_SCREEN', 'REFERRAL']);
      expect(reviews.needs).toEqual(['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);
      expect(deadline(reviews, 'referralAcknowledgement')?.status).toBe('MET');
      // Two CJSW custody visits before the pre-release meeting (seed 000 §4.55).
      expect(reviews.bookings?.filter((b) => b.kind === 'CJSW_VISIT' && b.status === 'BOOKED')).toHaveLength(
        2,
      );
      // Operators find releases nobody has met about yet (release-attributes-1): the liberation
      // day and no pre-release meeting arranged.
      const noMeeting = { releaseDate: reviews.liberationDate!, arranged: false };
      expect(await releaseAttributes(handle, noMeeting)).toEqual(noMeeting);

      // Release planning opens 12 weeks before liberation (summary review due 8 weeks before, 4 weeks' lead).
      const liberation = startOfLocalDay(reviews.liberationDate!);
      const summaryDue = deadlineFor(policy, 'summaryReview', liberation);
      await skipTo(env, summaryDue.getTime() - 28 * DAY + 3_600_000, handle);
      const summary = await waitForPlan(handle, atStage('SUMMARY_REVIEW'), 'summary review stage');
      expect(summary.gatePickup?.liberationDate).toBe(reviews.liberationDate);
      // Each need is referred to its own agency now; both answer in time.
      await acknowledgeNeedReferrals(env, handle);
      await completeAssessment(env, handle, acts, 'SUMMARY_REVIEW', ['ACCOMMODATION']);

      const meetingDue = deadlineFor(policy, 'preReleaseMeeting', liberation);
      const meetingStage = await waitForPlan(
        handle,
        (p) =>
          p.stage === 'PRE_RELEASE_MEETING' && !!p.bookings?.some((b) => b.kind === 'PRE_RELEASE_MEETING'),
        'pre-release meeting booked',
      );
      const meeting = meetingStage.bookings!.find((b) => b.kind === 'PRE_RELEASE_MEETING')!;
      expect(meeting).toMatchObject({
        establishmentCode: 'BAR',
        date: localDateOf(meetingDue),
        status: 'BOOKED',
      });
      // Booked: no longer among the releases without a meeting.
      const arranged = { releaseDate: reviews.liberationDate!, arranged: true };
      expect(await releaseAttributes(handle, arranged)).toEqual(arranged);
      const withMeeting = await handle.fetchHistory();
      expect(hasPatchMarker(withMeeting, RELEASE_ATTRIBUTES_PATCH)).toBe(true);
      await recordHistory(handle, 'v3.release-attributes.meeting-arranged');

      // The meeting day: the two visits took place before it, then the meeting.
      await skipTo(env, startOfLocalDay(meeting.date!).getTime() + 10 * 3_600_000, handle);
      for (const visit of meetingStage.bookings!.filter((b) => b.kind === 'CJSW_VISIT')) {
        expect(visit.date! < meeting.date!).toBe(true);
        await tell(handle, meetingHeldUpdate, {
          bookingId: visit.bookingId,
          kind: 'CJSW_VISIT',
          heldAt: await nowIso(),
        });
      }
      await tell(handle, meetingHeldUpdate, {
        bookingId: meeting.bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: await nowIso(),
      });
      await waitForPlan(handle, atStage('AWAITING_RELEASE'), 'awaiting release');

      // Liberation day: released at 09:00; agencies hear of it once the 45-minute settle window passes.
      await skipTo(env, liberation.getTime() + 9 * 3_600_000, handle);
      const release = await tell(handle, releaseRecordedUpdate, {
        releasedAt: await nowIso(),
        establishmentCode: 'BAR',
      });
      const pending = await waitForPlan(
        handle,
        (p) => (p.pendingMovements?.length ?? 0) === 1,
        'pending release',
      );
      expect(pending.pendingMovements?.[0]).toMatchObject({ movement: 'RELEASE', eventId: release });
      expect(count(acts.effects, 'appointmentBooked')).toBe(0);
      await advance(env, '46 minutes', handle);
      await waitForNextRun(handle, run2);
      await recordHistory(
        env.client.workflow.getHandle(handle.workflowId, run2),
        'v2.full-journey.release-planning-run',
      );
      const follow = await waitForPlan(
        handle,
        (p) => p.stage === 'FOLLOW_UP' && p.run === 3 && !!p.appointmentId,
        'follow-up run',
      );
      await tell(handle, attendanceRecordedUpdate, {
        appointmentId: follow.appointmentId!,
        attendance: 'YES',
        attendedAt: await nowIso(),
      });
      await waitForPlan(
        handle,
        (p) => deadline(p, 'firstAppointment')?.status === 'MET',
        'first appointment met',
      );
      await advance(env, '120 days', handle);
      const closed = await waitForPlan(handle, atStage('CLOSED'), 'closed');
      await recordHistory(handle, 'v2.full-journey.follow-up-run');
      return closed;
    });

    expect(final.closureReason).toBe('FOLLOW_UP_COMPLETE');
    expect(final.stagesDone).toEqual([
      'RECEPTION',
      'CORE_SCREEN',
      'COMPREHENSIVE_SCREEN',
      'REFERRAL',
      'STANDARD_REVIEWS',
      'SUMMARY_REVIEW',
      'PRE_RELEASE_MEETING',
      'AWAITING_RELEASE',
      'FOLLOW_UP',
    ]);
    expect(final.deadlines.map((d) => [d.clock, d.status])).toEqual([
      ['coreScreen', 'MET'],
      ['comprehensiveScreen', 'MET'],
      ['referralAcknowledgement', 'MET'],
      ['summaryReview', 'MET'],
      ['preReleaseMeeting', 'MET'],
      // Each need referral's acknowledgement (need-referral-clocks-1).
      ['referralAcknowledgement', 'MET'],
      ['referralAcknowledgement', 'MET'],
      ['firstAppointment', 'MET'],
    ]);
    // The exact set of effects: nothing cancelled, no breach, the agency told once (of the release).
    expect(tally(acts.effects)).toEqual({
      coreScreenRequested: 1,
      assessmentRequested: 2, // comprehensive screen, summary review
      agencyLookedUp: 1,
      // The justice social work referral, and one per need to the agency chosen for it.
      agencyChosen: 2,
      referralSent: 3,
      meetingBooked: 3, // two visits, one pre-release meeting
      gatePickupBooked: 1,
      agencyNotified: 1, // the release, once it settled (release-notice-1)
      appointmentBooked: 1,
      caseClosed: 1,
    });
    expect(acts.effects.filter(of('agencyNotified')).map((n) => n.subject)).toEqual(['RELEASED']);
    // Told before the first appointment was booked.
    expect(acts.effects.findIndex(of('agencyNotified'))).toBeLessThan(
      acts.effects.findIndex(of('appointmentBooked')),
    );
    expect(acts.effects.filter(of('referralSent')).map((r) => r.pathways)).toEqual([
      ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
      ['ACCOMMODATION'],
      ['DRUGS_AND_ALCOHOL'],
    ]);
    expect(acts.stages).toEqual([...final.stagesDone.slice(1), 'CLOSED']);
  });

  it('records each missed custody clock once, closes it late when met, and closes the case on request', async () => {
    const acts = recordingActivities();
    const input = await receptionInput(env, {
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      establishmentCode: 'LEI',
    });
    const policy = policyFor('ENGLAND_AND_WALES', input.receivedAt.slice(0, 10));
    const comprehensiveDue = deadlineFor(policy, 'comprehensiveScreen', new Date(input.receivedAt));
    const final = await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const first = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await skipTo(env, comprehensiveDue.getTime() + 3_600_000, handle);
      const late = await waitForPlan(
        handle,
        (p) => p.deadlines.filter((d) => d.status === 'BREACHED').length === 2,
        'two breaches',
      );
      expect(late.deadlines.map((d) => [d.clock, d.status])).toEqual([
        ['coreScreen', 'BREACHED'],
        ['comprehensiveScreen', 'BREACHED'],
      ]);
      // Nothing is requested twice and nothing breaches twice while the loop keeps waking.
      await advance(env, '2 days', handle);
      const run1 = await currentRunId(handle);
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: first.assessmentId!,
        needs: [],
        riskOfSeriousHarm: 'LOW',
        completedAt: await nowIso(),
      });
      await completeAssessment(env, handle, acts, 'COMPREHENSIVE_SCREEN', []);
      await waitForNextRun(handle, run1);
      const metLate = await waitForPlan(
        handle,
        (p) => p.deadlines.every((d) => d.status === 'MET_LATE'),
        'met late',
      );
      expect(metLate.stage).toBe('STANDARD_REVIEWS');
      await tell(handle, caseCloseRequestedUpdate, { reason: 'DECEASED', requestedAt: await nowIso() });
      const closed = await waitForPlan(handle, atStage('CLOSED'), 'closed');
      await recordHistory(handle, 'v2.breaches-met-late.closed-deceased');
      return closed;
    });
    expect(final.closureReason).toBe('DECEASED');
    expect(tally(acts.effects)).toEqual({
      coreScreenRequested: 1,
      assessmentRequested: 1,
      breachRecorded: 2,
      breachMet: 2,
      caseClosed: 1,
    });
    const breaches = acts.effects.filter(
      (e): e is Extract<Effect, { kind: 'breachRecorded' }> => e.kind === 'breachRecorded',
    );
    expect(breaches.map((b) => [b.clock, b.owedBy, b.owedTo])).toEqual([
      ['coreScreen', 'prison:LEI', 'person'],
      ['comprehensiveScreen', 'prison:LEI', 'person'],
    ]);
    expect(breaches[1]!.dueAt).toBe(comprehensiveDue.toISOString());
    // No needs: no referral and nobody to tell.
    expect(count(acts.effects, 'agencyLookedUp')).toBe(0);
  });

  it('records one breach for every clock nobody meets in time, and closes each when it is met late', async () => {
    const acts = recordingActivities();
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 120 * DAY)) });
    const policy = policyFor('SCOTLAND', input.receivedAt.slice(0, 10));
    const due: Record<string, string> = {};
    let needAgency = '';
    const final = await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      const sentAt = referred.deadlines.find((d) => d.clock === 'referralAcknowledgement')!.startedAt;
      due.referralAcknowledgement = deadlineFor(
        policy,
        'referralAcknowledgement',
        new Date(sentAt),
      ).toISOString();
      // Visits are booked only once the referral is acknowledged: skip with nothing booked.
      await skipTo(env, Date.parse(due.referralAcknowledgement) + 3_600_000, handle);
      await waitForPlan(
        handle,
        (p) => deadline(p, 'referralAcknowledgement')?.status === 'BREACHED',
        'ack breached',
      );
      const run1 = await currentRunId(handle);
      await acknowledgeReferral(env, handle, referred.referralId!);
      await waitForNextRun(handle, run1);

      const liberation = startOfLocalDay(referred.liberationDate!);
      due.summaryReview = deadlineFor(policy, 'summaryReview', liberation).toISOString();
      await skipTo(env, Date.parse(due.summaryReview) + 3_600_000, handle);
      await waitForPlan(
        handle,
        (p) => deadline(p, 'summaryReview')?.status === 'BREACHED',
        'summary breached',
      );
      // The accommodation need's agency did not acknowledge its referral in time either: now, late.
      const needSent = acts.effects.filter(of('referralSent'))[1]!;
      due.needReferralAcknowledgement = needSent.acknowledgeBy;
      needAgency = needSent.agencyId;
      await tell(handle, referralAcknowledgedUpdate, {
        referralId: needSent.referralId,
        acknowledgedAt: await nowIso(),
        acknowledgedBy: 'housing duty team',
      });
      await completeAssessment(env, handle, acts, 'SUMMARY_REVIEW', ['ACCOMMODATION']);

      due.preReleaseMeeting = deadlineFor(policy, 'preReleaseMeeting', liberation).toISOString();
      await skipTo(env, Date.parse(due.preReleaseMeeting) + 3_600_000, handle);
      const late = await waitForPlan(
        handle,
        (p) =>
          deadline(p, 'preReleaseMeeting')?.status === 'BREACHED' &&
          live(p, 'PRE_RELEASE_MEETING').length === 1,
        'meeting breached',
      );
      await tell(handle, meetingHeldUpdate, {
        bookingId: live(late, 'PRE_RELEASE_MEETING')[0]!.bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: await nowIso(),
      });
      await waitForPlan(handle, atStage('AWAITING_RELEASE'), 'awaiting release');

      await skipTo(env, liberation.getTime() + 9 * 3_600_000, handle);
      const releasedAt = await nowIso();
      due.firstAppointment = deadlineFor(policy, 'firstAppointment', new Date(releasedAt)).toISOString();
      const run2 = await currentRunId(handle);
      await tell(handle, releaseRecordedUpdate, { releasedAt, establishmentCode: 'BAR' });
      await skipTo(env, Date.parse(due.firstAppointment) + 3_600_000, handle);
      await waitForNextRun(handle, run2);
      const missed = await waitForPlan(
        handle,
        (p) => deadline(p, 'firstAppointment')?.status === 'BREACHED' && !!p.appointmentId,
        'first appointment breached',
      );
      await tell(handle, attendanceRecordedUpdate, {
        appointmentId: missed.appointmentId!,
        attendance: 'YES',
        attendedAt: await nowIso(),
      });
      await waitForPlan(handle, (p) => deadline(p, 'firstAppointment')?.status === 'MET_LATE', 'met late');
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'OTHER',
        requestedAt: await nowIso(),
        note: 'test over',
      });
      const closed = await waitForPlan(handle, atStage('CLOSED'), 'closed');
      await recordHistory(handle, 'v2.every-clock-breached-met-late');
      return closed;
    });
    const breaches = acts.effects.filter(
      (e): e is Extract<Effect, { kind: 'breachRecorded' }> => e.kind === 'breachRecorded',
    );
    expect(breaches.map((b) => [b.clock, b.dueAt])).toEqual([
      ['referralAcknowledgement', due.referralAcknowledgement],
      ['referralAcknowledgement', due.needReferralAcknowledgement],
      ['summaryReview', due.summaryReview],
      ['preReleaseMeeting', due.preReleaseMeeting],
      ['firstAppointment', due.firstAppointment],
    ]);
    expect(breaches.map((b) => [b.owedBy, b.owedTo])).toEqual([
      [`agency:cjsw-${input.homeLocalAuthority}`, 'prison:BAR'],
      [`agency:${needAgency}`, 'prison:BAR'],
      ['prison:BAR', `agency:cjsw-${input.homeLocalAuthority}`],
      [`prison:BAR and agency:cjsw-${input.homeLocalAuthority}`, 'person'],
      [`agency:cjsw-${input.homeLocalAuthority}`, 'person'],
    ]);
    expect(count(acts.effects, 'breachMet')).toBe(5);
    // Clocks are watched on their own: each breach is recorded within 5 s of its due instant.
    for (const b of breaches) {
      expect(Date.parse(b.breachedAt) - Date.parse(b.dueAt)).toBeGreaterThanOrEqual(0);
      expect(Date.parse(b.breachedAt) - Date.parse(b.dueAt)).toBeLessThanOrEqual(5_000);
    }
    expect(final.deadlines.map((d) => [d.clock, d.status])).toEqual([
      ['coreScreen', 'MET'],
      ['comprehensiveScreen', 'MET'],
      ['referralAcknowledgement', 'MET_LATE'],
      ['summaryReview', 'MET_LATE'],
      ['preReleaseMeeting', 'MET_LATE'],
      ['referralAcknowledgement', 'MET_LATE'],
      ['firstAppointment', 'MET_LATE'],
    ]);
  });

  it('waits in REFERRAL when the directory lists no agency for the area, asking again each day', async () => {
    const acts = recordingActivities({ agencyMissing: true });
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: ['HEALTH'],
        riskOfSeriousHarm: 'LOW',
        completedAt: await nowIso(),
      });
      await completeAssessment(env, handle, acts, 'COMPREHENSIVE_SCREEN', ['HEALTH']);
      const waiting = await waitForPlan(
        handle,
        (p) => p.stage === 'REFERRAL' && p.working === false && count(acts.effects, 'agencyLookedUp') === 1,
        'waiting on the directory',
      );
      expect(waiting.waitingOn).toBe(`directory: no agency listed for ${input.homeLocalAuthority}`);
      // Somebody is told (v3): one acknowledgement item for the directory's administrators.
      expect(waiting.attention).toEqual([
        expect.objectContaining({
          action: `directory:no-agency:${input.homeLocalAuthority}:CJSW`,
          errorType: 'AGENCY_NOT_FOUND',
          options: ['SKIP'],
          status: 'OPEN',
        }),
      ]);
      await advance(env, '2 days', handle);
      await waitForPlan(handle, () => count(acts.effects, 'agencyLookedUp') === 3, 'asked again each day');
      await tell(handle, caseCloseRequestedUpdate, { reason: 'DEPORTED', requestedAt: await nowIso() });
      await settleAttention(handle); // closed, and its acknowledgement item closed with it
      await recordHistory(handle, 'v2.no-agency.closed-deported');
    });
    expect(tally(acts.effects)).toEqual({
      coreScreenRequested: 1,
      assessmentRequested: 1,
      agencyLookedUp: 3,
      caseClosed: 1,
      attentionRecorded: 2, // raised once (not each day), closed with the case
    });
  });

  it('asks for standard reviews six months in, then a year after the last, until release planning takes over', async () => {
    const acts = recordingActivities();
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 700 * DAY)) });
    const policy = policyFor('SCOTLAND', input.receivedAt.slice(0, 10));
    const firstDue = deadlineFor(policy, 'firstStandardReview', new Date(input.receivedAt));
    const final = await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const referred = await screenAndRefer(env, handle, acts, ['HEALTH']);
      const run1 = await currentRunId(handle);
      await acknowledgeReferral(env, handle, referred.referralId!);
      await waitForNextRun(handle, run1);
      await waitForPlan(handle, (p) => p.stage === 'STANDARD_REVIEWS' && p.run === 2, 'reviews, run 2');
      expect(acts.effects.some(requestOf('STANDARD_REVIEW'))).toBe(false);

      await skipTo(env, firstDue.getTime() - 27 * DAY, handle);
      const first = await waitForEffect(acts, requestOf('STANDARD_REVIEW', 1), 'first review request');
      expect(first.dueBy).toBe(firstDue.toISOString());
      await completeAssessment(env, handle, acts, 'STANDARD_REVIEW', ['HEALTH', 'FINANCE_AND_ID'], 1);
      const completedAt = await env.currentTimeMs();
      const secondDue = deadlineFor(policy, 'standardReview', new Date(completedAt));

      await skipTo(env, secondDue.getTime() - 27 * DAY, handle);
      const second = await waitForEffect(acts, requestOf('STANDARD_REVIEW', 2), 'second review request');
      expect(second.dueBy).toBe(secondDue.toISOString());
      const plan = await waitForPlan(
        handle,
        (p) => p.deadlines.some((d) => d.clock === 'standardReview'),
        'second review clock',
      );
      expect(plan.needs).toEqual(['HEALTH', 'FINANCE_AND_ID']);
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'TRANSFERRED_OUT_OF_JURISDICTION',
        requestedAt: await nowIso(),
        note: 'moved to Northern Ireland',
      });
      const closed = await waitForPlan(handle, atStage('CLOSED'), 'closed');
      await recordHistory(handle, 'v2.standard-reviews.closed-out-of-jurisdiction');
      return closed;
    });
    expect(final.deadlines.map((d) => [d.clock, d.status])).toEqual([
      ['coreScreen', 'MET'],
      ['comprehensiveScreen', 'MET'],
      ['referralAcknowledgement', 'MET'],
      ['firstStandardReview', 'MET'],
      ['standardReview', 'CANCELLED'],
    ]);
    // Closing compensates: both visits cancelled, the referral withdrawn, the agency told once.
    expect(tally(acts.effects)).toEqual({
      coreScreenRequested: 1,
      assessmentRequested: 3,
      agencyLookedUp: 1,
      referralSent: 1,
      meetingBooked: 2,
      meetingCancelled: 2,
      referralWithdrawn: 1,
      agencyNotified: 1,
      caseClosed: 1,
    });
    expect(acts.effects.find((e) => e.kind === 'agencyNotified')).toMatchObject({ subject: 'CASE_CLOSED' });
    expect(acts.effects.find((e) => e.kind === 'caseClosed')).toMatchObject({
      reason: 'TRANSFERRED_OUT_OF_JURISDICTION',
    });
  });
});
