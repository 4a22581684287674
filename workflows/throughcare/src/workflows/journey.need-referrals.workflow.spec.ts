import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  agencyAttendanceRecordedUpdate,
  assessmentCompletedUpdate,
  caseCloseRequestedUpdate,
  needStoppedUpdate,
  coreScreenCompletedUpdate,
  referralAcknowledgedUpdate,
  referralClosedUpdate,
  referralOutcomeUpdate,
  releaseDateChangedUpdate,
  releaseRecordedUpdate,
  resolveAttentionUpdate,
  returnedToCustodyUpdate,
  throughcareWorkflowId,
  type NeedReferralView,
  planQuery,
  type PlanView,
} from '@throughcare/contracts';
import {
  acknowledgeReferral,
  type Effect,
  advance,
  of,
  receptionInput,
  recordHistory,
  recordingActivities,
  requestOf,
  screenAndRefer,
  serverNow,
  settleAttention,
  skipTo,
  startJourney,
  tell,
  waitForEffect,
  waitForPlan,
  withWorkers,
  useJourneyEnvironment,
} from './journey-harness';

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

/** The need's referral as the plan shows it. */
const need = (p: PlanView, pathway: string): NeedReferralView | undefined =>
  p.needReferrals?.find((n) => n.pathway === pathway);

/** The plan once the ACCOMMODATION and HEALTH needs are both referred. */
const bothNeedsReferred = (handle: WorkflowHandle) =>
  waitForPlan(
    handle,
    (p) => need(p, 'ACCOMMODATION')?.status === 'SENT' && need(p, 'HEALTH')?.status === 'SENT',
    'both needs referred',
  );

/** A reception whose release is 40 days away: release planning is open, so its needs are due at once. */
async function releaseIn40Days() {
  const base = await receptionInput(env);
  const days40 = new Date(Date.parse(base.receivedAt) + 40 * 86_400_000);
  return { ...base, expectedReleaseDate: days40.toISOString().slice(0, 10) };
}

/**
 * The core screen finds an accommodation need, the justice social work team acknowledges its
 * referral: the team's referral, and the plan once the need's own referral is sent.
 */
async function referAccommodationAcknowledged(
  handle: WorkflowHandle,
  acts: { effects: Effect[] },
): Promise<{ referred: PlanView; sent: PlanView }> {
  const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
  await acknowledgeReferral(env, handle, referred.referralId!);
  const sent = await waitForPlan(handle, (p) => need(p, 'ACCOMMODATION')?.status === 'SENT', 'need referred');
  return { referred, sent };
}

/** The accommodation need's agency declines `referralId`: the plan once it is referred to housing-2. */
async function declinedAndMovedOn(
  handle: WorkflowHandle,
  referralId: string,
  reason: string,
): Promise<PlanView> {
  await tell(handle, referralOutcomeUpdate, {
    referralId,
    decision: 'DECLINED',
    reason,
    decidedAt: await serverNow(env),
  });
  return waitForPlan(
    handle,
    (p) => need(p, 'ACCOMMODATION')?.agencyId === 'housing-2' && need(p, 'ACCOMMODATION')?.status === 'SENT',
    'referred to the next agency',
  );
}

/** A date of birth on the 1st of the reception's month, 30 years before: 30 for the rest of the month. */
const thirtyOnReception = (receivedAt: string) =>
  `${Number(receivedAt.slice(0, 4)) - 30}${receivedAt.slice(4, 8)}01`;

/** The directory asked for the WOMEN_ABUSE_AND_VIOLENCE need's agency, with what it was told. */
const womensAgencyChosen = (acts: { effects: Effect[] }, what: string) =>
  waitForEffect(
    acts,
    (e): e is Extract<Effect, { kind: 'agencyChosen' }> =>
      e.kind === 'agencyChosen' && e.pathway === 'WOMEN_ABUSE_AND_VIOLENCE',
    what,
  );

/** The attention item telling prison staff of the accommodation need's gap. */
const gapItem = (p: PlanView) => p.attention?.find((a) => a.action.startsWith('need:ACCOMMODATION:gap:'));

describe('journey: one referral per need (referral-per-need-1, issue 9)', () => {
  it('refers each need to the agency chosen for it; a decline moves it on; an earlier agency accepting takes it back; none left is a gap (an item for staff) asked again daily; closing withdraws what is open', async () => {
    const options = { eligibleAgencies: ['housing-1', 'housing-2'] };
    const acts = recordingActivities(options);
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await screenAndRefer(env, handle, acts, ['ACCOMMODATION', 'HEALTH']);
      const sent = await bothNeedsReferred(handle);
      expect(need(sent, 'ACCOMMODATION')).toMatchObject({
        agencyId: 'housing-1',
        serviceId: 'housing-1-ACCOMMODATION',
      });
      // One referral per need, each to its agency with its pathway, beside the justice social work
      // one; each with the liberation date planned and the core screen's risk.
      expect(
        acts.effects
          .filter(of('referralSent'))
          .map((r) => [r.agencyId, r.pathways.join('+'), r.liberationDate, r.riskOfSeriousHarm]),
      ).toEqual([
        ['cjsw-S12000036', 'ACCOMMODATION+HEALTH', sent.liberationDate, 'LOW'],
        ['housing-1', 'ACCOMMODATION', sent.liberationDate, 'LOW'],
        ['housing-1', 'HEALTH', sent.liberationDate, 'LOW'],
      ]);

      // The housing agency acknowledges, then declines: the need goes to the next eligible agency.
      const first = need(sent, 'ACCOMMODATION')!.referralId!;
      await tell(handle, referralAcknowledgedUpdate, {
        referralId: first,
        acknowledgedAt: await serverNow(env),
        acknowledgedBy: 'housing options duty team',
      });
      const moved = await declinedAndMovedOn(handle, first, 'no capacity until June');
      expect(need(moved, 'ACCOMMODATION')!.tried).toEqual([
        {
          agencyId: 'housing-1',
          referralId: first,
          rule: 'harness',
          status: 'ENDED',
          endedBecause: 'declined: no capacity until June',
        },
        {
          agencyId: 'housing-2',
          referralId: need(moved, 'ACCOMMODATION')!.referralId,
          rule: 'harness',
          status: 'SENT',
        },
      ]);
      // The justice social work referral is untouched by the housing agency's answers.
      expect(moved.referralOutcomes).toEqual([]);

      // The second declines too: no eligible agency is left, a gap prison staff see.
      await tell(handle, referralOutcomeUpdate, {
        referralId: need(moved, 'ACCOMMODATION')!.referralId!,
        decision: 'DECLINED',
        reason: 'outside our criteria',
        decidedAt: await serverNow(env),
      });
      const gap = await waitForPlan(
        handle,
        (p) => need(p, 'ACCOMMODATION')?.status === 'GAP' && gapItem(p)?.status === 'OPEN',
        'a gap, and its item for prison staff',
      );
      expect(need(gap, 'ACCOMMODATION')!.gap).toBeDefined();
      expect(gapItem(gap)).toMatchObject({ errorType: 'NEED_GAP', options: ['SKIP'] });
      expect(need(gap, 'HEALTH')!.status).toBe('SENT');

      // The health agency declines, the need moves on, then it thinks again and accepts: it takes
      // the need back and the referral to the agency after it is withdrawn.
      const health = need(gap, 'HEALTH')!.referralId!;
      await tell(handle, referralOutcomeUpdate, {
        referralId: health,
        decision: 'DECLINED',
        reason: 'clinic full',
        decidedAt: await serverNow(env),
      });
      const healthMoved = await waitForPlan(
        handle,
        (p) => need(p, 'HEALTH')?.agencyId === 'housing-2' && need(p, 'HEALTH')?.status === 'SENT',
        'the health need referred to the next agency',
      );
      const healthSecond = need(healthMoved, 'HEALTH')!.referralId!;
      await tell(handle, referralOutcomeUpdate, {
        referralId: health,
        decision: 'ACCEPTED',
        decidedAt: await serverNow(env),
      });
      const takenBack = await waitForPlan(
        handle,
        (p) =>
          need(p, 'HEALTH')?.agencyId === 'housing-1' &&
          need(p, 'HEALTH')?.tried[1]?.endedBecause !== undefined,
        'the health need back with the first agency',
      );
      expect(need(takenBack, 'HEALTH')).toMatchObject({ status: 'ACCEPTED', referralId: health });
      expect(need(takenBack, 'HEALTH')!.tried[1]).toMatchObject({
        agencyId: 'housing-2',
        endedBecause: 'withdrawn: housing-1 took the need on',
      });
      expect(acts.effects.filter(of('referralWithdrawn'))).toEqual([
        expect.objectContaining({ referralId: healthSecond, reason: 'another agency took the need on' }),
      ]);

      // The health agency's work ends: the plan shows what it achieved (the journey acts as before).
      await tell(handle, referralClosedUpdate, {
        referralId: health,
        outcome: 'PARTIALLY_ACHIEVED',
        closedAt: await serverNow(env),
      });
      const finished = await waitForPlan(
        handle,
        (p) => need(p, 'HEALTH')?.status === 'CLOSED_BY_AGENCY',
        'the health need closed by its agency',
      );
      expect(need(finished, 'HEALTH')).toMatchObject({
        agencyId: 'housing-1',
        referralId: health,
        closure: { outcome: 'PARTIALLY_ACHIEVED' },
      });

      // A new agency is listed; the next day's question refers the need to it.
      options.eligibleAgencies = ['housing-1', 'housing-2', 'housing-3'];
      await advance(env, '1 day', handle);
      const listed = await waitForPlan(
        handle,
        (p) =>
          need(p, 'ACCOMMODATION')?.agencyId === 'housing-3' && need(p, 'ACCOMMODATION')?.status === 'SENT',
        'referred to the agency listed since',
      );
      // The gap's item is closed by the journey once an agency is found.
      expect(gapItem(listed)).toMatchObject({ status: 'RESOLVED', resolution: { by: 'throughcare' } });
      const open = [need(listed, 'ACCOMMODATION')!.referralId!, health];

      // The case closes: both open need referrals are withdrawn, with the justice social work one.
      await tell(handle, caseCloseRequestedUpdate, { reason: 'DEPORTED', requestedAt: await serverNow(env) });
      await settleAttention(handle);
      // The main referral (never acknowledged here) is withdrawn at the case's end, as the plan says.
      const ended = await handle.query(planQuery);
      expect([ended.referralAcknowledgedAt, ended.referralWithdrawn]).toEqual([undefined, true]);
      const withdrawn = acts.effects.filter(of('referralWithdrawn')).map((w) => w.referralId);
      expect(withdrawn).toEqual(expect.arrayContaining([...open, healthSecond]));
      expect(withdrawn).toHaveLength(4);
      // The first recording (before the agency's closure was in the scenario) is kept beside it.
      await recordHistory(handle, 'v3.referral-per-need.declined-gap-closed-listed-withdrawn');
    });
  });

  it('an earlier agency accepting the need after the liberation date moved months later still takes it back: the other referral is withdrawn (need-superseded-undue-1)', async () => {
    const acts = recordingActivities({ eligibleAgencies: ['housing-1', 'housing-2'] });
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const { sent } = await referAccommodationAcknowledged(handle, acts);
      const first = need(sent, 'ACCOMMODATION')!.referralId!;
      const moved = await declinedAndMovedOn(handle, first, 'no capacity');
      const second = need(moved, 'ACCOMMODATION')!.referralId!;
      // The liberation date moves half a year on: release planning closes, the needs are not due.
      const later = new Date(Date.parse(input.receivedAt) + 220 * 86_400_000).toISOString().slice(0, 10);
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: later,
        reason: 'RECALCULATION',
        changedAt: await serverNow(env),
      });
      await waitForPlan(handle, (p) => p.liberationDate === later && !p.working, 'the new date planned');
      // The first agency thinks again and accepts: it takes the need back.
      await tell(handle, referralOutcomeUpdate, {
        referralId: first,
        decision: 'ACCEPTED',
        decidedAt: await serverNow(env),
      });
      const takenBack = await waitForPlan(
        handle,
        (p) => need(p, 'ACCOMMODATION')?.tried[1]?.endedBecause !== undefined && !p.working,
        'the other referral withdrawn',
      );
      expect(need(takenBack, 'ACCOMMODATION')).toMatchObject({
        status: 'ACCEPTED',
        agencyId: 'housing-1',
        referralId: first,
      });
      expect(need(takenBack, 'ACCOMMODATION')!.tried[1]).toMatchObject({
        agencyId: 'housing-2',
        endedBecause: 'withdrawn: housing-1 took the need on',
      });
      expect(acts.effects.filter(of('referralWithdrawn'))).toEqual([
        expect.objectContaining({ referralId: second, reason: 'another agency took the need on' }),
      ]);
      await recordHistory(handle, 'v3.need-superseded-undue.taken-back-after-date-moved');
    });
  });

  it("runs a clock for each need referral's acknowledgement: breached when its agency does not answer in time, met late when it does (need-referral-clocks-1)", async () => {
    const acts = recordingActivities({ eligibleAgencies: ['housing-1'] });
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      // The justice social work team acknowledges in time; the housing agency does not.
      const { sent } = await referAccommodationAcknowledged(handle, acts);
      expect(sent.referralAcknowledgedAt).toEqual(expect.any(String));
      const referralId = need(sent, 'ACCOMMODATION')!.referralId!;
      const sentTo = acts.effects.filter(of('referralSent')).find((r) => r.referralId === referralId)!;
      const clock = (p: PlanView) =>
        p.deadlines.find((d) => d.clock === 'referralAcknowledgement' && d.owedBy === 'agency:housing-1');
      expect(clock(sent)).toMatchObject({
        status: 'OPEN',
        dueAt: sentTo.acknowledgeBy,
        note: "the ACCOMMODATION need's referral",
      });

      await skipTo(env, Date.parse(sentTo.acknowledgeBy) + 1_000, handle);
      const breach = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'breachRecorded' }> =>
          e.kind === 'breachRecorded' && e.owedBy === 'agency:housing-1',
        "the need referral's acknowledgement breach",
      );
      expect(breach).toMatchObject({ clock: 'referralAcknowledgement', dueAt: sentTo.acknowledgeBy });
      expect(Date.parse(breach.breachedAt) - Date.parse(sentTo.acknowledgeBy)).toBeLessThanOrEqual(5_000);

      // It answers a day late: the breach stays on record, closed with its lateness.
      await advance(env, '1 day', handle);
      await tell(handle, referralAcknowledgedUpdate, {
        referralId,
        acknowledgedAt: await serverNow(env),
        acknowledgedBy: 'housing options duty team',
      });
      await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'breachMet' }> => e.kind === 'breachMet' && e.key === breach.key,
        'the breach met late',
      );
      const late = await waitForPlan(handle, (p) => clock(p)?.status === 'MET_LATE', 'the clock met late');
      expect(need(late, 'ACCOMMODATION')!.status).toBe('ACKNOWLEDGED');
      // The justice social work referral's own clock was met in time.
      expect(late.deadlines.find((d) => d.owedBy === 'agency:cjsw-S12000036')?.status).toBe('MET');
      await recordHistory(handle, 'v3.need-referral-clocks.unanswered-breached-met-late');
    });
  });

  it("follows the appointments agencies book themselves: the team's own meets the release's first appointment, a need agency that never sees the person breaches its own (agency-appointments-1)", async () => {
    const acts = recordingActivities({ eligibleAgencies: ['housing-1'] });
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const { referred, sent } = await referAccommodationAcknowledged(handle, acts);
      const housing = need(sent, 'ACCOMMODATION')!.referralId!;
      await tell(handle, referralOutcomeUpdate, {
        referralId: housing,
        decision: 'ACCEPTED',
        decidedAt: await serverNow(env),
      });
      // Released early: once the release has settled the housing agency owes a first appointment.
      const releasedAt = await serverNow(env);
      await tell(handle, releaseRecordedUpdate, { releasedAt, establishmentCode: input.establishmentCode });
      await advance(env, '46 minutes', handle);
      const owed = (p: PlanView) =>
        p.deadlines.find((d) => d.clock === 'firstAppointment' && d.owedBy === 'agency:housing-1');
      const released = await waitForPlan(
        handle,
        (p) => owed(p)?.status === 'OPEN' && !p.working,
        'clock owed',
      );
      expect(owed(released)).toMatchObject({ owedTo: 'person', startedAt: releasedAt });

      // The justice social work team sees the person at an appointment it booked itself.
      await advance(env, '1 day', handle);
      await tell(handle, agencyAttendanceRecordedUpdate, {
        referralId: referred.referralId!,
        appointmentId: randomUUID(),
        agencyId: 'cjsw-S12000036',
        attendance: 'YES',
        attendedAt: await serverNow(env),
      });
      const team = (p: PlanView) =>
        p.deadlines.find((d) => d.clock === 'firstAppointment' && d.owedBy === 'agency:cjsw-S12000036');
      await waitForPlan(handle, (p) => team(p)?.status === 'MET', "the team's first appointment met");

      // The housing agency does not see the person in time: a breach, met late when it does.
      await skipTo(env, Date.parse(owed(released)!.dueAt) + 1_000, handle);
      const breach = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'breachRecorded' }> =>
          e.kind === 'breachRecorded' && e.owedBy === 'agency:housing-1' && e.clock === 'firstAppointment',
        "the housing agency's first-appointment breach",
      );
      expect(breach.dueAt).toBe(owed(released)!.dueAt);
      await advance(env, '1 day', handle);
      await tell(handle, agencyAttendanceRecordedUpdate, {
        referralId: housing,
        appointmentId: randomUUID(),
        agencyId: 'housing-1',
        attendance: 'YES',
        attendedAt: await serverNow(env),
      });
      await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'breachMet' }> => e.kind === 'breachMet' && e.key === breach.key,
        'the breach met late',
      );
      const late = await waitForPlan(handle, (p) => owed(p)?.status === 'MET_LATE', 'met late');
      expect(need(late, 'ACCOMMODATION')!.tried[0]!.attendances).toEqual([
        expect.objectContaining({ attendance: 'YES' }),
      ]);
      expect(team(late)?.status).toBe('MET');
      await recordHistory(handle, 'v3.agency-appointments.team-met-need-breached-met-late');
    });
  });

  it("asks the directory with the person's sex and their age on the day, the age asked of the liberation service (need-age-asked-1), and with neither when not recorded", async () => {
    for (const recorded of [true, false]) {
      const base = await releaseIn40Days();
      // The liberation service's record; the journey's input never carries the date of birth.
      const datesOfBirth = recorded ? { [base.personId]: thirtyOnReception(base.receivedAt) } : {};
      const acts = recordingActivities({ eligibleAgencies: ['womens-1'], datesOfBirth });
      const input = recorded ? { ...base, sex: 'FEMALE' as const } : base;
      await withWorkers(env, acts, async () => {
        const handle = await startJourney(env, input);
        await screenAndRefer(env, handle, acts, ['WOMEN_ABUSE_AND_VIOLENCE']);
        const chosen = await womensAgencyChosen(acts, 'the need agency chosen');
        if (recorded) expect(chosen).toMatchObject({ sex: 'FEMALE', age: 30 });
        else expect([chosen.sex, chosen.age]).toEqual([undefined, undefined]);
        if (recorded) await recordHistory(handle, 'v3.need-age-asked.asked-of-liberation');
      });
    }
  });

  it('asks the directory without the age when the liberation service has no record of the episode', async () => {
    const base = await releaseIn40Days();
    const acts = recordingActivities({
      eligibleAgencies: ['womens-1'],
      datesOfBirth: { [base.personId]: thirtyOnReception(base.receivedAt) },
      failing: { personAgeOn: 'permanent' },
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, { ...base, sex: 'FEMALE' as const });
      await screenAndRefer(env, handle, acts, ['WOMEN_ABUSE_AND_VIOLENCE']);
      const chosen = await womensAgencyChosen(acts, 'the need agency chosen');
      expect([chosen.sex, chosen.age]).toEqual(['FEMALE', undefined]);
      const plan = await waitForPlan(handle, (p) => !p.working, 'journey waiting');
      expect(plan.attention ?? []).toEqual([]);
    });
  });

  it('asks the directory without the age when the liberation service does not answer within ten minutes (an outage does not hold the lane)', async () => {
    const base = await releaseIn40Days();
    const acts = recordingActivities({
      eligibleAgencies: ['womens-1'],
      datesOfBirth: { [base.personId]: thirtyOnReception(base.receivedAt) },
      failing: { personAgeOn: 'transient' },
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, { ...base, sex: 'FEMALE' as const });
      // The core screen's need is referred at once (release planning is open); the journey works on
      // it from here on, so nothing more is told until the choice is made.
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: ['WOMEN_ABUSE_AND_VIOLENCE'],
        riskOfSeriousHarm: 'LOW',
        completedAt: await serverNow(env),
      });
      // The service is down: its attempts are retried, and nothing is chosen yet.
      // (Retried at 1 s doubling: the attempt after the one at about 8.5 minutes would come after
      // the 10-minute bound, so the server gives up then.)
      await advance(env, '8 minutes', handle);
      expect(
        acts.effects.filter((e) => e.kind === 'agencyChosen' && e.pathway === 'WOMEN_ABUSE_AND_VIOLENCE'),
      ).toEqual([]);
      // By eleven minutes the journey has given up on the age and asked the directory without it.
      await advance(env, '3 minutes', handle);
      const chosen = await womensAgencyChosen(acts, 'the need agency chosen without the age');
      expect([chosen.sex, chosen.age]).toEqual(['FEMALE', undefined]);
      const plan = await waitForPlan(handle, (p) => !p.working, 'journey waiting');
      expect(plan.attention ?? []).toEqual([]);
    });
  });

  it("a recall's next episode asks the directory with the person's sex and age too, and no date of birth is handed over", async () => {
    const base = await releaseIn40Days();
    const dateOfBirth = thirtyOnReception(base.receivedAt);
    const acts = recordingActivities({
      client: env.client,
      eligibleAgencies: ['womens-1'],
      datesOfBirth: { [base.personId]: dateOfBirth },
    });
    // Episode 1 started before need-age-asked-1, by a bridge that still put the date in the input.
    const input = { ...base, sex: 'FEMALE' as const, dateOfBirth };
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await tell(handle, releaseRecordedUpdate, {
        releasedAt: await serverNow(env),
        establishmentCode: input.establishmentCode,
      });
      await advance(env, '46 minutes', handle);
      await advance(env, '1 day', handle);
      const now = await serverNow(env);
      await tell(handle, returnedToCustodyUpdate, {
        reason: 'RECALL',
        recallReasonCode: 'L',
        receivedAt: now,
        establishmentCode: input.establishmentCode,
        expectedReleaseDate: new Date(Date.parse(now) + 40 * 86_400_000).toISOString().slice(0, 10),
        sentenceDate: input.sentenceDate,
        sentenceLengthDays: input.sentenceLengthDays,
        newEpisode: 2,
      });
      // No reception signalled to episode 2: only what episode 1 handed over.
      const next = env.client.workflow.getHandle(throughcareWorkflowId(input.personId, 2));
      await screenAndRefer(env, next, acts, ['WOMEN_ABUSE_AND_VIOLENCE']);
      const chosen = await womensAgencyChosen(acts, "episode 2's need agency chosen");
      expect(chosen).toMatchObject({ sex: 'FEMALE', age: 30 });
      expect(acts.effects.filter((e) => e.kind === 'nextEpisodeOpened')).toEqual([
        expect.objectContaining({ fromEpisode: 1, dateOfBirthCarried: false }),
      ]);
      await waitForPlan(next, (p) => !p.working, 'episode 2 waiting');
      // Episode 1 continued as new at its release (follow-up): its run since has no date of birth
      // in its input either.
      const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toBeTruthy();
      const carriedInput = Buffer.from(started!.input!.payloads![0]!.data!).toString('utf8');
      expect(carriedInput).toContain('"sex":"FEMALE"');
      expect(carriedInput).not.toContain('dateOfBirth');
      await recordHistory(handle, 'v3.age-not-carried.recalled-birth-date-not-handed-over');
      await recordHistory(next, 'v3.need-age-asked.next-episode-asked-liberation');
    });
  });

  it('prison staff stop a need already referred: its referral is withdrawn with their reason, it shows NOT_REFERRED; an operator stop is worded as theirs', async () => {
    const acts = recordingActivities({ eligibleAgencies: ['housing-1', 'housing-2'] });
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await screenAndRefer(env, handle, acts, ['ACCOMMODATION', 'HEALTH']);
      const sent = await bothNeedsReferred(handle);
      const housing = need(sent, 'ACCOMMODATION')!.referralId!;
      const reason = 'housed by family; no support wanted';
      await tell(handle, needStoppedUpdate, {
        pathway: 'ACCOMMODATION',
        reason,
        stoppedBy: 'officer-17',
        stoppedAt: await serverNow(env),
      });
      const withdrawn = await waitForEffect(
        acts,
        (e): e is Extract<Effect, { kind: 'referralWithdrawn' }> =>
          e.kind === 'referralWithdrawn' && e.referralId === housing,
        'the housing referral withdrawn',
      );
      expect(withdrawn.reason).toBe(`prison staff stopped referring the need: ${reason}`);
      expect(withdrawn.key).toMatch(/:referral:need:ACCOMMODATION:1:stopped$/);
      const stopped = await waitForPlan(
        handle,
        (p) => need(p, 'ACCOMMODATION')?.status === 'NOT_REFERRED',
        'the need not referred',
      );
      expect(need(stopped, 'ACCOMMODATION')).toMatchObject({
        notReferredBecause: reason,
        stopped: { by: 'officer-17', reason },
      });
      expect(need(stopped, 'HEALTH')?.status).toBe('SENT');
      // A second stop is refused by the journey's validator (the caller sees why). That it is never
      // chosen again is the planner's test (planner-need-referrals.spec.ts).
      await expect(
        tell(handle, needStoppedUpdate, {
          pathway: 'ACCOMMODATION',
          reason: 'again',
          stoppedBy: 'officer-18',
          stoppedAt: await serverNow(env),
        }),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/stopped already/) } });
      await recordHistory(handle, 'v3.need-stopped.withdrawn-not-referred');
      // An operator (not the prison's staff) stops the other need: the agency is told so.
      const health = need(sent, 'HEALTH')!.referralId!;
      await tell(handle, needStoppedUpdate, {
        pathway: 'HEALTH',
        reason: 'duplicate of a community referral',
        stoppedBy: 'operator-3',
        stoppedAs: 'OPERATOR',
        stoppedAt: await serverNow(env),
      });
      const byOperator = await waitForEffect(
        acts,
        (e): e is Extract<Effect, { kind: 'referralWithdrawn' }> =>
          e.kind === 'referralWithdrawn' && e.referralId === health,
        'the health referral withdrawn',
      );
      expect(byOperator.reason).toBe(
        'an operator stopped referring the need: duplicate of a community referral',
      );
      const both = await waitForPlan(
        handle,
        (p) => need(p, 'HEALTH')?.status === 'NOT_REFERRED',
        'the health need not referred',
      );
      expect(need(both, 'HEALTH')?.stopped).toMatchObject({ by: 'operator-3', as: 'OPERATOR' });
      await recordHistory(handle, 'v3.need-stopped.operator-stopped-too');
    });
  });

  it('shows each assessment’s pathways in the plan, and tells prison staff when a later review finds a referred need’s support declined; never withdrawn until they stop it (pathway-outcomes-1)', async () => {
    const acts = recordingActivities({ eligibleAgencies: ['housing-1', 'housing-2'] });
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      const screenedAt = await serverNow(env);
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: ['ACCOMMODATION', 'HEALTH'],
        riskOfSeriousHarm: 'LOW',
        completedAt: screenedAt,
        pathways: [
          { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          { pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' },
          {
            pathway: 'FINANCE_AND_ID',
            status: 'NOT_STARTED',
            skipped: { reason: 'COMPLETED_IN_ANOTHER_PRISON' },
          },
        ],
      });
      const comprehensive = await waitForEffect(
        acts,
        requestOf('COMPREHENSIVE_SCREEN'),
        'comprehensive screen request',
      );
      await tell(handle, assessmentCompletedUpdate, {
        assessmentId: comprehensive.assessmentId,
        kind: 'COMPREHENSIVE_SCREEN',
        needs: ['ACCOMMODATION', 'HEALTH'],
        completedAt: await serverNow(env),
      });
      const sent = await bothNeedsReferred(handle);
      expect(sent.pathways).toEqual([
        {
          pathway: 'ACCOMMODATION',
          status: 'SUPPORT_REQUIRED',
          assessmentId: screening.assessmentId,
          kind: 'CORE_SCREEN',
          completedAt: screenedAt,
        },
        {
          pathway: 'FINANCE_AND_ID',
          status: 'NOT_STARTED',
          skipped: { reason: 'COMPLETED_IN_ANOTHER_PRISON' },
          assessmentId: screening.assessmentId,
          kind: 'CORE_SCREEN',
          completedAt: screenedAt,
        },
        {
          pathway: 'HEALTH',
          status: 'SUPPORT_REQUIRED',
          assessmentId: screening.assessmentId,
          kind: 'CORE_SCREEN',
          completedAt: screenedAt,
        },
      ]);
      expect(sent.attention?.filter((a) => a.action.includes(':no-longer-indicated:'))).toEqual([]);
      // The summary review (release planning is open) finds health support declined.
      const summary = await waitForEffect(acts, requestOf('SUMMARY_REVIEW'), 'summary review request');
      const reviewedAt = await serverNow(env);
      await tell(handle, assessmentCompletedUpdate, {
        assessmentId: summary.assessmentId,
        kind: 'SUMMARY_REVIEW',
        needs: ['ACCOMMODATION'],
        completedAt: reviewedAt,
        pathways: [
          { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          { pathway: 'HEALTH', status: 'SUPPORT_DECLINED' },
        ],
      });
      const action = `need:HEALTH:no-longer-indicated:${summary.assessmentId}`;
      const told = await waitForPlan(
        handle,
        (p) => p.attention?.some((a) => a.action === action && a.status === 'OPEN') ?? false,
        'the item for prison staff',
      );
      const health = need(sent, 'HEALTH')!;
      expect(told.attention!.find((a) => a.action === action)).toMatchObject({
        mustAct: `prison:${input.establishmentCode}`,
        errorType: 'NEED_NO_LONGER_INDICATED',
        options: ['SKIP'],
        what: expect.stringContaining(
          `the SUMMARY_REVIEW ${summary.assessmentId} completed at ${reviewedAt} shows HEALTH SUPPORT_DECLINED (the person declines the support), but the need is still referred to agency:${health.agencyId} (referral ${health.referralId})`,
        ),
      });
      expect(told.pathways?.find((o) => o.pathway === 'HEALTH')).toEqual({
        pathway: 'HEALTH',
        status: 'SUPPORT_DECLINED',
        assessmentId: summary.assessmentId,
        kind: 'SUMMARY_REVIEW',
        completedAt: reviewedAt,
      });
      expect(told.pathways?.map((o) => [o.pathway, o.kind])).toEqual([
        ['ACCOMMODATION', 'SUMMARY_REVIEW'],
        ['FINANCE_AND_ID', 'CORE_SCREEN'],
        ['HEALTH', 'SUMMARY_REVIEW'],
      ]);
      // Not withdrawn by the journey: the referral stands until prison staff stop the need.
      expect(need(told, 'HEALTH')?.status).toBe('SENT');
      expect(acts.effects.filter((e) => e.kind === 'referralWithdrawn')).toEqual([]);
      const reason = 'the person declines health support (summary review)';
      await tell(handle, needStoppedUpdate, {
        pathway: 'HEALTH',
        reason,
        stoppedBy: 'officer-17',
        stoppedAt: await serverNow(env),
      });
      await waitForEffect(
        acts,
        (e): e is Extract<Effect, { kind: 'referralWithdrawn' }> =>
          e.kind === 'referralWithdrawn' && e.referralId === health.referralId,
        'the health referral withdrawn',
      );
      const stopped = await waitForPlan(
        handle,
        (p) =>
          need(p, 'HEALTH')?.status === 'NOT_REFERRED' &&
          (p.attention?.some((a) => a.action === action && a.status === 'RESOLVED') ?? false),
        'the need stopped and the item closed',
      );
      expect(stopped.attention!.find((a) => a.action === action)?.resolution).toMatchObject({
        by: 'throughcare',
        reason: 'prison staff stopped referring the need',
      });
      expect(need(stopped, 'ACCOMMODATION')?.status).toBe('SENT');
      await recordHistory(handle, 'v3.pathway-outcomes.declined-after-referral');
    });
  });

  it('holds a need the comprehensive screen finds declined before any agency is chosen, and refers it once prison staff skip the hold (pathway-hold-1)', async () => {
    const acts = recordingActivities({ eligibleAgencies: ['housing-1', 'housing-2'] });
    // Release half a year away: the needs are referred only once release planning opens.
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: ['ACCOMMODATION', 'HEALTH'],
        riskOfSeriousHarm: 'LOW',
        completedAt: await serverNow(env),
        pathways: [
          { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          { pathway: 'HEALTH', status: 'SUPPORT_REQUIRED' },
        ],
      });
      const comprehensive = await waitForEffect(
        acts,
        requestOf('COMPREHENSIVE_SCREEN'),
        'comprehensive screen request',
      );
      const screenedAt = await serverNow(env);
      await tell(handle, assessmentCompletedUpdate, {
        assessmentId: comprehensive.assessmentId,
        kind: 'COMPREHENSIVE_SCREEN',
        needs: ['ACCOMMODATION'],
        completedAt: screenedAt,
        pathways: [
          { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
          { pathway: 'HEALTH', status: 'SUPPORT_DECLINED' },
        ],
      });
      const screened = await waitForPlan(
        handle,
        (p) => p.pathways?.find((o) => o.pathway === 'HEALTH')?.status === 'SUPPORT_DECLINED',
        'the comprehensive screen applied',
      );
      expect(screened.needReferrals?.map((n) => n.status)).toEqual(['NOT_YET_DUE', 'NOT_YET_DUE']);
      // The date is recalculated 40 days away: release planning opens at once.
      const nearer = new Date((await env.currentTimeMs()) + 40 * 86_400_000).toISOString().slice(0, 10);
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: nearer,
        reason: 'RECALCULATION',
        changedAt: await serverNow(env),
      });
      const action = `need:HEALTH:hold:1:${comprehensive.assessmentId}`;
      const held = await waitForPlan(
        handle,
        (p) =>
          need(p, 'ACCOMMODATION')?.status === 'SENT' &&
          (p.attention?.some((a) => a.action === action && a.status === 'OPEN') ?? false),
        'accommodation referred, health held',
      );
      expect(held.attention!.find((a) => a.action === action)).toMatchObject({
        mustAct: `prison:${input.establishmentCode}`,
        errorType: 'NEED_REFERRAL_HELD',
        options: ['SKIP'],
        what: expect.stringContaining(
          `the COMPREHENSIVE_SCREEN ${comprehensive.assessmentId} completed at ${screenedAt} shows HEALTH SUPPORT_DECLINED (the person declines the support): the HEALTH need is held before choosing an agency, and no referral for it goes to a community agency until prison staff answer`,
        ),
      });
      expect(need(held, 'HEALTH')).toMatchObject({ status: 'NEEDS_ATTENTION' });
      expect(need(held, 'HEALTH')?.referralId).toBeUndefined();
      // Only the accommodation need went to a community agency.
      const sentPathways = () =>
        acts.effects.flatMap((e) =>
          e.kind === 'referralSent' && e.agencyId.startsWith('housing-') ? e.pathways : [],
        );
      expect(sentPathways()).toEqual(['ACCOMMODATION']);
      await tell(handle, resolveAttentionUpdate, {
        itemId: held.attention!.find((a) => a.action === action)!.id,
        option: 'SKIP',
        by: 'officer-17',
        reason: 'the person asked for the GP referral after all',
        resolvedAt: await serverNow(env),
      });
      const referred = await bothNeedsReferred(handle);
      expect(sentPathways().sort()).toEqual(['ACCOMMODATION', 'HEALTH']);
      // Staff answered for this try: no "still referred" item on top.
      expect(referred.attention?.filter((a) => a.action.includes(':no-longer-indicated:'))).toEqual([]);
      await recordHistory(handle, 'v3.pathway-hold.held-then-referred');
    });
  });

  it('with no justice social work team listed, tells the need agency of a new liberation date (need-agency-notices-1)', async () => {
    const acts = recordingActivities({ agencyMissing: true, eligibleAgencies: ['housing-1'] });
    const input = await releaseIn40Days();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: ['ACCOMMODATION'],
        riskOfSeriousHarm: 'MEDIUM',
        completedAt: await serverNow(env),
      });
      const sent = await waitForPlan(
        handle,
        (p) => need(p, 'ACCOMMODATION')?.status === 'SENT' && !p.working,
        'need referred',
      );
      expect(sent.referralId).toBeUndefined();
      const newDate = new Date(Date.parse(input.receivedAt) + 30 * 86_400_000).toISOString().slice(0, 10);
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: newDate,
        reason: 'RECALCULATION',
        changedAt: await serverNow(env),
      });
      const notice = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'agencyNotified' }> => e.kind === 'agencyNotified',
        'the need agency told',
      );
      expect(notice).toMatchObject({
        agencyId: 'housing-1',
        subject: 'LIBERATION_DATE_CHANGED',
        previousLiberationDate: sent.liberationDate,
      });
      await waitForPlan(handle, (p) => !p.working, 'journey waiting');
      await recordHistory(handle, 'v3.need-agency-notices.date-changed-need-agency-told');
    });
  });
});
