import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  releaseDateChangedUpdate,
  releaseRecordedUpdate,
  type PlanView,
  type ReleaseDateChangeReason,
} from '@throughcare/contracts';
import { createTimeSkippingTestEnv } from '@throughcare/testing';
import type { WorkflowHandle } from '@temporalio/client';
import {
  acknowledgeReferral,
  receptionInput,
  recordHistory,
  recordingActivities,
  screenAndRefer,
  startJourney,
  waitForPlan,
  withWorkers,
  type Effect,
} from './journey-harness';

/**
 * Changes of plan while in custody: the release date moves (HDC, parole, recalculation) and the
 * journey moves what hangs off it — the gate pick-up is cancelled and rebooked, the agency is told
 * once per change — and a liberation on another day than booked cancels the pick-up.
 * Own file, own time-skipping server: these tests need the clock near today's date.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const weekday = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay();

/** The first Friday at least `days` ahead whose Thursday before is an ordinary working day. */
function fridayAfter(now: number, days: number): string {
  for (let t = now + days * DAY; ; t += DAY) {
    const date = isoDate(t);
    // Skip the Christmas/New Year and Easter stretches, where the Scottish rule moves further.
    const md = date.slice(5);
    if (weekday(date) === 5 && !(md >= '12-20' || md <= '01-06') && !(md >= '03-20' && md <= '04-30'))
      return date;
  }
}
const thursdayBefore = (friday: string) => isoDate(Date.parse(`${friday}T12:00:00Z`) - DAY);
/** A Wednesday a week after a Friday: an ordinary day, liberation on the day itself. */
const wednesdayAfter = (friday: string) => isoDate(Date.parse(`${friday}T12:00:00Z`) + 5 * DAY);

async function toAwaitingRelease(handle: WorkflowHandle): Promise<PlanView> {
  const referred = await screenAndRefer(env, handle);
  await acknowledgeReferral(env, handle, referred.referralId!);
  return waitForPlan(handle, (p) => p.gatePickup !== undefined, 'gate pick-up booked');
}

const change = async (expectedReleaseDate: string, reason: ReleaseDateChangeReason = 'HDC_APPROVED') => ({
  expectedReleaseDate,
  reason,
  changedAt: new Date(await env.currentTimeMs()).toISOString(),
  eventId: randomUUID(),
});

const of = <K extends Effect['kind']>(effects: Effect[], kind: K) =>
  effects.filter((e): e is Extract<Effect, { kind: K }> => e.kind === kind);

describe('changes of plan in custody (time-skipping server)', () => {
  it('HDC moves the release to a Friday: liberation the Thursday before, pick-up rebooked, agency told once', async () => {
    const now = await env.currentTimeMs();
    const original = wednesdayAfter(fridayAfter(now, 120));
    const hdcFriday = fridayAfter(now, 60);
    const acts = recordingActivities();
    const input = await receptionInput(env, { jurisdiction: 'SCOTLAND', expectedReleaseDate: original });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const before = await toAwaitingRelease(handle);
      expect(before).toMatchObject({ liberationDate: original, gatePickup: { liberationDate: original } });

      const hdc = await change(hdcFriday);
      await handle.executeUpdate(releaseDateChangedUpdate, { args: [hdc] });
      await handle.executeUpdate(releaseDateChangedUpdate, { args: [hdc] }); // redelivered: no effect
      const after = await waitForPlan(
        handle,
        (p) => p.gatePickup?.liberationDate === thursdayBefore(hdcFriday),
        'pick-up rebooked',
      );
      expect(after).toMatchObject({
        expectedReleaseDate: hdcFriday,
        liberationDate: thursdayBefore(hdcFriday),
      });
      await recordHistory(handle, 'release-date-changed.hdc');
      await handle.terminate('test over');
    });

    const booked = of(acts.effects, 'gatePickupBooked');
    expect(booked.map((b) => b.liberationDate)).toEqual([original, thursdayBefore(hdcFriday)]);
    expect(of(acts.effects, 'gatePickupCancelled')).toEqual([
      expect.objectContaining({ bookingId: booked[0]!.bookingId }),
    ]);
    expect(of(acts.effects, 'agencyNotified')).toEqual([
      expect.objectContaining({
        agencyId: `cjsw-${input.homeLocalAuthority}`,
        liberationDate: thursdayBefore(hdcFriday),
        previousLiberationDate: original,
      }),
    ]);
    // The cancellation of the old booking comes before the new booking.
    const kinds = acts.effects.map((e) => e.kind);
    expect(kinds.indexOf('gatePickupCancelled')).toBeLessThan(kinds.lastIndexOf('gatePickupBooked'));
  });

  it('the release date moved twice in one day: each move cancels, rebooks and notifies exactly once', async () => {
    const now = await env.currentTimeMs();
    const first = wednesdayAfter(fridayAfter(now, 150));
    const second = wednesdayAfter(fridayAfter(now, 90));
    const third = wednesdayAfter(fridayAfter(now, 100));
    const acts = recordingActivities();
    const input = await receptionInput(env, {
      jurisdiction: 'ENGLAND_AND_WALES',
      expectedReleaseDate: first,
    });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await toAwaitingRelease(handle);
      await handle.executeUpdate(releaseDateChangedUpdate, { args: [await change(second, 'RECALCULATION')] });
      await waitForPlan(handle, (p) => p.gatePickup?.liberationDate === second, 'second date booked');
      await handle.executeUpdate(releaseDateChangedUpdate, { args: [await change(third, 'RECALCULATION')] });
      await waitForPlan(handle, (p) => p.gatePickup?.liberationDate === third, 'third date booked');
      await recordHistory(handle, 'release-date-changed.twice');
      await handle.terminate('test over');
    });

    const booked = of(acts.effects, 'gatePickupBooked');
    expect(booked.map((b) => b.liberationDate)).toEqual([first, second, third]);
    expect(of(acts.effects, 'gatePickupCancelled').map((c) => c.bookingId)).toEqual([
      booked[0]!.bookingId,
      booked[1]!.bookingId,
    ]);
    expect(
      of(acts.effects, 'agencyNotified').map((n) => [n.previousLiberationDate, n.liberationDate]),
    ).toEqual([
      [first, second],
      [second, third],
    ]);
  });

  it('liberated earlier than the booked day (no notice): the gate pick-up is cancelled', async () => {
    const now = await env.currentTimeMs();
    const expected = wednesdayAfter(fridayAfter(now, 90));
    const acts = recordingActivities();
    const input = await receptionInput(env, { jurisdiction: 'SCOTLAND', expectedReleaseDate: expected });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await toAwaitingRelease(handle);
      await handle.executeUpdate(releaseRecordedUpdate, {
        args: [
          {
            releasedAt: new Date(await env.currentTimeMs()).toISOString(),
            establishmentCode: 'BAR',
            eventId: randomUUID(),
          },
        ],
      });
      await waitForPlan(
        handle,
        (p) => p.appointmentId !== undefined && p.gatePickup === undefined,
        'follow-up',
      );
      await recordHistory(handle, 'liberated-early.pickup-cancelled');
      await handle.terminate('test over');
    });
    const booked = of(acts.effects, 'gatePickupBooked');
    expect(booked).toHaveLength(1);
    expect(of(acts.effects, 'gatePickupCancelled')).toEqual([
      expect.objectContaining({ bookingId: booked[0]!.bookingId }),
    ]);
    expect(of(acts.effects, 'agencyNotified')).toEqual([]);
  });

  it('rejects a release date before reception, or after the release, with a reason', async () => {
    const acts = recordingActivities();
    const now = await env.currentTimeMs();
    const input = await receptionInput(env, { expectedReleaseDate: wednesdayAfter(fridayAfter(now, 90)) });
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await toAwaitingRelease(handle);
      const beforeReception = isoDate(Date.parse(input.receivedAt) - 10 * DAY);
      const early = handle.executeUpdate(releaseDateChangedUpdate, { args: [await change(beforeReception)] });
      await expect(early).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(early).rejects.toHaveProperty(
        'cause.message',
        `expected release date ${beforeReception} is before reception (${input.receivedAt})`,
      );
      const releasedAt = new Date(await env.currentTimeMs()).toISOString();
      await handle.executeUpdate(releaseRecordedUpdate, {
        args: [{ releasedAt, establishmentCode: 'BAR', eventId: randomUUID() }],
      });
      await expect(
        handle.executeUpdate(releaseDateChangedUpdate, { args: [await change(isoDate(now + 200 * DAY))] }),
      ).rejects.toHaveProperty('cause.message', `already released at ${releasedAt}`);
      await waitForPlan(handle, (p) => p.appointmentId !== undefined, 'follow-up');
      await handle.terminate('test over');
    });
    expect(of(acts.effects, 'agencyNotified')).toEqual([]);
  });
});
