import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  attendanceRecordedUpdate,
  caseCloseRequestedUpdate,
  consentWithdrawnUpdate,
  meetingHeldUpdate,
  movementReversedUpdate,
  planQuery,
  releaseDateChangedUpdate,
  releaseRecordedUpdate,
  resolveAttentionUpdate,
  returnedToCustodyUpdate,
  referralOutcomeUpdate,
  throughcareWorkflowId,
  transferredUpdate,
  type PlanView,
  type ThroughcareInput,
  RECEPTION_REVERSED_TOMBSTONE_TYPE,
  TaskQueues,
} from '@throughcare/contracts';
import {
  addDays,
  addWorkingDays,
  dayOfWeek,
  deadlineFor,
  isBankHoliday,
  localDateOf,
  nextWorkingDay,
  policyFor,
  releaseDay,
  startOfLocalDay,
} from '@throughcare/domain';
import { ApplicationFailure } from '@temporalio/common';
import { bridgeHandler } from '../bridge/bridge';
import { resumeEpisode } from '../worker/resume-episode';
import { fact } from '../bridge/spec-support';
import {
  advance,
  acknowledgeReferral,
  atStage,
  closedResult,
  completeAssessment,
  currentRunId,
  receptionInput,
  recordHistory,
  recordingActivities,
  screenAndRefer,
  skipTo,
  startJourney,
  tell,
  waitForEffect,
  waitForNextRun,
  waitForPlan,
  withWorkers,
  type Effect,
  type RecordingOptions,
  DAY_MS,
  tally,
  live,
  of,
  acknowledgeNeedReferrals,
  serverNow,
  settleAttention,
  useJourneyEnvironment,
} from './journey-harness';

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

const DAY = DAY_MS;
const nowIso = () => serverNow(env);
const today = async () => localDateOf(new Date(await env.currentTimeMs()));

type Journey = {
  handle: WorkflowHandle;
  acts: ReturnType<typeof recordingActivities>;
  input: ThroughcareInput;
  /** Effects since the journey reached the point the test starts from. */
  since: () => Effect[];
};

/**
 * Runs `body` against a journey brought to the pre-release-meeting stage: screens done, referral
 * acknowledged, the summary review complete, the meeting and gate pick-up booked, and (by
 * default) both CJSW custody visits held. The journey is closed at the end whatever happens, so
 * no journey of one test runs on the next test's workers.
 */
async function atPreReleaseMeeting(
  body: (j: Journey, plan: PlanView) => Promise<void>,
  opts: { input?: Partial<ThroughcareInput>; visitsHeld?: boolean; options?: RecordingOptions } = {},
): Promise<void> {
  const acts = recordingActivities({ client: env.client, ...opts.options });
  const t0 = await env.currentTimeMs();
  const input = await receptionInput(env, {
    expectedReleaseDate: localDateOf(new Date(t0 + 120 * DAY)),
    ...opts.input,
  });
  await withWorkers(env, acts, async () => {
    const handle = await startJourney(env, input);
    try {
      const reviews = await visitsBooked(handle, acts);
      if (opts.visitsHeld !== false) {
        for (const visit of live(reviews, 'CJSW_VISIT')) {
          await tell(handle, meetingHeldUpdate, {
            bookingId: visit.bookingId,
            kind: 'CJSW_VISIT',
            heldAt: await nowIso(),
          });
        }
      }
      const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
      const summaryDue = deadlineFor(policy, 'summaryReview', startOfLocalDay(reviews.liberationDate!));
      await skipTo(env, summaryDue.getTime() - 28 * DAY + 3_600_000, handle);
      await waitForPlan(handle, atStage('SUMMARY_REVIEW'), 'summary review');
      await acknowledgeNeedReferrals(env, handle);
      await completeAssessment(env, handle, acts, 'SUMMARY_REVIEW', ['ACCOMMODATION']);
      const plan = await waitForPlan(
        handle,
        (p) =>
          p.stage === 'PRE_RELEASE_MEETING' &&
          live(p, 'PRE_RELEASE_MEETING').length === 1 &&
          live(p, 'GATE_PICKUP').length === 1,
        'meeting and gate pick-up booked',
      );
      const from = acts.effects.length;
      await body({ handle, acts, input, since: () => acts.effects.slice(from) }, plan);
    } finally {
      await closeIfOpen(handle);
    }
  });
}

/** Screened and referred for accommodation, the referral acknowledged: the two custody visits booked. */
async function visitsBooked(
  handle: WorkflowHandle,
  acts: ReturnType<typeof recordingActivities>,
): Promise<PlanView> {
  const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
  const run1 = await currentRunId(handle);
  await acknowledgeReferral(env, handle, referred.referralId!);
  await waitForNextRun(handle, run1);
  return waitForPlan(handle, (p) => live(p, 'CJSW_VISIT').length === 2, 'visits booked');
}

async function closeIfOpen(handle: WorkflowHandle): Promise<void> {
  const plan = await waitForPlan(handle, () => true, 'plan');
  if (plan.stage !== 'CLOSED' && !plan.closureReason) {
    await tell(handle, caseCloseRequestedUpdate, {
      reason: 'OTHER',
      requestedAt: await nowIso(),
      note: 'test over',
    });
  }
  await settleAttention(handle);
}

/** The first Friday at least `days` days after `from`. */
/** The Scottish day of liberation the journey plans (the 1993 Act s.27(7), `scotland-release-day-1`). */
const scottishDay = (due: string) =>
  releaseDay('SCOTLAND', due, { scottishS8CommencesOn: null }).liberationDate;

function fridayAfter(from: string, days: number): string {
  let day = addDays(from, days);
  while (dayOfWeek(day) !== 5) day = addDays(day, 1);
  return day;
}

/** A journey's input for a person held on remand and liberated from court at the server's now. */
async function liberatedFromCourtNow(): Promise<{ now: string; input: ThroughcareInput }> {
  const now = await nowIso();
  const input = await receptionInput(env, {
    receivedAt: now,
    liberatedFromCourt: { releasedAt: now, legalStatus: 'REMAND', eventId: randomUUID() },
  });
  return { now, input };
}

/** Episode 1's journey told of a recall into episode 2 (at LOW), now; sentenced on `sentencedOn`'s day. */
async function recallIntoEpisode2(handle: WorkflowHandle, sentencedOn: string): Promise<void> {
  await tell(handle, returnedToCustodyUpdate, {
    reason: 'RECALL',
    recallReasonCode: 'B',
    receivedAt: await nowIso(),
    establishmentCode: 'LOW',
    expectedReleaseDate: localDateOf(new Date((await env.currentTimeMs()) + 200 * DAY)),
    sentenceDate: sentencedOn.slice(0, 10),
    sentenceLengthDays: 365,
    newEpisode: 2,
  });
}

/** An operator skips the item the closing journey waits on (follow-up arranged outside): it ends, with its plan. */
async function skippedToTheEnd(handle: WorkflowHandle, itemId: string): Promise<PlanView> {
  await tell(handle, resolveAttentionUpdate, {
    itemId,
    option: 'SKIP',
    by: 'operator:test',
    reason: 'follow-up arranged with the team by phone',
    resolvedAt: await nowIso(),
  });
  return closedResult(env, handle, 'the journey closed after the skip');
}

describe('journey v2: changes of plan (time-skipping server)', () => {
  it('HDC granted after the pre-release meeting was booked: meeting and pick-up moved, the agency told once', async () => {
    await atPreReleaseMeeting(async ({ handle, input, since }, before) => {
      const meeting = live(before, 'PRE_RELEASE_MEETING')[0]!;
      const pickup = live(before, 'GATE_PICKUP')[0]!;
      // Due on a Saturday: brought forward to the Friday (1993 Act s.27(7), scotland-release-day-1).
      const saturday = addDays(fridayAfter(await today(), 30), 1);
      const liberation = scottishDay(saturday);
      expect(liberation < saturday).toBe(true);
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: saturday,
        reason: 'HDC_APPROVED',
        changedAt: await nowIso(),
      });
      const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
      const meetingDay = localDateOf(deadlineFor(policy, 'preReleaseMeeting', startOfLocalDay(liberation)));
      const after = await waitForPlan(
        handle,
        (p) =>
          live(p, 'PRE_RELEASE_MEETING')[0]?.date === meetingDay &&
          p.notifications?.length === 1 &&
          !p.working,
        'meeting moved and agency told',
      );
      expect(after.liberationDate).toBe(liberation);
      expect(live(after, 'GATE_PICKUP').map((b) => b.date)).toEqual([liberation]);
      expect(after.deadlines.filter((d) => d.status === 'BREACHED')).toEqual([]);
      expect(tally(since())).toEqual({
        meetingCancelled: 1,
        meetingBooked: 1,
        gatePickupCancelled: 1,
        gatePickupBooked: 1,
        agencyNotified: 1,
      });
      expect(since().find(of('meetingCancelled'))).toMatchObject({ bookingId: meeting.bookingId });
      expect(since().find(of('gatePickupCancelled'))).toMatchObject({ bookingId: pickup.bookingId });
      // The notice names the meeting booked for the new date (meeting-in-notice-1).
      expect(since().find(of('agencyNotified'))).toMatchObject({
        subject: 'LIBERATION_DATE_CHANGED',
        liberationDate: liberation,
        previousLiberationDate: before.liberationDate,
        preReleaseMeetingDate: meetingDay,
        preReleaseMeetingEstablishmentCode: meeting.establishmentCode,
      });
      await recordHistory(handle, 'v2.hdc-after-meeting-booked');
      await recordHistory(handle, 'v3.meeting-in-notice.hdc-meeting-named');
    });
  });

  it('HDC with no working day left before liberation: meeting impossible, one breach with the reason, agency told', async () => {
    await atPreReleaseMeeting(
      async ({ handle, since }, before) => {
        const liberation = nextWorkingDay('ENGLAND_AND_WALES', await today());
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: liberation,
          reason: 'HDC_APPROVED',
          changedAt: await nowIso(),
        });
        const after = await waitForPlan(
          handle,
          (p) => p.stage === 'AWAITING_RELEASE' && p.notifications?.length === 2 && !p.working,
          'meeting impossible',
        );
        expect(live(after, 'PRE_RELEASE_MEETING')).toEqual([]);
        expect(after.deadlines.find((d) => d.clock === 'preReleaseMeeting')).toMatchObject({
          status: 'BREACHED',
          note: expect.stringMatching(/no working day left before liberation/),
        });
        expect(tally(since())).toEqual({
          breachRecorded: 1,
          meetingCancelled: 1,
          gatePickupCancelled: 1,
          gatePickupBooked: 1,
          agencyNotified: 2,
          attentionRecorded: 1,
        });
        // One attention item for prison and agency to acknowledge (nothing to retry: no day is left).
        expect(after.attention).toEqual([
          expect.objectContaining({
            action: `meeting-impossible:${liberation}`,
            errorType: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
            options: ['SKIP'],
            status: 'OPEN',
          }),
        ]);
        expect(since().find(of('breachRecorded'))).toMatchObject({
          clock: 'preReleaseMeeting',
          note: expect.stringMatching(/meeting impossible/),
        });
        expect(
          since()
            .filter(of('agencyNotified'))
            .map((n) => n.subject),
        ).toEqual(['LIBERATION_DATE_CHANGED', 'PRE_RELEASE_MEETING_IMPOSSIBLE']);
        expect(before.liberationDate).not.toBe(liberation);
        await recordHistory(handle, 'v2.hdc-meeting-impossible');
      },
      {
        input: {
          jurisdiction: 'ENGLAND_AND_WALES',
          homeLocalAuthority: 'E08000035',
          establishmentCode: 'LEI',
        },
      },
    );
  });

  it('a pre-release meeting kept from before a date change: visits are planned before it, never on its day', async () => {
    const acts = recordingActivities({ client: env.client });
    const t0 = await env.currentTimeMs();
    // Working days both (a weekend date would be brought forward, CJA 1961 s.23(3), and a change
    // from a Friday to the Sunday after would not move the liberation date at all).
    const first = nextWorkingDay('ENGLAND_AND_WALES', localDateOf(new Date(t0 + 19 * DAY)));
    const second = addWorkingDays('ENGLAND_AND_WALES', first, 2);
    const input = await receptionInput(env, {
      expectedReleaseDate: first,
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      establishmentCode: 'LEI',
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
        await acknowledgeReferral(env, handle, referred.referralId!);
        await completeAssessment(env, handle, acts, 'SUMMARY_REVIEW', ['ACCOMMODATION']);
        const booked = await waitForPlan(
          handle,
          (p) => live(p, 'PRE_RELEASE_MEETING').length === 1 && !p.working,
          'meeting booked',
        );
        const meeting = live(booked, 'PRE_RELEASE_MEETING')[0]!;
        // Two working days later: the meeting's due day moves on, the meeting booked stays (it still serves).
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: second,
          reason: 'RECALCULATION',
          changedAt: await nowIso(),
        });
        const after = await waitForPlan(
          handle,
          (p) =>
            p.liberationDate !== booked.liberationDate &&
            live(p, 'GATE_PICKUP')[0]?.date === p.liberationDate &&
            !p.working,
          're-planned',
        );
        expect(live(after, 'PRE_RELEASE_MEETING').map((b) => b.bookingId)).toEqual([meeting.bookingId]);
        for (const visit of live(after, 'CJSW_VISIT'))
          expect([visit.date, visit.date! < meeting.date!]).toEqual([visit.date, true]);
        await recordHistory(handle, 'v3.planner-properties.visits-before-kept-meeting');
      } finally {
        await closeIfOpen(handle);
      }
    });
  });

  it('HDC leaving no day for the meeting, then withdrawn: the journey closes its own attention item and books the meeting again', async () => {
    await atPreReleaseMeeting(
      async ({ handle, since }, before) => {
        const liberation = nextWorkingDay('ENGLAND_AND_WALES', await today());
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: liberation,
          reason: 'HDC_APPROVED',
          changedAt: await nowIso(),
        });
        await waitForPlan(
          handle,
          (p) =>
            p.attention?.some(
              (a) => a.action === `meeting-impossible:${liberation}` && a.status === 'OPEN',
            ) === true,
          'meeting impossible',
        );
        // HDC withdrawn: the original date again, with days left for a meeting.
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: before.expectedReleaseDate!,
          reason: 'RECALCULATION',
          changedAt: await nowIso(),
        });
        const after = await waitForPlan(
          handle,
          (p) =>
            live(p, 'PRE_RELEASE_MEETING').length === 1 &&
            p.attention?.every((a) => a.status === 'RESOLVED') === true &&
            p.notifications?.length === 3 &&
            !p.working,
          'meeting booked again, item closed',
        );
        expect(after.liberationDate).toBe(before.liberationDate);
        expect(after.attention).toEqual([
          expect.objectContaining({
            action: `meeting-impossible:${liberation}`,
            status: 'RESOLVED',
            resolution: expect.objectContaining({
              option: 'SKIP',
              by: 'throughcare',
              reason: expect.stringMatching(/pre-release meeting is possible again/),
            }),
          }),
        ]);
        // The operator list hears of the item twice: raised, then resolved by the journey.
        expect(
          since()
            .filter(of('attentionRecorded'))
            .map((a) => a.status),
        ).toEqual(['OPEN', 'RESOLVED']);
        expect(
          since()
            .filter(of('agencyNotified'))
            .map((n) => n.subject),
        ).toEqual(['LIBERATION_DATE_CHANGED', 'PRE_RELEASE_MEETING_IMPOSSIBLE', 'LIBERATION_DATE_CHANGED']);
        await recordHistory(handle, 'v3.planner-properties.meeting-impossible-then-withdrawn');
      },
      {
        input: {
          jurisdiction: 'ENGLAND_AND_WALES',
          homeLocalAuthority: 'E08000035',
          establishmentCode: 'LEI',
        },
      },
    );
  });

  it('a late pre-release meeting is booked once for the earliest working day and kept through its day, so it can be held', async () => {
    await atPreReleaseMeeting(
      async ({ handle, since }, before) => {
        const first = live(before, 'PRE_RELEASE_MEETING')[0]!;
        // HDC six working days ahead: the meeting's due day (10 working days before) has passed.
        const liberation = addWorkingDays('ENGLAND_AND_WALES', await today(), 6);
        const earliest = nextWorkingDay('ENGLAND_AND_WALES', await today());
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: liberation,
          reason: 'HDC_APPROVED',
          changedAt: await nowIso(),
        });
        const rebooked = await waitForPlan(
          handle,
          (p) => live(p, 'PRE_RELEASE_MEETING')[0]?.date === earliest && p.working === false,
          'late meeting booked',
        );
        const meeting = live(rebooked, 'PRE_RELEASE_MEETING')[0]!;
        // The meeting's own day begins (before v3 it was cancelled at 00:00 and moved a day on).
        await skipTo(env, startOfLocalDay(earliest).getTime() + 2 * 3_600_000, handle);
        const onTheDay = await waitForPlan(handle, (p) => p.working === false, 'on the day');
        expect(live(onTheDay, 'PRE_RELEASE_MEETING')).toEqual([meeting]);
        await tell(handle, meetingHeldUpdate, {
          bookingId: meeting.bookingId,
          kind: 'PRE_RELEASE_MEETING',
          heldAt: await nowIso(),
        });
        const held = await waitForPlan(
          handle,
          (p) => p.stage === 'AWAITING_RELEASE' && !p.working,
          'meeting held',
        );
        // Breached when its due day had gone, then met late when held.
        expect(held.deadlines.find((d) => d.clock === 'preReleaseMeeting')).toMatchObject({
          status: 'MET_LATE',
        });
        expect(
          since()
            .filter(of('meetingCancelled'))
            .map((e) => e.bookingId),
        ).toEqual([first.bookingId]);
        expect(
          since()
            .filter(of('meetingBooked'))
            .map((e) => e.date),
        ).toEqual([earliest]);
        expect(tally(since())).toMatchObject({ breachRecorded: 1, breachMet: 1, agencyNotified: 1 });
        await recordHistory(handle, 'v3.late-meeting-kept');
      },
      {
        input: {
          jurisdiction: 'ENGLAND_AND_WALES',
          homeLocalAuthority: 'E08000035',
          establishmentCode: 'LEI',
        },
      },
    );
  });

  it('a pre-release meeting not reported held by the end of the next working day lapses: an item, cancelled, booked again (planner-fixes-2)', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      const first = live(before, 'PRE_RELEASE_MEETING')[0]!;
      // Its day and the next working day (for a late report) pass with no "held" report.
      const lapses = nextWorkingDay('SCOTLAND', nextWorkingDay('SCOTLAND', first.date!));
      const again = nextWorkingDay('SCOTLAND', lapses);
      await skipTo(env, startOfLocalDay(lapses).getTime() - 3_600_000, handle);
      const waiting = await waitForPlan(handle, (p) => p.working === false, 'grace day');
      expect(live(waiting, 'PRE_RELEASE_MEETING')).toEqual([first]);
      await skipTo(env, startOfLocalDay(lapses).getTime() + 2 * 3_600_000, handle);
      const rebooked = await waitForPlan(
        handle,
        (p) => live(p, 'PRE_RELEASE_MEETING')[0]?.date === again && p.working === false,
        'meeting booked again',
      );
      expect(rebooked.bookings!.find((b) => b.bookingId === first.bookingId)?.status).toBe('CANCELLED');
      expect(since().find(of('meetingCancelled'))).toMatchObject({
        bookingId: first.bookingId,
        reason: `meeting on ${first.date} not reported held by the end of the next working day`,
      });
      expect(rebooked.attention?.map((a) => [a.action, a.status, a.errorType])).toEqual([
        [`meeting-not-held:${first.date}`, 'OPEN', 'PRE_RELEASE_MEETING_NOT_HELD'],
      ]);
      const meeting = live(rebooked, 'PRE_RELEASE_MEETING')[0]!;
      await tell(handle, meetingHeldUpdate, {
        bookingId: meeting.bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: await nowIso(),
      });
      const held = await waitForPlan(handle, (p) => p.stage === 'AWAITING_RELEASE' && !p.working, 'held');
      // Breached at the end of its first day, met late when held on the second; the item closed.
      expect(held.deadlines.find((d) => d.clock === 'preReleaseMeeting')).toMatchObject({
        status: 'MET_LATE',
      });
      expect(held.attention?.map((a) => [a.action, a.status, a.resolution?.by])).toEqual([
        [`meeting-not-held:${first.date}`, 'RESOLVED', 'throughcare'],
      ]);
      expect(tally(since())).toMatchObject({
        meetingCancelled: 1,
        meetingBooked: 1,
        breachRecorded: 1,
        breachMet: 1,
      });
      await recordHistory(handle, 'v3.planner-fixes.meeting-not-held-booked-again');
      // The first run of the same journey adopted planner-fixes-2 at its first planning (its
      // marker is in that run's history; later runs carry the answer in their state).
      const firstRun = (handle as unknown as { signaledRunId: string }).signaledRunId;
      await recordHistory(
        env.client.workflow.getHandle(handle.workflowId, firstRun),
        'v3.planner-fixes.first-run-adopts',
      );
    });
  });

  it('release moved out of planning the day after the meeting, its "held" report not yet in: the meeting is kept, then reported held (meeting-day-come-1)', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      const meeting = live(before, 'PRE_RELEASE_MEETING')[0]!;
      // The working day after the meeting's, at 10:00: its day has gone by, its report is awaited.
      const dayAfter = nextWorkingDay('SCOTLAND', meeting.date!);
      await skipTo(env, startOfLocalDay(dayAfter).getTime() + 10 * 3_600_000, handle);
      await waitForPlan(handle, (p) => p.working === false, 'day after the meeting');
      const friday = fridayAfter(await today(), 150);
      const liberation = scottishDay(friday);
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: friday,
        reason: 'RECALCULATION',
        changedAt: await nowIso(),
      });
      const after = await waitForPlan(
        handle,
        (p) =>
          p.liberationDate === liberation &&
          p.notifications?.length === 1 &&
          live(p, 'GATE_PICKUP').length === 0 &&
          !p.working,
        'release moved out of planning, agency told',
      );
      // Out of the planning window: the pick-up waits for planning to open again; the meeting whose
      // day has come stays booked for its report (before the patch it was cancelled here).
      expect(live(after, 'PRE_RELEASE_MEETING')).toEqual([meeting]);
      expect(since().filter(of('meetingCancelled'))).toEqual([]);
      await tell(handle, meetingHeldUpdate, {
        bookingId: meeting.bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: await nowIso(),
      });
      const held = await waitForPlan(handle, (p) => p.stage === 'AWAITING_RELEASE' && !p.working, 'held');
      expect(held.bookings?.find((b) => b.bookingId === meeting.bookingId)?.status).toBe('HELD');
      expect(held.attention?.filter((a) => a.status === 'OPEN')).toEqual([]);
      expect(tally(since())).toMatchObject({ gatePickupCancelled: 1, agencyNotified: 1 });
      expect(tally(since()).meetingBooked).toBeUndefined();
      await recordHistory(handle, 'v3.meeting-day-come.kept-after-release-moved-out');
    });
  });

  it('transferred the day after the meeting, its "held" report not yet in: the meeting stays at the old prison, then reported held (meeting-day-gone-1)', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      const meeting = live(before, 'PRE_RELEASE_MEETING')[0]!;
      const dayAfter = nextWorkingDay('SCOTLAND', meeting.date!);
      await skipTo(env, startOfLocalDay(dayAfter).getTime() + 10 * 3_600_000, handle);
      await waitForPlan(handle, (p) => p.working === false, 'day after the meeting');
      await tell(handle, transferredUpdate, { toEstablishmentCode: 'GLE', transferredAt: await nowIso() });
      await advance(env, '46 minutes', handle);
      const after = await waitForPlan(
        handle,
        (p) =>
          p.establishmentCode === 'GLE' &&
          p.notifications?.length === 1 &&
          live(p, 'GATE_PICKUP')[0]?.establishmentCode === 'GLE' &&
          !p.working,
        'moved to GLE, agency told',
      );
      // The meeting whose day has gone by is history at BAR: kept for its report, not cancelled
      // as "person moved" (before the patch it was, and booked again at GLE).
      expect(live(after, 'PRE_RELEASE_MEETING')).toEqual([meeting]);
      expect(since().filter(of('meetingCancelled'))).toEqual([]);
      await tell(handle, meetingHeldUpdate, {
        bookingId: meeting.bookingId,
        kind: 'PRE_RELEASE_MEETING',
        heldAt: await nowIso(),
      });
      const held = await waitForPlan(handle, (p) => p.stage === 'AWAITING_RELEASE' && !p.working, 'held');
      expect(held.bookings?.find((b) => b.bookingId === meeting.bookingId)?.status).toBe('HELD');
      expect(tally(since())).toMatchObject({
        gatePickupCancelled: 1,
        gatePickupBooked: 1,
        agencyNotified: 1,
      });
      expect(tally(since()).meetingBooked).toBeUndefined();
      await recordHistory(handle, 'v3.meeting-day-gone.kept-after-transfer');
      // Its first run adopted the patch (its marker is in that run's history; later runs carry it).
      const firstRun = (handle as unknown as { signaledRunId: string }).signaledRunId;
      await recordHistory(
        env.client.workflow.getHandle(handle.workflowId, firstRun),
        'v3.meeting-day-gone.first-run-adopts',
      );
    });
  });

  it('release date moved twice in one day: each move undoes the last booking and tells the agency once', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      const first = fridayAfter(await today(), 40);
      const second = addDays(first, -4); // a Monday
      const moves = [
        [first, 'HDC_APPROVED'],
        [second, 'RECALCULATION'],
      ] as const;
      for (const [i, [date, reason]] of moves.entries()) {
        await tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: date,
          reason,
          changedAt: await nowIso(),
        });
        const lib = scottishDay(date);
        await waitForPlan(
          handle,
          (p) => live(p, 'GATE_PICKUP')[0]?.date === lib && p.notifications?.length === i + 1,
          `pick-up on ${lib}, agency told`,
        );
      }
      const final = await waitForPlan(
        handle,
        (p) => p.notifications?.length === 2 && !p.working,
        'two notifications',
      );
      expect(final.notifications?.map((n) => n.subject)).toEqual([
        'LIBERATION_DATE_CHANGED',
        'LIBERATION_DATE_CHANGED',
      ]);
      const told = since().filter(of('agencyNotified'));
      expect(told.map((n) => [n.previousLiberationDate, n.liberationDate])).toEqual([
        [before.liberationDate, scottishDay(first)],
        [scottishDay(first), scottishDay(second)],
      ]);
      const t = tally(since());
      expect(t.gatePickupBooked).toBe(2);
      expect(t.gatePickupCancelled).toBe(2);
      expect(t.agencyNotified).toBe(2);
      expect(t.breachRecorded).toBeUndefined();
      // The meeting moves only when its day no longer fits the new due day: each move, once.
      expect(t.meetingCancelled ?? 0).toBe(t.meetingBooked ?? 0);
      expect(live(final, 'PRE_RELEASE_MEETING')).toHaveLength(1);
    });
  });

  it('transfer: after the settle window every booking at the old prison is cancelled, remade at the new one, and the agency told', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      await tell(handle, transferredUpdate, { toEstablishmentCode: 'GLE', transferredAt: await nowIso() });
      const pending = await waitForPlan(handle, (p) => p.pendingMovements?.length === 1, 'transfer pending');
      expect(pending.establishmentCode).toBe('BAR');
      expect(since()).toEqual([]);
      await advance(env, '46 minutes', handle);
      const after = await waitForPlan(
        handle,
        (p) =>
          p.establishmentCode === 'GLE' &&
          p.notifications?.length === 1 &&
          live(p, 'GATE_PICKUP')[0]?.establishmentCode === 'GLE' &&
          live(p, 'PRE_RELEASE_MEETING')[0]?.establishmentCode === 'GLE' &&
          !p.working,
        'moved to GLE',
      );
      expect(tally(since())).toEqual({
        meetingCancelled: 1,
        gatePickupCancelled: 1,
        meetingBooked: 1,
        gatePickupBooked: 1,
        agencyNotified: 1,
      });
      expect(since().find(of('meetingBooked'))).toMatchObject({
        establishmentCode: 'GLE',
        date: live(before, 'PRE_RELEASE_MEETING')[0]!.date,
      });
      expect(since().find(of('meetingCancelled'))?.reason).toMatch(/moved from BAR to GLE/);
      expect(since().find(of('agencyNotified'))).toMatchObject({
        subject: 'TRANSFERRED',
        establishmentCode: 'GLE',
        previousEstablishmentCode: 'BAR',
      });
      expect(after.stage).toBe('PRE_RELEASE_MEETING');
      await recordHistory(handle, 'v2.transfer');
    });
  });

  it('transfer while a visit is being booked: the booking that lands at the old prison is compensated', async () => {
    let entered!: () => void;
    const visitInFlight = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first = true;
    const acts = recordingActivities({
      beforeMeetingBooked: async (i) => {
        if (i.kind !== 'CJSW_VISIT' || !first) return;
        first = false;
        entered();
        await held;
      },
    });
    const input = await receptionInput(env, {
      expectedReleaseDate: localDateOf(new Date((await env.currentTimeMs()) + 120 * DAY)),
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
        const run1 = await currentRunId(handle);
        await acknowledgeReferral(env, handle, referred.referralId!);
        await visitInFlight;
        await tell(
          handle,
          transferredUpdate,
          { toEstablishmentCode: 'GLE', transferredAt: await nowIso() },
          { whileWorking: true },
        );
        release();
        await waitForNextRun(handle, run1);
        await waitForPlan(handle, (p) => live(p, 'CJSW_VISIT').length === 2, 'both visits at BAR');
        await advance(env, '46 minutes', handle);
        const after = await waitForPlan(
          handle,
          (p) =>
            live(p, 'CJSW_VISIT').every((b) => b.establishmentCode === 'GLE') &&
            live(p, 'CJSW_VISIT').length === 2 &&
            p.notifications?.length === 1 &&
            !p.working,
          'visits moved to GLE',
        );
        const booked = acts.effects.filter(of('meetingBooked'));
        expect(booked.map((b) => b.establishmentCode)).toEqual(['BAR', 'BAR', 'GLE', 'GLE']);
        const cancelled = acts.effects.filter(of('meetingCancelled'));
        expect(cancelled.map((c) => c.bookingId).sort()).toEqual(
          booked
            .slice(0, 2)
            .map((b) => b.bookingId)
            .sort(),
        );
        expect(after.notifications?.map((n) => n.subject)).toEqual(['TRANSFERRED']);
        await recordHistory(handle, 'v2.transfer-while-booking-visit');
      } finally {
        release();
        await closeIfOpen(handle);
      }
    });
  });

  it('a transfer reversed inside the settle window changes nothing; one reversed after it is undone and the agency told', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      const mistaken = await tell(handle, transferredUpdate, {
        toEstablishmentCode: 'GLE',
        transferredAt: await nowIso(),
      });
      await advance(env, '10 minutes', handle);
      await tell(handle, movementReversedUpdate, {
        movement: 'TRANSFER',
        reversedEventId: mistaken,
        reversedAt: await nowIso(),
      });
      await advance(env, '46 minutes', handle);
      const quiet = await waitForPlan(
        handle,
        (p) => (p.pendingMovements ?? []).length === 0,
        'nothing pending',
      );
      expect(quiet.establishmentCode).toBe('BAR');
      expect(since()).toEqual([]);

      const real = await tell(handle, transferredUpdate, {
        toEstablishmentCode: 'GLE',
        transferredAt: await nowIso(),
      });
      await advance(env, '46 minutes', handle);
      await waitForPlan(
        handle,
        (p) => p.establishmentCode === 'GLE' && p.notifications?.length === 1,
        'at GLE',
      );
      await tell(handle, movementReversedUpdate, {
        movement: 'TRANSFER',
        reversedEventId: real,
        reversedAt: await nowIso(),
      });
      const back = await waitForPlan(
        handle,
        (p) =>
          p.establishmentCode === 'BAR' &&
          p.notifications?.length === 2 &&
          live(p, 'PRE_RELEASE_MEETING')[0]?.establishmentCode === 'BAR' &&
          live(p, 'GATE_PICKUP')[0]?.establishmentCode === 'BAR' &&
          !p.working,
        'back at BAR',
      );
      expect(back.notifications?.map((n) => n.subject)).toEqual(['TRANSFERRED', 'MOVEMENT_REVERSED']);
      expect(tally(since())).toEqual({
        meetingCancelled: 2,
        gatePickupCancelled: 2,
        meetingBooked: 2,
        gatePickupBooked: 2,
        agencyNotified: 2,
      });
      expect(
        since()
          .filter(of('meetingBooked'))
          .map((b) => b.establishmentCode),
      ).toEqual(['GLE', 'BAR']);
      expect(live(back, 'PRE_RELEASE_MEETING')[0]?.date).toBe(live(before, 'PRE_RELEASE_MEETING')[0]?.date);
      await recordHistory(handle, 'v2.transfer-reversed');
    });
  });

  it('a release reversed after the agency was told: the appointment is cancelled, the agency told, custody bookings remade', async () => {
    await atPreReleaseMeeting(async ({ handle, since }, before) => {
      const run = await currentRunId(handle);
      const release = await tell(handle, releaseRecordedUpdate, {
        releasedAt: await nowIso(),
        establishmentCode: 'BAR',
      });
      await advance(env, '46 minutes', handle);
      await waitForNextRun(handle, run);
      const out = await waitForPlan(
        handle,
        (p) => p.stage === 'FOLLOW_UP' && !!p.appointmentId && !p.working,
        'released, appointment booked',
      );
      expect(live(out, 'PRE_RELEASE_MEETING')).toEqual([]);
      expect(live(out, 'GATE_PICKUP')).toEqual([]); // liberated early: nobody waits at the gate
      await tell(handle, movementReversedUpdate, {
        movement: 'RELEASE',
        reversedEventId: release,
        reversedAt: await nowIso(),
      });
      const back = await waitForPlan(
        handle,
        (p) =>
          p.stage === 'PRE_RELEASE_MEETING' &&
          p.notifications?.length === 2 &&
          live(p, 'PRE_RELEASE_MEETING').length === 1 &&
          live(p, 'GATE_PICKUP').length === 1 &&
          !p.working,
        'back in custody',
      );
      // Told of the release once it settled (release-notice-1), then that it was recorded in error.
      expect(back.notifications?.map((n) => n.subject)).toEqual(['RELEASED', 'MOVEMENT_REVERSED']);
      expect(since().filter(of('agencyNotified'))[0]).toMatchObject({
        subject: 'RELEASED',
        establishmentCode: 'BAR',
        liberationDate: out.liberationDate,
        previousLiberationDate: before.liberationDate,
      });
      expect(back.deadlines.find((d) => d.clock === 'firstAppointment')?.status).toBe('CANCELLED');
      expect(tally(since())).toEqual({
        meetingCancelled: 1,
        gatePickupCancelled: 1,
        appointmentBooked: 1,
        appointmentCancelled: 1,
        agencyNotified: 2,
        meetingBooked: 1,
        gatePickupBooked: 1,
      });
      expect(since().find(of('appointmentCancelled'))?.reason).toMatch(/release reversed/);
      expect(live(back, 'GATE_PICKUP')[0]?.date).toBe(live(before, 'GATE_PICKUP')[0]?.date);
      await recordHistory(handle, 'v2.release-reversed-after-notice');
      // The new branch (release-notice-1): the run in which the release settled, was told, and the
      // first appointment was booked (it continued as new into follow-up).
      await recordHistory(
        env.client.workflow.getHandle(handle.workflowId, run),
        'v3.release-notice.released-told-before-appointment',
      );
    });
  });

  it.each([
    {
      reason: 'RECALL',
      recallReasonCode: 'B',
      closure: 'RECALLED',
      newEpisode: 2,
      history: 'v2.recalled-in-follow-up',
    },
    {
      reason: 'NEW_SENTENCE',
      recallReasonCode: undefined,
      closure: 'NEW_SENTENCE',
      newEpisode: 2,
      history: 'v2.new-sentence-in-follow-up',
    },
    // Episode 2 was received in error and reversed (void): the recall is episode 3, and follows
    // this one (the liberation service names it as the event's previousEpisode).
    {
      reason: 'RECALL',
      recallReasonCode: 'L',
      closure: 'RECALLED',
      newEpisode: 3,
      history: 'v2.recalled-after-void-episode',
    },
  ] as const)(
    '$reason within the follow-up window into episode $newEpisode: the episode closes, the new one opens carrying history and open needs',
    async ({ reason, recallReasonCode, closure, newEpisode, history }) => {
      await atPreReleaseMeeting(async ({ handle, input, since }) => {
        const run = await currentRunId(handle);
        await tell(handle, releaseRecordedUpdate, { releasedAt: await nowIso(), establishmentCode: 'BAR' });
        await advance(env, '46 minutes', handle);
        await waitForNextRun(handle, run);
        const out = await waitForPlan(handle, (p) => !!p.appointmentId, 'appointment booked');
        await advance(env, '3 days', handle);
        await tell(handle, returnedToCustodyUpdate, {
          reason,
          recallReasonCode,
          receivedAt: await nowIso(),
          establishmentCode: 'LOW',
          expectedReleaseDate: localDateOf(new Date((await env.currentTimeMs()) + 200 * DAY)),
          sentenceDate: out.releasedAt!.slice(0, 10),
          sentenceLengthDays: 365,
          newEpisode,
        });
        const closed = await waitForPlan(handle, atStage('CLOSED'), 'episode 1 closed');
        expect(closed).toMatchObject({ closureReason: closure, nextEpisode: newEpisode });
        const next = env.client.workflow.getHandle(throughcareWorkflowId(input.personId, newEpisode));
        const second = await waitForPlan(
          next,
          (p) => p.assessmentId !== undefined,
          `episode ${newEpisode} core screen`,
        );
        expect(second.episode).toBe(newEpisode);
        expect(second.carried).toMatchObject({
          fromEpisode: 1,
          reason,
          openNeeds: ['ACCOMMODATION'],
          agencyId: out.agencyId,
          episodes: [{ episode: 1, closureReason: closure, releasedAt: out.releasedAt }],
        });
        expect(second.carried?.recallReasonCode).toBe(recallReasonCode);
        expect(since().filter(of('nextEpisodeOpened'))).toEqual([
          expect.objectContaining({ fromEpisode: 1 }),
        ]);
        expect(second.establishmentCode).toBe('LOW');
        // Episode 2 runs on the same workers: count episode 1's keyed effects only.
        const mine = since().filter(
          (e) => 'key' in e && e.key.startsWith(`${throughcareWorkflowId(input.personId, 1)}:`),
        );
        expect(tally(mine)).toEqual({
          meetingCancelled: 1,
          gatePickupCancelled: 1,
          appointmentBooked: 1,
          appointmentCancelled: 1,
          referralWithdrawn: 2, // the justice social work referral, and the need's (referral-per-need-1)
          agencyNotified: 2,
          caseClosed: 1,
        });
        expect(mine.filter(of('agencyNotified')).map((n) => n.subject)).toEqual([
          'RELEASED', // once the release settled (release-notice-1)
          'RETURNED_TO_CUSTODY',
        ]);
        expect(mine.find(of('caseClosed'))).toMatchObject({ reason: closure });
        await recordHistory(handle, history);
        await closeIfOpen(next);
      });
    },
  );

  it('a recall recorded in error and reversed: episode 2 closes RECEIVED_IN_ERROR and starts episode 1 again, released, followed up afresh from the reversal (return-reversal-1)', async () => {
    await atPreReleaseMeeting(async ({ handle, input, acts }) => {
      const run = await currentRunId(handle);
      await tell(handle, releaseRecordedUpdate, { releasedAt: await nowIso(), establishmentCode: 'BAR' });
      await advance(env, '46 minutes', handle);
      await waitForNextRun(handle, run);
      const out = await waitForPlan(handle, (p) => !!p.appointmentId, 'appointment booked');
      await advance(env, '3 days', handle);
      const returnedAt = await nowIso();
      await tell(handle, returnedToCustodyUpdate, {
        reason: 'RECALL',
        recallReasonCode: 'B',
        receivedAt: returnedAt,
        establishmentCode: 'LOW',
        expectedReleaseDate: localDateOf(new Date((await env.currentTimeMs()) + 200 * DAY)),
        sentenceDate: out.releasedAt!.slice(0, 10),
        sentenceLengthDays: 365,
        newEpisode: 2,
      });
      await waitForPlan(handle, atStage('CLOSED'), 'episode 1 closed');
      const wf1 = throughcareWorkflowId(input.personId, 1);
      const wf2 = throughcareWorkflowId(input.personId, 2);
      const episode2 = env.client.workflow.getHandle(wf2);
      await waitForPlan(
        episode2,
        (p) => p.assessmentId !== undefined && p.carried !== undefined,
        'episode 2',
      );
      const referralOf1 = acts.effects.find(
        (e): e is Extract<Effect, { kind: 'referralSent' }> =>
          e.kind === 'referralSent' && e.key === `${wf1}:referral:CJSW`,
      );
      expect(referralOf1).toBeDefined();
      // Two days on, the recall is found to have been recorded in error: the liberation service
      // voids episode 2, and the bridge asks its journey to close (custody.reception.reversed).
      await advance(env, '2 days', handle);
      const reversedAt = await nowIso();
      const eventId = randomUUID();
      const from = acts.effects.length;
      await tell(episode2, caseCloseRequestedUpdate, {
        reason: 'RECEIVED_IN_ERROR',
        requestedAt: reversedAt,
        eventId,
      });
      const closed2 = await waitForPlan(
        episode2,
        (p) => p.stage === 'CLOSED' && p.previousEpisodeResumed !== undefined,
        'episode 2 closed, episode 1 resumed',
      );
      expect(closed2).toMatchObject({
        closureReason: 'RECEIVED_IN_ERROR',
        previousEpisodeResumed: { episode: 1, outcome: 'STARTED' },
      });
      const resumed = env.client.workflow.getHandle(wf1);
      const plan = await waitForPlan(
        resumed,
        (p) => p.resumed !== undefined && p.stage === 'FOLLOW_UP' && !!p.appointmentId && !p.working,
        'episode 1 followed up again',
      );
      expect(plan).toMatchObject({
        episode: 1,
        releasedAt: out.releasedAt,
        resumed: {
          reversedAt,
          reversedEpisode: 2,
          // The return reversed, as the notice names it (review of stop 39, N7).
          returnedAt,
          returnReason: 'RECALL',
          eventId,
          releasedAt: out.releasedAt,
          openNeeds: ['ACCOMMODATION'],
        },
      });
      expect(plan.resumed?.releaseEventId).toBeDefined();
      expect(plan.closureReason).toBeUndefined();
      // Its follow-up counts from the reversal, not from the release five days before: nothing breached.
      const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
      expect(plan.deadlines.filter((d) => d.clock === 'firstAppointment')).toEqual([
        expect.objectContaining({
          status: 'OPEN',
          dueAt: deadlineFor(policy, 'firstAppointment', new Date(reversedAt)).toISOString(),
        }),
      ]);
      // Its effects, under keys of its own (not episode 1's: those answered its withdrawn referral).
      const base = `${wf1}:resumed:${eventId}:`;
      const mine = acts.effects.slice(from).filter((e) => 'key' in e && e.key.startsWith(base));
      expect(tally(mine)).toEqual({ referralSent: 2, agencyNotified: 1, appointmentBooked: 1 });
      expect(acts.effects.slice(from).filter(of('coreScreenRequested'))).toEqual([]);
      const referral = mine.find(of('referralSent'));
      expect(referral).toMatchObject({ agencyId: out.agencyId, key: `${base}referral:CJSW` });
      expect(referral!.referralId).not.toBe(referralOf1!.referralId);
      expect(mine.filter(of('agencyNotified')).map((n) => [n.subject, n.agencyId])).toEqual([
        ['RELEASED', out.agencyId],
      ]);
      expect(mine.filter(of('appointmentBooked')).map((b) => b.purpose)).toEqual(['FIRST_APPOINTMENT']);
      expect(acts.effects.slice(from).filter(of('breachRecorded'))).toEqual([]);
      expect(acts.effects.filter(of('episodeResumed'))).toEqual([
        expect.objectContaining({ workflowId: wf1, outcome: 'STARTED' }),
      ]);
      // Episode 2's journey asked once more (a retry) finds the run it started: nothing started again.
      expect(
        await acts.throughcare.resumeEpisode({
          workflowId: wf1,
          resumed: { releasedAt: out.releasedAt!, reversedAt, reversedEpisode: 2, eventId, openNeeds: [] },
        }),
      ).toEqual({ outcome: 'ALREADY_RESUMED', closedAt: plan.resumed!.reopensClosureAt });
      // The closure it reopens is the one the return made (the case record deletes only that one).
      expect(plan.resumed!.reopensClosureAt).toBeDefined();
      await recordHistory(episode2, 'v3.return-reversal.recall-reversed-resumed');
      // The run started again (its first: referral, notice and appointment; then follow-up, run 2).
      const started = (await resumed.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toBeTruthy();
      await recordHistory(
        env.client.workflow.getHandle(wf1, started!.continuedExecutionRunId!),
        'v3.return-reversal.resumed-follow-up',
      );
      // The person recalled for real later (episode 3, naming episode 1, as the liberation service
      // publishes it): the bridge finds episode 2 void (closed RECEIVED_IN_ERROR, as before) and
      // tells the run started again, which closes RECALLED and hands over to episode 3.
      const bridge = bridgeHandler(env.client, () => input.personId, {
        log: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      });
      await bridge(
        fact(
          'custody.person.received@2',
          {
            episode: 3,
            establishmentCode: 'LOW',
            jurisdiction: input.jurisdiction,
            homeLocalAuthority: input.homeLocalAuthority,
            reason: 'READMISSION',
            receivedAt: await nowIso(),
            sentenceDate: await today(),
            sentenceLengthDays: 365,
            expectedReleaseDate: localDateOf(new Date((await env.currentTimeMs()) + 200 * DAY)),
            returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
            previousEpisode: 1,
          },
          randomUUID(),
          input.personId,
        ),
        { subject: 's', streamSequence: 1, deliveryCount: 1, headers: undefined },
      );
      const recalled = await waitForPlan(resumed, atStage('CLOSED'), 'episode 1 recalled for real');
      expect(recalled).toMatchObject({ closureReason: 'RECALLED', nextEpisode: 3 });
      const episode3 = env.client.workflow.getHandle(throughcareWorkflowId(input.personId, 3));
      const third = await waitForPlan(episode3, (p) => p.carried !== undefined, 'episode 3 with the history');
      expect(third.carried).toMatchObject({ fromEpisode: 1, reason: 'RECALL', releasedAt: out.releasedAt });
      await closeIfOpen(episode3);
    });
  });

  it('a return whose reception was reversed before the journey before handed over: no journey is started for the void episode, the hand-over is an item (NEXT_EPISODE_VOID) an operator can skip', async () => {
    const acts = recordingActivities({ client: env.client });
    const { now, input } = await liberatedFromCourtNow();
    const wf2 = throughcareWorkflowId(input.personId, 2);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await waitForPlan(handle, (p) => p.stage === 'FOLLOW_UP' && !p.working, 'follow-up');
      // Episode 2's reception was reversed before its journey knew it followed episode 1: the
      // bridge put a tombstone under its id.
      await env.client.workflow.execute(RECEPTION_REVERSED_TOMBSTONE_TYPE, {
        workflowId: wf2,
        taskQueue: TaskQueues.throughcare,
        args: [{ episode: 2, reversedAt: await nowIso(), reversalEventId: randomUUID() }],
      });
      await recallIntoEpisode2(handle, now);
      const stuck = await waitForPlan(
        handle,
        (p) => (p.attention ?? []).some((a) => a.errorType === 'NEXT_EPISODE_VOID' && a.status === 'OPEN'),
        'the hand-over an item',
      );
      expect(stuck.attention!.find((a) => a.errorType === 'NEXT_EPISODE_VOID')).toMatchObject({
        action: 'episode:next',
        what: expect.stringContaining('the person was not returned to custody'),
      });
      // The tombstone still holds episode 2's id: no journey was started for it.
      expect((await env.client.workflow.getHandle(wf2).describe()).type).toBe(
        RECEPTION_REVERSED_TOMBSTONE_TYPE,
      );
      expect(acts.effects.filter(of('nextEpisodeOpened'))).toEqual([]);
      // The journey waits on an operator, who may skip it once the follow-up is arranged outside
      // the platform (review of stop 40, M2): the journey then ends.
      const item = stuck.attention!.find((a) => a.errorType === 'NEXT_EPISODE_VOID')!;
      expect(item.options).toEqual(['RETRY', 'SKIP']);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const done = await skippedToTheEnd(handle, item.id);
      expect(done).toMatchObject({ stage: 'CLOSED', closureReason: 'RECALLED' });
    });
  });

  it.each([
    ['closed otherwise: it stands, the journey before ends', 'closed'],
    ['terminated: an item (NEXT_EPISODE_ENDED) to repair and retry, or skip', 'terminated'],
  ] as const)(
    'a hand-over to a next journey that ended is never a fresh journey from reception: %s (reviews of stop 40, S2 and fixes M1)',
    async (_, ending) => {
      const acts = recordingActivities({ client: env.client });
      const { now, input } = await liberatedFromCourtNow();
      await withWorkers(env, acts, async () => {
        const handle = await startJourney(env, input);
        await waitForPlan(handle, (p) => p.stage === 'FOLLOW_UP' && !p.working, 'follow-up');
        // Episode 2's journey, started by the bridge, ended before episode 1 hands over.
        const episode2 = await startJourney(env, {
          ...(await receptionInput(env, { episode: 2, personId: input.personId, establishmentCode: 'LOW' })),
          returnOf: 1,
        });
        await waitForPlan(
          episode2,
          (p) => p.assessmentId !== undefined,
          'episode 2 asks for its core screen',
        );
        if (ending === 'closed') {
          await tell(episode2, caseCloseRequestedUpdate, { reason: 'OTHER', requestedAt: await nowIso() });
          await waitForPlan(episode2, atStage('CLOSED'), 'episode 2 closed');
          await closedResult(env, episode2, 'episode 2 ended');
        } else await episode2.terminate('e.g. an operator, by mistake');
        const run2 = await currentRunId(episode2);
        await recallIntoEpisode2(handle, now);
        if (ending === 'terminated') {
          const stuck = await waitForPlan(
            handle,
            (p) =>
              (p.attention ?? []).some((a) => a.errorType === 'NEXT_EPISODE_ENDED' && a.status === 'OPEN'),
            'the hand-over an item',
          );
          const open = stuck.attention!.find((a) => a.errorType === 'NEXT_EPISODE_ENDED')!;
          expect(open).toMatchObject({
            options: ['RETRY', 'SKIP'],
            what: expect.stringContaining('ended TERMINATED'),
          });
          expect((await skippedToTheEnd(handle, open.id)).closureReason).toBe('RECALLED');
        } else {
          const done = await waitForPlan(handle, atStage('CLOSED'), 'episode 1 closed');
          expect(done.closureReason).toBe('RECALLED');
          // It ends (its hand-over done without a journey started): polled, not awaited (time held).
          let status = (await handle.describe()).status.name;
          for (let tries = 0; status === 'RUNNING' && tries < 100; tries++) {
            await new Promise((r) => setTimeout(r, 100));
            status = (await handle.describe()).status.name;
          }
          expect(status).toBe('COMPLETED');
        }
        // No new run of episode 2's journey: it stays as it ended.
        expect(await currentRunId(episode2)).toBe(run2);
      });
    },
  );

  it('a return reversed before the journey before handed over (its history not come yet, `returnOf`): that journey is started again once it has closed (review of stop 39, S1)', async () => {
    // Episode 1's hand-over is held until the reversal has closed episode 2.
    let handOver!: () => void;
    const held = new Promise<void>((resolve) => (handOver = resolve));
    let handingOver = false;
    const acts = recordingActivities({
      client: env.client,
      beforeNextEpisodeOpened: async () => {
        handingOver = true;
        await held;
      },
    });
    const { now, input } = await liberatedFromCourtNow();
    const wf1 = throughcareWorkflowId(input.personId, 1);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const released = await waitForPlan(handle, (p) => p.stage === 'FOLLOW_UP' && !p.working, 'follow-up');
      await recallIntoEpisode2(handle, now);
      // The bridge starts episode 2 once episode 1 took the return, naming it (`returnOf`).
      const episode2 = await startJourney(env, {
        ...(await receptionInput(env, { episode: 2, personId: input.personId, establishmentCode: 'LOW' })),
        returnOf: 1,
      });
      await waitForPlan(episode2, (p) => p.assessmentId !== undefined, 'episode 2 asks for its core screen');
      for (let tries = 0; !handingOver && tries < 100; tries++) await new Promise((r) => setTimeout(r, 100));
      expect(handingOver).toBe(true);
      const reversedAt = await nowIso();
      const eventId = randomUUID();
      await tell(episode2, caseCloseRequestedUpdate, {
        reason: 'RECEIVED_IN_ERROR',
        requestedAt: reversedAt,
        eventId,
      });
      // Closed, but not ended: episode 1 still runs (its hand-over held), so it is asked again later.
      const closing = await waitForPlan(episode2, atStage('CLOSED'), 'episode 2 closed');
      expect(closing).toMatchObject({ closureReason: 'RECEIVED_IN_ERROR' });
      expect(closing.carried).toBeUndefined();
      expect(closing.previousEpisodeResumed).toBeUndefined();
      expect((await episode2.describe()).status.name).toBe('RUNNING');
      handOver();
      // Asked again (its retries run in real time: time skipping is locked while the test polls).
      const done = await waitForPlan(
        episode2,
        (p) => p.previousEpisodeResumed !== undefined,
        'episode 1 started again',
      );
      expect(done.previousEpisodeResumed).toEqual({ episode: 1, outcome: 'STARTED' });
      // Episode 1 closed RECALLED (its hand-over reached the running episode 2), then was started again.
      const resumed = env.client.workflow.getHandle(wf1);
      const plan = await waitForPlan(
        resumed,
        (p) => p.resumed !== undefined && p.stage === 'FOLLOW_UP' && !!p.appointmentId && !p.working,
        'episode 1 followed up again',
      );
      expect(plan).toMatchObject({
        episode: 1,
        releasedAt: released.releasedAt,
        resumed: { reversedAt, reversedEpisode: 2, eventId, releasedAt: released.releasedAt, openNeeds: [] },
      });
      expect(acts.effects.filter(of('nextEpisodeOpened'))).toEqual([
        expect.objectContaining({ fromEpisode: 1 }),
      ]);
      expect(acts.effects.filter(of('episodeResumed'))).toEqual([
        expect.objectContaining({ workflowId: wf1, outcome: 'STARTED' }),
      ]);
      await recordHistory(episode2, 'v3.return-reversal.reversed-before-hand-over');
      await closeIfOpen(resumed);
    });
  });

  it('a return reversed whose journey before cannot be started again (none on record) is an item for an operator (EPISODE_NOT_RESUMABLE); skipped, the journey ends (review of stop 39, M2)', async () => {
    const acts = recordingActivities({ client: env.client });
    const base = await receptionInput(env);
    // Episode 2, a recall carrying episode 1's history; no journey of episode 1 is on record.
    const input = {
      ...base,
      episode: 2,
      carried: {
        fromEpisode: 1,
        reason: 'RECALL' as const,
        openNeeds: [],
        releasedAt: new Date(Date.parse(base.receivedAt) - 30 * DAY).toISOString(),
        episodes: [],
      },
    };
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'RECEIVED_IN_ERROR',
        requestedAt: await nowIso(),
        eventId: randomUUID(),
      });
      const stuck = await waitForPlan(
        handle,
        (p) =>
          (p.attention ?? []).some((a) => a.errorType === 'EPISODE_NOT_RESUMABLE' && a.status === 'OPEN'),
        'the item for an operator',
      );
      const item = stuck.attention!.find((a) => a.errorType === 'EPISODE_NOT_RESUMABLE')!;
      expect(item).toMatchObject({
        action: 'episode:resume',
        options: ['RETRY', 'SKIP'],
        what: expect.stringContaining('no journey'),
      });
      expect(stuck.previousEpisodeResumed).toMatchObject({ episode: 1, outcome: 'NOT_RESUMABLE' });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const done = await skippedToTheEnd(handle, item.id);
      expect(done).toMatchObject({ stage: 'CLOSED', closureReason: 'RECEIVED_IN_ERROR' });
    });
  });

  it('resumeEpisode (return-reversal-1) retries while the journey before still runs, and starts nothing where it did not close by the return', async () => {
    const acts = recordingActivities();
    const input = await receptionInput(env);
    const resumed = {
      releasedAt: await nowIso(),
      reversedAt: await nowIso(),
      reversedEpisode: 2,
      eventId: randomUUID(),
      openNeeds: [],
    };
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen requested');
        // Still running (it may be closing on the return): a retryable failure, nothing started.
        const running = await resumeEpisode(env.client, { workflowId: handle.workflowId, resumed }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(running).toBeInstanceOf(ApplicationFailure);
        expect(running).toMatchObject({ type: 'JOURNEY_STILL_RUNNING', nonRetryable: false });
        await tell(handle, caseCloseRequestedUpdate, { reason: 'OTHER', requestedAt: await nowIso() });
        await waitForPlan(handle, atStage('CLOSED'), 'closed otherwise');
        const run = await currentRunId(handle);
        // Closed otherwise: not the return's to undo.
        expect(await resumeEpisode(env.client, { workflowId: handle.workflowId, resumed })).toEqual({
          outcome: 'NOT_RESUMABLE',
          reason: expect.stringContaining('closure OTHER'),
        });
        expect(await currentRunId(handle)).toBe(run);
        // No journey under the id at all.
        expect(
          await resumeEpisode(env.client, { workflowId: throughcareWorkflowId(input.personId, 7), resumed }),
        ).toMatchObject({ outcome: 'NOT_RESUMABLE' });
      } finally {
        await closeIfOpen(handle);
      }
    });
  });

  it('liberation direct from court starts follow-up at once: no custody stage, first appointment booked', async () => {
    const acts = recordingActivities();
    const { now, input } = await liberatedFromCourtNow();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const booked = await waitForEffect(acts, of('appointmentBooked'), 'first appointment');
        await waitForNextRun(handle, handle.signaledRunId);
        const plan = await waitForPlan(
          handle,
          (p) => p.stage === 'FOLLOW_UP' && p.run === 2,
          'follow-up, run 2',
        );
        expect(plan.stagesDone).toEqual(['RECEPTION']);
        expect(plan.deadlines.map((d) => [d.clock, d.status])).toEqual([['firstAppointment', 'OPEN']]);
        // The release happened: the plan's liberation date is that day, not the expected date
        // moved by the s.8 rule (which applies to planned releases only).
        expect(plan.liberationDate).toBe(localDateOf(new Date(now)));
        expect(plan.expectedReleaseDate).toBe(input.expectedReleaseDate);
        expect(tally(acts.effects)).toEqual({ agencyLookedUp: 1, appointmentBooked: 1 });
        expect(booked.purpose).toBe('FIRST_APPOINTMENT');
        await recordHistory(handle, 'v2.liberated-from-court');
      } finally {
        await closeIfOpen(handle);
      }
    });
  });

  it('a liberation from court recorded in error closes the journey: the appointment cancelled, the agency told the liberation (not a reception) was in error (court-reversal-notice-1)', async () => {
    const acts = recordingActivities();
    const { input } = await liberatedFromCourtNow();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await waitForEffect(acts, of('appointmentBooked'), 'first appointment');
      await waitForPlan(handle, (p) => p.stage === 'FOLLOW_UP' && !p.working, 'follow-up');
      // What the bridge sends for custody.court-liberation.reversed.
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'RECEIVED_IN_ERROR',
        requestedAt: await nowIso(),
        eventId: randomUUID(),
      });
      const told = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'agencyNotified' }> => e.kind === 'agencyNotified',
        'the agency told',
      );
      expect(told).toMatchObject({ subject: 'CASE_CLOSED' });
      // The notice's words, as the activity was given them.
      const inputs = ((await handle.fetchHistory()).events ?? []).flatMap((e) =>
        e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyAgency'
          ? (e.activityTaskScheduledEventAttributes.input?.payloads ?? []).map((p) =>
              Buffer.from(p.data ?? new Uint8Array()).toString('utf8'),
            )
          : [],
      );
      expect(inputs).toEqual([
        expect.stringContaining(
          'The liberation from court that opened this case was recorded in error: the person was not liberated from court on it.',
        ),
      ]);
      await waitForEffect(acts, of('appointmentCancelled'), 'the first appointment cancelled');
      const closed = await waitForPlan(handle, (p) => p.stage === 'CLOSED', 'closed');
      expect(closed.closureReason).toBe('RECEIVED_IN_ERROR');
      await recordHistory(handle, 'v3.court-reversal-notice.liberation-reversed-told');
    });
  });

  it('a person held on remand and liberated from court: the running journey goes straight to follow-up', async () => {
    const acts = recordingActivities();
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
        const court = { releasedAt: await nowIso(), legalStatus: 'REMAND' as const, eventId: randomUUID() };
        // What the bridge does with custody.person.liberated-from-court for a journey already running.
        await startJourney(env, { ...input, liberatedFromCourt: court });
        await waitForEffect(acts, of('appointmentBooked'), 'first appointment');
        await waitForNextRun(handle, handle.signaledRunId);
        const plan = await waitForPlan(
          handle,
          (p) => p.stage === 'FOLLOW_UP' && p.working === false,
          'follow-up',
        );
        expect(plan.releasedAt).toBe(court.releasedAt);
        expect(plan.deadlines.map((d) => [d.clock, d.status, d.note])).toEqual([
          ['coreScreen', 'CANCELLED', 'released before it was done'],
          ['comprehensiveScreen', 'CANCELLED', 'released before it was done'],
          ['firstAppointment', 'OPEN', undefined],
        ]);
        expect(tally(acts.effects)).toEqual({
          coreScreenRequested: 1,
          agencyLookedUp: 1,
          appointmentBooked: 1,
        });
      } finally {
        await closeIfOpen(handle);
      }
    });
  });

  it('a compensation that fails is retried until it succeeds, and one that fails for good is reported on the booking', async () => {
    await atPreReleaseMeeting(
      async ({ handle, acts, since }, before) => {
        await tell(handle, transferredUpdate, { toEstablishmentCode: 'GLE', transferredAt: await nowIso() });
        await advance(env, '46 minutes', handle);
        const after = await waitForPlan(
          handle,
          (p) => live(p, 'PRE_RELEASE_MEETING')[0]?.establishmentCode === 'GLE' && !p.working,
          'moved',
        );
        const old = after.bookings!.find(
          (b) => b.bookingId === live(before, 'PRE_RELEASE_MEETING')[0]!.bookingId,
        )!;
        expect(old).toMatchObject({
          status: 'CANCELLED',
          cancelledBecause: expect.stringMatching(/moved from BAR to GLE/),
        });
        expect(old.cancelFailed).toBeUndefined();
        expect([...acts.cancelAttempts.values()]).toEqual([3]); // two failures, retried, then done
        expect(tally(since()).meetingCancelled).toBe(1);
      },
      { options: { cancelMeetingFails: 'transient' } },
    );
    await atPreReleaseMeeting(
      async ({ handle, since }, before) => {
        await tell(handle, transferredUpdate, { toEstablishmentCode: 'GLE', transferredAt: await nowIso() });
        await advance(env, '46 minutes', handle);
        const after = await waitForPlan(
          handle,
          (p) => live(p, 'PRE_RELEASE_MEETING')[0]?.establishmentCode === 'GLE' && !p.working,
          'moved',
        );
        const old = after.bookings!.find(
          (b) => b.bookingId === live(before, 'PRE_RELEASE_MEETING')[0]!.bookingId,
        )!;
        expect(old.cancelFailed).toMatch(/MEETING_NOT_FOUND/);
        // The journey carries on: the new meeting is booked and the agency told; the failed
        // compensation waits on an operator as an attention item (nobody silently lost).
        expect(tally(since())).toEqual({
          gatePickupCancelled: 1,
          meetingBooked: 1,
          gatePickupBooked: 1,
          agencyNotified: 1,
          attentionRecorded: 1,
        });
        expect(after.attention).toEqual([
          expect.objectContaining({
            action: `cancel:${old.bookingId}`,
            errorType: 'MEETING_NOT_FOUND',
            status: 'OPEN',
            options: ['RETRY', 'SKIP'],
          }),
        ]);
        await tell(handle, resolveAttentionUpdate, {
          itemId: after.attention![0]!.id,
          option: 'SKIP',
          by: 'operator:test',
          reason: 'the prison cancelled the meeting by phone',
          resolvedAt: await nowIso(),
        });
      },
      { options: { cancelMeetingFails: 'permanent' } },
    );
  });

  it('a compensation that finds the meeting already held keeps it as held: nothing rebooked, the held fact accepted', async () => {
    const heldBeforeCancel = new Set<string>();
    await atPreReleaseMeeting(
      async ({ handle, since }, before) => {
        const meeting = live(before, 'PRE_RELEASE_MEETING')[0]!;
        // The meeting took place at BAR, but its fact is still on the way when a transfer settles.
        heldBeforeCancel.add(meeting.bookingId);
        await tell(handle, transferredUpdate, { toEstablishmentCode: 'GLE', transferredAt: await nowIso() });
        await advance(env, '46 minutes', handle);
        const after = await waitForPlan(
          handle,
          (p) => p.working === false && live(p, 'GATE_PICKUP')[0]?.establishmentCode === 'GLE',
          'moved',
        );
        expect(after.bookings!.find((b) => b.bookingId === meeting.bookingId)?.status).toBe('HELD');
        expect(live(after, 'PRE_RELEASE_MEETING')).toEqual([]);
        expect(after.stage).toBe('AWAITING_RELEASE');
        // The fact arrives: accepted (before v3 it was refused as "was cancelled").
        await tell(handle, meetingHeldUpdate, {
          bookingId: meeting.bookingId,
          kind: 'PRE_RELEASE_MEETING',
          heldAt: await nowIso(),
        });
        const held = await waitForPlan(handle, (p) => p.working === false, 'held fact applied');
        expect(held.deadlines.find((d) => d.clock === 'preReleaseMeeting')?.status).toBe('MET');
        expect(tally(since())).toEqual({ gatePickupCancelled: 1, gatePickupBooked: 1, agencyNotified: 1 });
        expect(since().find(of('agencyNotified'))?.subject).toBe('TRANSFERRED');
        await recordHistory(handle, 'v3.meeting-already-held-when-cancelled');
      },
      { options: { heldBeforeCancel } },
    );
  });

  it('consent withdrawn: bookings cancelled, referral withdrawn, agency told, case closed', async () => {
    await atPreReleaseMeeting(async ({ handle, since }) => {
      await tell(handle, consentWithdrawnUpdate, { withdrawnAt: await nowIso() });
      const closed = await waitForPlan(handle, atStage('CLOSED'), 'closed');
      expect(closed.closureReason).toBe('CONSENT_WITHDRAWN');
      expect(tally(since())).toEqual({
        meetingCancelled: 1,
        gatePickupCancelled: 1,
        referralWithdrawn: 2, // the justice social work referral, and the need's (referral-per-need-1)
        agencyNotified: 1,
        caseClosed: 1,
      });
      expect(since().find(of('agencyNotified'))?.subject).toBe('CONSENT_WITHDRAWN');
      expect(closed.deadlines.filter((d) => d.status === 'OPEN')).toEqual([]);
      await recordHistory(handle, 'v2.consent-withdrawn');
    });
  });

  it.each([
    ['SCOTLAND', {}],
    // England & Wales policy versions 1–3 had no such clock: the journey could not plan (policy-gaps-1).
    [
      'ENGLAND_AND_WALES',
      { jurisdiction: 'ENGLAND_AND_WALES', homeLocalAuthority: 'E08000035', establishmentCode: 'LEI' },
    ],
  ] as const)(
    '%s: a missed first appointment books a follow-up within 2 working days; attending it meets both clocks',
    async (jurisdiction, override) => {
      await atPreReleaseMeeting(
        async ({ handle, input, since }) => {
          expect(input.jurisdiction).toBe(jurisdiction);
          const run = await currentRunId(handle);
          const releasedAt = await nowIso();
          await tell(handle, releaseRecordedUpdate, { releasedAt, establishmentCode: 'BAR' });
          await advance(env, '46 minutes', handle);
          await waitForNextRun(handle, run);
          const out = await waitForPlan(handle, (p) => !!p.appointmentId, 'appointment booked');
          await advance(env, '1 day', handle);
          const missedAt = await nowIso();
          await expect(
            tell(handle, attendanceRecordedUpdate, {
              appointmentId: out.appointmentId!,
              attendance: 'NO',
              attendedAt: missedAt,
            }),
          ).rejects.toThrow(WorkflowUpdateFailedError);
          await tell(handle, attendanceRecordedUpdate, {
            appointmentId: out.appointmentId!,
            attendance: 'NO',
            attendedAt: missedAt,
            reason: 'POP_UNACCEPTABLE',
          });
          const followUp = await waitForEffect(
            sinceOf(since),
            (e): e is Extract<Effect, { kind: 'appointmentBooked' }> =>
              e.kind === 'appointmentBooked' && e.purpose === 'MISSED_APPOINTMENT_FOLLOW_UP',
            'follow-up appointment',
          );
          const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
          expect(followUp.dueBy).toBe(
            deadlineFor(policy, 'missedAppointmentFollowUp', new Date(missedAt)).toISOString(),
          );
          await tell(handle, attendanceRecordedUpdate, {
            appointmentId: followUp.appointmentId,
            attendance: 'LATE',
            attendedAt: await nowIso(),
          });
          const met = await waitForPlan(
            handle,
            (p) => p.deadlines.some((d) => d.clock === 'missedAppointmentFollowUp' && d.status === 'MET'),
            'follow-up met',
          );
          expect(met.deadlines.find((d) => d.clock === 'firstAppointment')?.status).toBe('MET');
          expect((met.attention ?? []).filter((a) => a.status === 'OPEN')).toEqual([]);
          expect(tally(since()).appointmentBooked).toBe(2);
          expect(tally(since()).breachRecorded).toBeUndefined();
          if (jurisdiction === 'ENGLAND_AND_WALES')
            await recordHistory(handle, 'v3.policy-gaps.england-missed-appointment-follow-up');
        },
        { input: override },
      );
    },
  );

  it('rejects impossible changes with a clear reason and keeps going', async () => {
    await atPreReleaseMeeting(async ({ handle, input, since }) => {
      const rejected = async (p: Promise<unknown>, reason: RegExp) => {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
        expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(reason);
      };
      await rejected(
        tell(handle, releaseDateChangedUpdate, {
          expectedReleaseDate: '2020-01-01',
          reason: 'OTHER',
          changedAt: await nowIso(),
        }),
        /before reception/,
      );
      await rejected(
        tell(handle, transferredUpdate, { toEstablishmentCode: 'BAR', transferredAt: await nowIso() }),
        /already at BAR/,
      );
      await rejected(
        tell(handle, movementReversedUpdate, {
          movement: 'RELEASE',
          reversedEventId: randomUUID(),
          reversedAt: await nowIso(),
        }),
        /no release/,
      );
      await rejected(
        tell(handle, returnedToCustodyUpdate, {
          reason: 'RECALL',
          receivedAt: await nowIso(),
          establishmentCode: 'BAR',
          expectedReleaseDate: input.expectedReleaseDate,
          sentenceDate: input.sentenceDate,
          sentenceLengthDays: 10,
          newEpisode: 2,
        }),
        /not released/,
      );
      await rejected(
        tell(handle, referralOutcomeUpdate, {
          referralId: randomUUID(),
          decision: 'ACCEPTED',
          decidedAt: await nowIso(),
        }),
        /not this episode's referral/,
      );
      await rejected(
        tell(handle, meetingHeldUpdate, {
          bookingId: randomUUID(),
          kind: 'PRE_RELEASE_MEETING',
          heldAt: await nowIso(),
        }),
        // Not known (yet): refused as NOT_YET_KNOWN, which the bridge retries for a while.
        /is not known to this episode \(yet\)/,
      );
      const plan = await waitForPlan(handle, () => true, 'plan');
      await tell(handle, referralOutcomeUpdate, {
        referralId: plan.referralId!,
        decision: 'ACCEPTED',
        decidedAt: await nowIso(),
      });
      const accepted = await waitForPlan(handle, (p) => p.referralOutcomes?.length === 1, 'outcome recorded');
      expect(accepted.referralOutcomes?.[0]?.decision).toBe('ACCEPTED');
      expect(since()).toEqual([]);
    });
  });
});

describe('journey: a declined referral stands the agency down (agency-declined-1, time-skipping server)', () => {
  it('cancels the custody visits booked with the agency, books none, and puts an item before prison staff', async () => {
    const acts = recordingActivities({ client: env.client });
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 120 * DAY)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const booked = await visitsBooked(handle, acts);
        const from = acts.effects.length;
        await tell(handle, referralOutcomeUpdate, {
          referralId: booked.referralId!,
          decision: 'DECLINED',
          reason: 'outside our catchment',
          decidedAt: await nowIso(),
        });
        const down = await waitForPlan(
          handle,
          (p) =>
            live(p, 'CJSW_VISIT').length === 0 &&
            (p.attention ?? []).some((a) => a.action.startsWith('agency-declined:') && a.status === 'OPEN') &&
            !p.working,
          'visits cancelled, prison staff told',
        );
        const since = acts.effects.slice(from);
        // The item is recorded for the operators' list (attentionRecorded) besides the plan.
        expect(tally(since)).toEqual({ meetingCancelled: 2, attentionRecorded: 1 });
        expect(since.filter(of('meetingCancelled')).map((m) => m.reason)).toEqual([
          'the agency declined the referral: no custody visits with it',
          'the agency declined the referral: no custody visits with it',
        ]);
        expect(down.attention?.find((a) => a.action.startsWith('agency-declined:'))).toMatchObject({
          errorType: 'REFERRAL_DECLINED',
          mustAct: `prison:${input.establishmentCode}`,
          options: ['SKIP'],
        });
        await recordHistory(handle, 'v3.agency-declined.visits-cancelled-item-raised');
      } finally {
        await closeIfOpen(handle);
      }
    });
  });
});

describe('journey: a declined referral stands the agency down after release too (declined-appointments-1, time-skipping server)', () => {
  it('cancels the first appointment booked with an agency that withdraws after release', async () => {
    const acts = recordingActivities({ client: env.client });
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 120 * DAY)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const booked = await visitsBooked(handle, acts);
        // Released early; once the release has settled the first appointment is booked.
        await tell(handle, releaseRecordedUpdate, {
          releasedAt: await nowIso(),
          establishmentCode: input.establishmentCode,
        });
        await advance(env, '46 minutes', handle);
        const appointment = await waitForEffect(acts, of('appointmentBooked'), 'first appointment');
        const run = await currentRunId(handle);
        await tell(handle, referralOutcomeUpdate, {
          referralId: booked.referralId!,
          decision: 'WITHDRAWN',
          reason: 'caseload',
          decidedAt: await nowIso(),
        });
        const cancelled = await waitForEffect(
          acts,
          of('appointmentCancelled'),
          'first appointment cancelled',
        );
        expect(cancelled).toMatchObject({
          appointmentId: appointment.appointmentId,
          reason: 'the agency withdrew from the referral: no appointment with it',
        });
        const down = await waitForPlan(
          handle,
          (p) =>
            (p.attention ?? []).some((a) => a.action.startsWith('agency-declined:') && a.status === 'OPEN') &&
            !p.working,
          'prison staff told',
        );
        expect(down.deadlines.find((d) => d.clock === 'firstAppointment')?.status).toBe('OPEN');
        expect(
          (down.bookings ?? []).filter((b) => b.kind === 'FIRST_APPOINTMENT').map((b) => b.status),
        ).toEqual(['CANCELLED']);
        await recordHistory(
          env.client.workflow.getHandle(handle.workflowId, run),
          'v3.declined-appointments.first-appointment-cancelled',
        );
      } finally {
        await closeIfOpen(handle);
      }
    });
  });
});

describe('journey: a gate pick-up is met where the person is released from (pickup-release-prison-1, time-skipping server)', () => {
  it('cancels the pick-up at the prison the journey knew when the release is reported from another', async () => {
    const acts = recordingActivities({ client: env.client });
    const t0 = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: localDateOf(new Date(t0 + 30 * DAY)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const planned = await waitForPlan(
          handle,
          (p) => live(p, 'GATE_PICKUP').length === 1 && !p.working,
          'gate pick-up booked',
        );
        const pickup = live(planned, 'GATE_PICKUP')[0]!;
        // The liberation day: released from EDI, a transfer the journey never heard of.
        await skipTo(env, startOfLocalDay(pickup.date!).getTime() + 9 * 3_600_000, handle);
        await waitForPlan(handle, (p) => !p.working, 'liberation day');
        const run = await currentRunId(handle);
        await tell(handle, releaseRecordedUpdate, { releasedAt: await nowIso(), establishmentCode: 'EDI' });
        await advance(env, '46 minutes', handle);
        const out = await waitForPlan(
          handle,
          (p) =>
            (p.bookings ?? []).some((b) => b.bookingId === pickup.bookingId && b.status === 'CANCELLED') &&
            !p.working,
          'pick-up at the old prison cancelled',
        );
        expect(out.bookings?.find((b) => b.bookingId === pickup.bookingId)).toMatchObject({
          establishmentCode: 'BAR',
          cancelledBecause: 'released from EDI, not BAR',
        });
        expect(live(out, 'GATE_PICKUP')).toEqual([]);
        expect(acts.effects.filter(of('gatePickupCancelled')).map((c) => c.reason)).toContain(
          'released from EDI, not BAR',
        );
        await recordHistory(
          env.client.workflow.getHandle(handle.workflowId, run),
          'v3.pickup-release-prison.released-elsewhere-cancelled',
        );
      } finally {
        await closeIfOpen(handle);
      }
    });
  });
});

describe('journey: a pick-up that does not fit the release is cancelled at closure too (pickup-at-closure-1, time-skipping server)', () => {
  it('released early and consent withdrawn while the prison service was out: once it is back and the release has settled, the pick-up for the planned day is cancelled', async () => {
    const failing: RecordingOptions['failing'] = {};
    const acts = recordingActivities({ failing });
    const input = await receptionInput(env, {
      expectedReleaseDate: localDateOf(new Date((await env.currentTimeMs()) + 30 * DAY)),
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      try {
        const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
        const pickup = live(await handle.query(planQuery), 'GATE_PICKUP')[0]!;
        expect(pickup.date).toBeDefined();
        // The prison's booking service goes down (its next attempt hours away): the visit the
        // acknowledgement calls for keeps the journey's prison lane busy.
        failing.bookMeeting = 'long-outage';
        await acknowledgeReferral(env, handle, referred.referralId!);
        // Released weeks early and consent withdrawn meanwhile; the pick-up cannot be cancelled
        // while the lane is busy.
        const releasedAt = await nowIso();
        await tell(
          handle,
          releaseRecordedUpdate,
          { releasedAt, establishmentCode: input.establishmentCode },
          { whileWorking: true },
        );
        await tell(handle, consentWithdrawnUpdate, { withdrawnAt: await nowIso() }, { whileWorking: true });
        await env.sleep('46 minutes');
        // The service is back: the next attempt succeeds, and the journey plans again.
        delete failing.bookMeeting;
        await env.sleep('7 hours');
        const cancelled = await waitForEffect(
          acts,
          (e): e is Extract<typeof e, { kind: 'gatePickupCancelled' }> =>
            e.kind === 'gatePickupCancelled' && e.bookingId === pickup.bookingId,
          'the pick-up for the planned day cancelled',
        );
        expect(cancelled.reason).toBe(
          `liberated on ${localDateOf(new Date(releasedAt))}, not ${pickup.date}`,
        );
        await waitForPlan(handle, (p) => p.stage === 'CLOSED' && !p.working, 'case closed');
        await recordHistory(handle, 'v3.pickup-at-closure.consent-withdrawn-as-release-settled');
      } finally {
        await closeIfOpen(handle);
      }
    });
  });
});

/** The journey's effects since the test's starting point, for waitForEffect. */
function sinceOf(since: () => Effect[]): { effects: Effect[] } {
  return {
    get effects() {
      return since();
    },
  };
}

/**
 * A journey received with `input`, screened and referred: the referral, every send and the gate
 * pick-up all name `liberationDate`; its history recorded as `history`.
 */
async function plannedFor(input: ThroughcareInput, liberationDate: string, history: string): Promise<void> {
  const acts = recordingActivities({ client: env.client });
  await withWorkers(env, acts, async () => {
    const handle = await startJourney(env, input);
    try {
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      expect(referred.liberationDate).toBe(liberationDate);
      const sent = acts.effects.filter(
        (e): e is Extract<Effect, { kind: 'referralSent' }> => e.kind === 'referralSent',
      );
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.map((e) => e.liberationDate)).toEqual(sent.map(() => liberationDate));
      await waitForPlan(handle, (p) => live(p, 'GATE_PICKUP').length === 1, 'gate pick-up booked');
      expect(live(await handle.query(planQuery), 'GATE_PICKUP')[0]?.date).toBe(liberationDate);
      await recordHistory(handle, history);
    } finally {
      await closeIfOpen(handle);
    }
  });
}

describe('journey: an England & Wales release due on a non-working day is planned from the working day before (ew-release-day-1, time-skipping server)', () => {
  it('due on a Saturday: the plan, the referral and the gate pick-up all take the Friday before (Criminal Justice Act 1961 s.23(3))', async () => {
    // A Saturday about a month away (the gate pick-up is booked once the referral is out).
    const due = addDays(fridayAfter(await today(), 28), 1);
    const friday = releaseDay('ENGLAND_AND_WALES', due).liberationDate;
    expect(dayOfWeek(due)).toBe(6);
    const input = await receptionInput(env, {
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      establishmentCode: 'LEI',
      expectedReleaseDate: due,
    });
    await plannedFor(input, friday, 'v3.ew-release-day.saturday-release-planned-friday');
  });
});

describe('journey: an England & Wales sentence of 5 days or less is not brought forward (ew-short-sentence-1, time-skipping server)', () => {
  it('due on a Saturday: the plan, the referral and the gate pick-up all take that Saturday, as the liberation service shows it', async () => {
    const due = addDays(fridayAfter(await today(), 28), 1);
    expect(dayOfWeek(due)).toBe(6);
    expect(releaseDay('ENGLAND_AND_WALES', due, { sentenceDays: 5 }).liberationDate).toBe(due);
    const input = await receptionInput(env, {
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      establishmentCode: 'LEI',
      expectedReleaseDate: due,
      sentenceLengthDays: 5,
    });
    await plannedFor(input, due, 'v3.ew-short-sentence.saturday-release-stands');
  });
});

describe('journey: a Scottish release due on a Friday stands (scotland-release-day-1, time-skipping server)', () => {
  it('plans, refers and books the gate pick-up for the Friday: the 1993 Act s.27(7) governs, the 2023 Act s.8 is not in force', async () => {
    // A Friday about a month away that is no public holiday, nor the day before one (where s.8
    // would have moved it anyway).
    let due = fridayAfter(await today(), 28);
    while (scottishDay(due) !== due || isBankHoliday('SCOTLAND', addDays(due, 3))) due = addDays(due, 7);
    const input = await receptionInput(env, { jurisdiction: 'SCOTLAND', expectedReleaseDate: due });
    await plannedFor(input, due, 'v3.scotland-release-day.friday-release-stands');
  });
});
