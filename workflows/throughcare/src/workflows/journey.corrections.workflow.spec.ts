import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import {
  movementCorrectedUpdate,
  referralOutcomeUpdate,
  releaseRecordedUpdate,
  transferredUpdate,
  type PlanView,
} from '@throughcare/contracts';
import * as harness from './journey-harness';

const { advance, recordHistory, recordingActivities, screenAndRefer, serverNow, startJourney } = harness;
const { receptionInput, tell, waitForPlan, withWorkers } = harness;

let env: TestWorkflowEnvironment;
harness.useJourneyEnvironment((created) => (env = created));

const closeJourney = (handle: WorkflowHandle) => harness.closeJourney(env, handle);

const told = (p: PlanView) => (p.notifications ?? []).filter((n) => n.subject === 'TRANSFERRED');
const releaseNotices = (p: PlanView) => (p.notifications ?? []).filter((n) => n.subject === 'RELEASED');
const DAY_MS = harness.DAY_MS;

describe('journey: a movement corrected in place (movement-correction-1; issue 10)', () => {
  it('a transfer to the wrong prison, corrected: planned at the right one, and the agency told it was a correction', async () => {
    const acts = recordingActivities();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, await receptionInput(env));
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      await waitForPlan(handle, (p) => p.liberationDate !== undefined && !p.working, 'planned');

      const transfer = randomUUID();
      const transferredAt = await serverNow(env);
      await tell(handle, transferredUpdate, { toEstablishmentCode: 'GLE', transferredAt, eventId: transfer });
      await advance(env, '46 minutes', handle);
      await waitForPlan(
        handle,
        (p) => p.establishmentCode === 'GLE' && told(p).length === 1 && !p.working,
        'moved to GLE, agency told',
      );

      // The agency declines while the person is recorded at GLE: an item for GLE's staff.
      await tell(handle, referralOutcomeUpdate, {
        referralId: referred.referralId!,
        decision: 'DECLINED',
        reason: 'outside our catchment',
        decidedAt: await serverNow(env),
      });
      const declined = (p: PlanView) =>
        (p.attention ?? []).find((a) => a.action.startsWith('agency-declined:') && a.status === 'OPEN');
      const raised = await waitForPlan(handle, (p) => !!declined(p) && !p.working, 'item for GLE');
      expect(declined(raised)).toMatchObject({ mustAct: 'prison:GLE' });

      // The person went to LEI, not GLE: corrected in place (custody.movement.corrected).
      const toLei = (correctedAt: string) => ({
        movement: 'TRANSFER' as const,
        correctedEventId: transfer,
        version: 2,
        reason: 'WRONG_DESTINATION' as const,
        correctedAt,
        occurredAt: transferredAt,
        previousOccurredAt: transferredAt,
        toEstablishmentCode: 'LEI',
        previousToEstablishmentCode: 'GLE',
      });
      await tell(handle, movementCorrectedUpdate, toLei(await serverNow(env)));
      const corrected = await waitForPlan(
        handle,
        (p) => p.establishmentCode === 'LEI' && told(p).length === 2 && !p.working,
        'planned at LEI, agency told of the correction',
      );
      expect(told(corrected)[1]).toMatchObject({
        agencyId: referred.agencyId,
        message:
          'Correction: the transfer recorded to GLE was to LEI; the person is at LEI, and visits and meetings are rebooked there.',
      });
      // (Bookings at the prison never held are cancelled: planner-corrections.spec; this journey has
      // none yet, planning not being open.)
      const notices = acts.effects.filter((e) => e.kind === 'agencyNotified' && e.subject === 'TRANSFERRED');
      expect(notices.at(-1)).toMatchObject({ establishmentCode: 'LEI', previousEstablishmentCode: 'GLE' });
      // The open item is LEI's now, and the operators' list was told under a key of its own.
      const item = declined(corrected)!;
      expect(item).toMatchObject({
        mustAct: 'prison:LEI',
        reassigned: {
          from: 'prison:GLE',
          because: 'transfer destination corrected: the person is at LEI, was never at GLE then',
        },
      });
      const records = acts.effects
        .filter(harness.of('attentionRecorded'))
        .filter((e) => e.itemId === item.id);
      expect(records.map((r) => r.key)).toEqual([
        expect.stringMatching(new RegExp(`:attention:${item.id}:raised$`)),
        `${records[0]!.key.replace(/raised$/, '')}reassigned:${item.reassigned!.at}`,
      ]);

      // The same correction delivered again (redelivery, another event id): nothing more.
      await tell(handle, movementCorrectedUpdate, toLei(await serverNow(env)));
      expect(told(await waitForPlan(handle, (p) => !p.working, 'redelivery applied'))).toHaveLength(2);
      await recordHistory(handle, 'v3.movement-correction.transfer-destination');
      await closeJourney(handle);
    });
  });

  it('a release recorded on the wrong day, corrected after it was told: the agency hears the day, its clock never runs from before the instant it was told, and a later day moves its start later', async () => {
    const acts = recordingActivities();
    await withWorkers(env, acts, async () => {
      const input = await receptionInput(env);
      const handle = await startJourney(env, input);
      await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      await waitForPlan(handle, (p) => p.liberationDate !== undefined && !p.working, 'planned');
      await advance(env, '5 days', handle);

      // Released early, told to the team once the release has settled.
      const releasedAt = await serverNow(env);
      const release = await tell(handle, releaseRecordedUpdate, {
        releasedAt,
        establishmentCode: input.establishmentCode,
      });
      await advance(env, '46 minutes', handle);
      const clock = (p: PlanView) =>
        p.deadlines.find((d) => d.clock === 'firstAppointment' && d.owedBy === 'agency:cjsw-S12000036');
      const released = await waitForPlan(
        handle,
        (p) => clock(p)?.status === 'OPEN' && releaseNotices(p).length === 1 && !p.working,
        'released, the team told, its first-appointment clock open',
      );
      const before = clock(released)!;
      expect(before.startedAt).toBe(releasedAt);

      // The person left three days before the release was recorded (custody.movement.corrected).
      const dayBefore = new Date(Date.parse(releasedAt) - 3 * DAY_MS).toISOString();
      const correction = (version: number, occurredAt: string, previousOccurredAt: string) => ({
        movement: 'RELEASE' as const,
        correctedEventId: release,
        version,
        reason: 'WRONG_TIME' as const,
        occurredAt,
        previousOccurredAt,
      });
      await tell(handle, movementCorrectedUpdate, {
        ...correction(2, dayBefore, releasedAt),
        correctedAt: await serverNow(env),
      });
      const earlier = await waitForPlan(
        handle,
        (p) => releaseNotices(p).length === 2 && !p.working,
        'the team told of the corrected day',
      );
      expect(releaseNotices(earlier)[1]!.message).toMatch(
        new RegExp(`^Correction: the person was released from BAR on ${dayBefore.slice(0, 10)}, not on `),
      );
      // Not charged for days the team could not have known of: the clock keeps its start and due.
      expect(clock(earlier)).toMatchObject({
        status: 'OPEN',
        startedAt: releasedAt,
        dueAt: before.dueAt,
        note: `the release was corrected to ${dayBefore}; the clock runs from ${releasedAt}, the release instant on record before the correction`,
      });

      // Corrected again, to the day after the one told: the clock runs from then, with no note.
      const dayAfter = new Date(Date.parse(releasedAt) + DAY_MS).toISOString();
      await advance(env, '2 days', handle);
      await tell(handle, movementCorrectedUpdate, {
        ...correction(3, dayAfter, dayBefore),
        correctedAt: await serverNow(env),
      });
      const later = await waitForPlan(
        handle,
        (p) => clock(p)?.startedAt === dayAfter && !p.working,
        'the clock run from the later day',
      );
      expect(clock(later)!.note).toBeUndefined();
      // Its due is counted in working days from the later start: never earlier than before (the same
      // when both days lead to the same working day, as a Saturday and the Sunday after do).
      expect(Date.parse(clock(later)!.dueAt)).toBeGreaterThanOrEqual(Date.parse(before.dueAt));
      expect(releaseNotices(later)).toHaveLength(3);
      await recordHistory(handle, 'v3.movement-correction.release-corrected-clock-kept');
      await closeJourney(handle);
    });
  });
});
