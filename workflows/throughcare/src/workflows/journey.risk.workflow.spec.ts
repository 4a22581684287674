import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { riskAssessedUpdate, type PlanView, type RiskAssessed } from '@throughcare/contracts';
import {
  addDays,
  deadlineFor,
  localDateOf,
  policyFor,
  startOfLocalDay,
  type SlaPolicy,
} from '@throughcare/domain';
import * as harness from './journey-harness';

const { advance, receptionInput, recordHistory, recordingActivities, screenAndRefer, serverNow } = harness;
const { startJourney, tell, waitForEffect, waitForPlan, withWorkers, useJourneyEnvironment } = harness;
const { acknowledgeReferral, completeAssessment, journeyBundle, live, of } = harness;

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

/** A risk assessment of today, `version`, medium and no MAPPA unless `more` says otherwise. */
const risk = async (
  version: number,
  more: Partial<RiskAssessed> = {},
): Promise<Omit<RiskAssessed, 'eventId'>> => ({
  version,
  likelihoodOfReoffending: 'MEDIUM',
  riskOfSeriousHarm: 'MEDIUM',
  mappa: null,
  assessedOn: (await serverNow(env)).slice(0, 10),
  rises: [],
  ...more,
});
const closeJourney = (handle: WorkflowHandle) => harness.closeJourney(env, handle);
const escalations = (p: PlanView) => (p.attention ?? []).filter((a) => a.action.startsWith('risk-rose:'));

describe('journey: risk assessments (risk-assessed-1, risk-notice-1; issue 10)', () => {
  it('a rise is told to the responsible agency once (a RISK_ESCALATED notice); a duplicate and a fall change nothing', async () => {
    const acts = recordingActivities();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, await receptionInput(env));
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);

      await tell(handle, riskAssessedUpdate, await risk(1));
      const first = await waitForPlan(handle, (p) => p.risk?.version === 1 && !p.working, 'first risk kept');
      expect(first.risk).toMatchObject({ riskOfSeriousHarm: 'MEDIUM', rises: [] });
      expect(escalations(first)).toEqual([]);

      // Risk of serious harm rises, and the person becomes a MAPPA case.
      await advance(env, '1 day', handle);
      const rise = { ...(await risk(2, { riskOfSeriousHarm: 'HIGH', mappa: { category: 2, level: 2 } })) };
      const eventId = randomUUID();
      await tell(handle, riskAssessedUpdate, { ...rise, eventId });
      // Since risk-notice-1 the responsible agency itself is told (the bands, never the reasons).
      const notice = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'agencyNotified' }> =>
          e.kind === 'agencyNotified' && e.subject === 'RISK_ESCALATED',
        'the agency told of the rise',
      );
      expect(notice.agencyId).toBe(referred.agencyId);
      const escalated = await waitForPlan(
        handle,
        (p) => p.risk?.version === 2 && !p.working,
        'rise kept and told',
      );
      expect(escalated.risk).toMatchObject({ version: 2, rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'] });
      const told = (escalated.notifications ?? []).filter((n) => n.subject === 'RISK_ESCALATED');
      expect(told).toHaveLength(1);
      expect(told[0]!.message).toContain('risk of serious harm HIGH');
      expect(told[0]!.message).toContain('MAPPA category 2 level 2');
      // The agency was told: no attention item waits on anyone.
      expect(escalations(escalated)).toEqual([]);

      // The same event again (a redelivery) is harmless; a fall tells nothing.
      await tell(handle, riskAssessedUpdate, { ...rise, eventId });
      await advance(env, '1 day', handle);
      await tell(handle, riskAssessedUpdate, await risk(3, { riskOfSeriousHarm: 'LOW' }));
      const fell = await waitForPlan(handle, (p) => p.risk?.version === 3 && !p.working, 'fall kept');
      expect(fell.risk).toMatchObject({ riskOfSeriousHarm: 'LOW', rises: [] });
      expect(escalations(fell)).toEqual([]);
      expect(
        acts.effects.filter((e) => e.kind === 'agencyNotified' && e.subject === 'RISK_ESCALATED'),
      ).toHaveLength(1);
      expect(
        acts.effects.filter((e) => e.kind === 'attentionRecorded' && e.action.startsWith('risk-rose:')),
      ).toEqual([]);
      await recordHistory(handle, 'v3.risk-notice.rise-told-duplicate-fall');
      // Closed, so that it never runs on the next test's workers (a bundle with a test policy).
      await closeJourney(handle);
    });
  });

  describe('an earlier pre-release meeting for an elevated risk, under a test policy that has one', () => {
    /**
     * No seed policy sets `preReleaseMeetingElevatedRisk` (no source this project holds gives a
     * timescale): the journeys here run on a bundle whose Scottish policies carry this test value.
     */
    const ELEVATED: NonNullable<SlaPolicy['preReleaseMeetingElevatedRisk']> = {
      ...policyFor('SCOTLAND').clocks.preReleaseMeeting!,
      kind: 'workingDaysBefore',
      value: 15,
      source: 'test policy (journey.risk.workflow.spec.ts): no seed policy sets it',
    };
    const testPolicy: harness.TestPolicy = {
      jurisdiction: 'SCOTLAND',
      set: { preReleaseMeetingElevatedRisk: ELEVATED },
    };
    // Built before the test body (webpack is slow), as the environment builds the seed bundle.
    beforeAll(() => journeyBundle(testPolicy), 120_000);

    const meetingDeadline = (p: PlanView) => p.deadlines.find((d) => d.clock === 'preReleaseMeeting');
    const meetings = (p: PlanView) => live(p, 'PRE_RELEASE_MEETING').map((b) => b.date);

    it('a rise to HIGH cancels the booked meeting and books it at the earlier day, the clock moves, the agency is told; a fall keeps the earlier meeting and puts the clock back', async () => {
      const acts = recordingActivities();
      const today = localDateOf(new Date(await env.currentTimeMs()));
      const input = await receptionInput(env, { expectedReleaseDate: addDays(today, 40) });
      await withWorkers(
        env,
        acts,
        async () => {
          const handle = await startJourney(env, input);
          const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
          await acknowledgeReferral(env, handle, referred.referralId!);
          // Release in 40 days: the summary review is due already; once done, the meeting is booked.
          await completeAssessment(env, handle, acts, 'SUMMARY_REVIEW', ['ACCOMMODATION']);
          const booked = await waitForPlan(
            handle,
            (p) => p.stage === 'PRE_RELEASE_MEETING' && meetings(p).length === 1 && !p.working,
            'meeting booked',
          );
          // The days each policy gives (the journey captured the newest Scottish policy).
          const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
          const liberation = startOfLocalDay(booked.liberationDate!);
          const usual = deadlineFor(policy, 'preReleaseMeeting', liberation);
          const elevatedPolicy = { ...policy, clocks: { ...policy.clocks, preReleaseMeeting: ELEVATED } };
          const earlier = deadlineFor(elevatedPolicy, 'preReleaseMeeting', liberation);
          expect(localDateOf(earlier) < localDateOf(usual)).toBe(true);
          expect(meetings(booked)).toEqual([localDateOf(usual)]);
          expect(meetingDeadline(booked)).toMatchObject({ status: 'OPEN', dueAt: usual.toISOString() });
          const first = live(booked, 'PRE_RELEASE_MEETING')[0]!;

          // A medium risk is no elevated risk: nothing moves.
          await tell(handle, riskAssessedUpdate, await risk(1));
          const medium = await waitForPlan(handle, (p) => p.risk?.version === 1 && !p.working, 'medium kept');
          expect(meetings(medium)).toEqual([localDateOf(usual)]);

          // Risk of serious harm rises to HIGH: the agency is told, the meeting moves earlier.
          await advance(env, '1 hour', handle);
          await tell(handle, riskAssessedUpdate, await risk(2, { riskOfSeriousHarm: 'HIGH' }));
          const notice = await waitForEffect(
            acts,
            (e): e is Extract<typeof e, { kind: 'agencyNotified' }> =>
              e.kind === 'agencyNotified' && e.subject === 'RISK_ESCALATED',
            'the agency told of the rise',
          );
          expect(notice.agencyId).toBe(referred.agencyId);
          const moved = await waitForPlan(
            handle,
            (p) => p.risk?.version === 2 && meetings(p)[0] === localDateOf(earlier) && !p.working,
            'meeting moved earlier',
          );
          expect(meetings(moved)).toEqual([localDateOf(earlier)]);
          expect(moved.bookings?.find((b) => b.bookingId === first.bookingId)?.status).toBe('CANCELLED');
          // Cancelled for the risk, not for a liberation date that never changed (no band named).
          expect(acts.effects.filter(of('meetingCancelled')).map((e) => [e.bookingId, e.reason])).toEqual([
            [
              first.bookingId,
              `liberation ${booked.liberationDate}, brought forward for an elevated risk (risk assessment version 2): meeting due by ${localDateOf(earlier)}`,
            ],
          ]);
          expect(
            acts.effects
              .filter(of('meetingBooked'))
              .filter((e) => e.meetingKind === 'PRE_RELEASE_MEETING')
              .map((e) => e.date),
          ).toEqual([localDateOf(usual), localDateOf(earlier)]);
          expect(meetingDeadline(moved)).toMatchObject({ status: 'OPEN', dueAt: earlier.toISOString() });
          expect((moved.notifications ?? []).filter((n) => n.subject === 'RISK_ESCALATED')).toHaveLength(1);
          expect(escalations(moved)).toEqual([]);
          const rebooked = live(moved, 'PRE_RELEASE_MEETING')[0]!;

          // The risk falls back to MEDIUM: the clock goes back to the usual day, but the meeting
          // booked earlier still comes before it (planner.ts `fits`: only a meeting after its due
          // day is moved), so it is kept; a fall tells the agency nothing.
          await advance(env, '1 hour', handle);
          await tell(handle, riskAssessedUpdate, await risk(3));
          const fell = await waitForPlan(
            handle,
            (p) => p.risk?.version === 3 && meetingDeadline(p)?.dueAt === usual.toISOString() && !p.working,
            'clock back after the fall',
          );
          expect(live(fell, 'PRE_RELEASE_MEETING').map((b) => [b.bookingId, b.date])).toEqual([
            [rebooked.bookingId, localDateOf(earlier)],
          ]);
          expect(acts.effects.filter(of('meetingCancelled'))).toHaveLength(1);
          expect(
            acts.effects.filter((e) => e.kind === 'agencyNotified' && e.subject === 'RISK_ESCALATED'),
          ).toHaveLength(1);

          await closeJourney(handle);
        },
        { testPolicy },
      );
    });
  });
});
