import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  attendanceRecordedUpdate,
  coreScreenCompletedUpdate,
  referralAcknowledgedUpdate,
  releaseRecordedUpdate,
  type Jurisdiction,
  type PlanView,
} from '@throughcare/contracts';
import { createTimeSkippingTestEnv } from '@throughcare/testing';
import {
  atStage,
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
 * Thursdays before Easter, 10:00 London time (before the 13:00 cut-off), with the deadlines the
 * calendars must give. Good Friday is a holiday everywhere; Easter Monday only in England & Wales.
 * The first row still in the future is used (the time-skipping server cannot go back in time).
 */
const easterThursdays = [
  {
    at: '2027-03-25T10:00:00Z', // GMT: BST starts 28 March 2027
    ackDue: { SCOTLAND: '2027-03-29T22:59:59.999Z', ENGLAND_AND_WALES: '2027-03-30T22:59:59.999Z' },
    firstAppointmentDue: {
      SCOTLAND: '2027-04-02T22:59:59.999Z',
      ENGLAND_AND_WALES: '2027-04-05T22:59:59.999Z',
    },
  },
  {
    at: '2028-04-13T09:00:00Z', // 10:00 BST
    ackDue: { SCOTLAND: '2028-04-17T22:59:59.999Z', ENGLAND_AND_WALES: '2028-04-18T22:59:59.999Z' },
    firstAppointmentDue: {
      SCOTLAND: '2028-04-21T22:59:59.999Z',
      ENGLAND_AND_WALES: '2028-04-24T22:59:59.999Z',
    },
  },
  {
    at: '2029-03-29T09:00:00Z', // 10:00 BST (from 25 March 2029)
    ackDue: { SCOTLAND: '2029-04-02T22:59:59.999Z', ENGLAND_AND_WALES: '2029-04-03T22:59:59.999Z' },
    firstAppointmentDue: {
      SCOTLAND: '2029-04-06T22:59:59.999Z',
      ENGLAND_AND_WALES: '2029-04-09T22:59:59.999Z',
    },
  },
  {
    at: '2030-04-18T09:00:00Z',
    ackDue: { SCOTLAND: '2030-04-22T22:59:59.999Z', ENGLAND_AND_WALES: '2030-04-23T22:59:59.999Z' },
    firstAppointmentDue: {
      SCOTLAND: '2030-04-26T22:59:59.999Z',
      ENGLAND_AND_WALES: '2030-04-29T22:59:59.999Z',
    },
  },
] as const;
const jurisdictions: Jurisdiction[] = ['SCOTLAND', 'ENGLAND_AND_WALES'];
const areas = {
  SCOTLAND: { homeLocalAuthority: 'S12000036', establishmentCode: 'BAR' },
  ENGLAND_AND_WALES: { homeLocalAuthority: 'E08000035', establishmentCode: 'LEI' },
} as const;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingTestEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function skipTo(instant: string): Promise<void> {
  const now = await env.currentTimeMs();
  const target = Date.parse(instant);
  if (target < now) throw new Error(`cannot skip back to ${instant}`);
  await env.sleep(target - now);
}

/**
 * Lets the journey run to its end. Skips time by the follow-up window and reads the final plan
 * instead of awaiting `result()`: while a result is awaited the Java test server keeps skipping
 * to the next timer it knows, which after completion is the 10-year run timeout.
 */
async function runUntilClosed(handle: WorkflowHandle, historyName?: string): Promise<PlanView> {
  const [plan] = await runAllUntilClosed([{ handle, historyName }]);
  return plan!;
}

/** One skip for several journeys: concurrent `env.sleep` calls on the Java test server can stall. */
async function runAllUntilClosed(
  journeys: { handle: WorkflowHandle; historyName?: string }[],
): Promise<PlanView[]> {
  await env.sleep('130 days');
  return Promise.all(
    journeys.map(async ({ handle, historyName }) => {
      const plan = await waitForPlan(handle, atStage('CLOSED'), 'case closed');
      if (historyName) await recordHistory(handle, historyName);
      return plan;
    }),
  );
}

async function nextEasterThursday() {
  const now = await env.currentTimeMs();
  const row = easterThursdays.find((r) => Date.parse(r.at) > now + 86_400_000);
  if (!row)
    throw new Error('extend easterThursdays with the next years (and the calendar data in libs/domain)');
  return row;
}

const completed = (assessmentId: string, needs: ('ACCOMMODATION' | 'DRUGS_AND_ALCOHOL')[], at: Date) => ({
  assessmentId,
  needs,
  riskOfSeriousHarm: 'LOW' as const,
  completedAt: at.toISOString(),
  eventId: randomUUID(),
});

const slug = (j: Jurisdiction) => j.toLowerCase().replace(/_/g, '-');
const kinds = (effects: Effect[]) => effects.map((e) => e.kind);

describe('throughcare journey (time-skipping server)', () => {
  it('carries one person from reception to closed follow-up with every clock met', async () => {
    const acts = recordingActivities();
    const input = await receptionInput(env);
    const result = await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
      expect(screening.stage).toBe('CORE_SCREEN');

      await handle.executeUpdate(coreScreenCompletedUpdate, {
        args: [
          completed(
            screening.assessmentId!,
            ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
            new Date(await env.currentTimeMs()),
          ),
        ],
      });
      const referred = await waitForPlan(handle, (p) => p.referralId !== undefined, 'referral');
      expect(referred).toMatchObject({ stage: 'REFERRAL', agencyId: 'cjsw-S12000036' });

      await acknowledgeReferral(env, handle, referred.referralId!);
      const awaiting = await waitForPlan(handle, (p) => p.gatePickup !== undefined, 'gate pick-up booked');
      expect(awaiting.stage).toBe('AWAITING_RELEASE');

      // Released on the liberation date the gate pick-up was booked for.
      await skipTo(`${awaiting.liberationDate}T10:00:00Z`);
      const releasedAt = new Date(await env.currentTimeMs()).toISOString();
      await handle.executeUpdate(releaseRecordedUpdate, {
        args: [{ releasedAt, establishmentCode: 'BAR', eventId: randomUUID() }],
      });
      const followUp = await waitForPlan(handle, (p) => p.appointmentId !== undefined, 'first appointment');
      expect(followUp.stage).toBe('FOLLOW_UP');

      await handle.executeUpdate(attendanceRecordedUpdate, {
        args: [
          {
            appointmentId: followUp.appointmentId!,
            attendance: 'YES',
            attendedAt: new Date(await env.currentTimeMs()).toISOString(),
            eventId: randomUUID(),
          },
        ],
      });
      return runUntilClosed(handle, 'happy-path');
    });

    expect(result.stage).toBe('CLOSED');
    expect(result.stagesDone).toEqual([
      'RECEPTION',
      'CORE_SCREEN',
      'REFERRAL',
      'AWAITING_RELEASE',
      'FOLLOW_UP',
    ]);
    expect(result.policy).toEqual({ id: 'scotland-2026', version: 1 });
    expect(result.deadlines.map((d) => [d.clock, d.status])).toEqual([
      ['coreScreen', 'MET'],
      ['referralAcknowledgement', 'MET'],
      ['firstAppointment', 'MET'],
    ]);
    expect(kinds(acts.effects)).toEqual([
      'coreScreenRequested',
      'agencyLookedUp',
      'referralSent',
      'gatePickupBooked',
      'appointmentBooked',
      'caseClosed',
    ]);
    // Released on the day the pick-up was booked for: the booking stands.
    const pickup = acts.effects.find((e) => e.kind === 'gatePickupBooked');
    expect(pickup).toMatchObject({ liberationDate: result.liberationDate });
    expect(acts.effects).toContainEqual(
      expect.objectContaining({ kind: 'referralSent', agencyId: 'cjsw-S12000036' }),
    );
    expect(acts.stages).toEqual(['CORE_SCREEN', 'REFERRAL', 'AWAITING_RELEASE', 'FOLLOW_UP', 'CLOSED']);
  });

  it('records one breach when the referral is not acknowledged within 1 working day (Easter, both jurisdictions)', async () => {
    const easter = await nextEasterThursday();
    await skipTo(easter.at);
    const acts = recordingActivities();
    const inputs = await Promise.all(
      jurisdictions.map((j) => receptionInput(env, { jurisdiction: j, ...areas[j] })),
    );
    const plans = await withWorkers(env, acts, async () => {
      const handles = await Promise.all(
        inputs.map(async (input) => {
          const handle = await startJourney(env, input);
          const referred = await screenAndRefer(env, handle);
          return { handle, referralId: referred.referralId! };
        }),
      );
      // Both agencies stay silent past the later deadline.
      await skipTo(new Date(Date.parse(easter.ackDue.ENGLAND_AND_WALES) + 60_000).toISOString());
      const acknowledgedLate = await Promise.all(
        handles.map(async ({ handle, referralId }) => {
          await waitForPlan(
            handle,
            (p) => p.deadlines.some((d) => d.clock === 'referralAcknowledgement' && d.status === 'BREACHED'),
            'breach',
          );
          // Acknowledged late: the breach closes with its lateness, and is not recorded twice.
          await handle.executeUpdate(referralAcknowledgedUpdate, {
            args: [
              {
                referralId,
                acknowledgedAt: new Date(await env.currentTimeMs()).toISOString(),
                acknowledgedBy: 'duty social worker',
                eventId: randomUUID(),
              },
            ],
          });
          const plan = await waitForPlan(
            handle,
            (p) => p.deadlines.some((d) => d.clock === 'referralAcknowledgement' && d.status === 'MET_LATE'),
            'late acknowledgement',
          );
          // Then released and followed up to the end, so the recorded history covers the whole branch.
          await handle.executeUpdate(releaseRecordedUpdate, {
            args: [
              {
                releasedAt: new Date(await env.currentTimeMs()).toISOString(),
                establishmentCode: 'BAR',
                eventId: randomUUID(),
              },
            ],
          });
          const followUp = await waitForPlan(
            handle,
            (p) => p.appointmentId !== undefined,
            'first appointment',
          );
          await handle.executeUpdate(attendanceRecordedUpdate, {
            args: [
              {
                appointmentId: followUp.appointmentId!,
                attendance: 'YES',
                attendedAt: new Date(await env.currentTimeMs()).toISOString(),
                eventId: randomUUID(),
              },
            ],
          });
          return plan;
        }),
      );
      // Leave nothing running: both journeys go on to close (and their histories are recorded).
      await runAllUntilClosed(
        handles.map(({ handle }, i) => ({
          handle,
          historyName: `referral-ack-breach.${slug(inputs[i]!.jurisdiction)}`,
        })),
      );
      return acknowledgedLate;
    });

    inputs.forEach((input, i) => {
      const due = easter.ackDue[input.jurisdiction];
      const ack = plans[i]!.deadlines.find((d) => d.clock === 'referralAcknowledgement')!;
      expect(ack.dueAt).toBe(due);
      expect(Date.parse(ack.metAt!)).toBeGreaterThan(Date.parse(due));
    });
    const breaches = acts.effects.filter((e) => e.kind === 'breachRecorded');
    expect(breaches).toHaveLength(2);
    for (const input of inputs) {
      const due = easter.ackDue[input.jurisdiction];
      expect(breaches).toContainEqual(
        expect.objectContaining({
          clock: 'referralAcknowledgement',
          dueAt: due,
          owedBy: `agency:cjsw-${input.homeLocalAuthority}`,
          owedTo: `prison:${input.establishmentCode}`,
        }),
      );
      expect(acts.effects).toContainEqual(
        expect.objectContaining({
          kind: 'referralSent',
          agencyId: `cjsw-${input.homeLocalAuthority}`,
          acknowledgeBy: due,
        }),
      );
    }
    expect(acts.effects.filter((e) => e.kind === 'breachMet')).toHaveLength(2);
  });

  it('records a first-appointment breach after 5 working days over the Easter bank-holiday weekend (both jurisdictions)', async () => {
    const acts = recordingActivities();
    const inputs = await Promise.all(
      jurisdictions.map((j) => receptionInput(env, { jurisdiction: j, ...areas[j] })),
    );
    const easter = await nextEasterThursday();
    const results = await withWorkers(env, acts, async () => {
      const handles = await Promise.all(
        inputs.map(async (input) => {
          const handle = await startJourney(env, input);
          const referred = await screenAndRefer(env, handle);
          await acknowledgeReferral(env, handle, referred.referralId!);
          await waitForPlan(handle, atStage('AWAITING_RELEASE'), 'awaiting release');
          return handle;
        }),
      );

      await skipTo(easter.at);
      await Promise.all(
        handles.map(async (handle, i) => {
          await handle.executeUpdate(releaseRecordedUpdate, {
            args: [
              {
                releasedAt: easter.at,
                establishmentCode: inputs[i]!.establishmentCode,
                eventId: randomUUID(),
              },
            ],
          });
          const followUp = await waitForPlan(
            handle,
            (p) => p.appointmentId !== undefined,
            'first appointment',
          );
          // Not attended: a NO does not meet the clock.
          await handle.executeUpdate(attendanceRecordedUpdate, {
            args: [
              {
                appointmentId: followUp.appointmentId!,
                attendance: 'NO',
                attendedAt: new Date(Date.parse(easter.at) + 3_600_000).toISOString(),
                reason: 'POP_UNACCEPTABLE',
                eventId: randomUUID(),
              },
            ],
          });
        }),
      );
      return runAllUntilClosed(
        handles.map((handle, i) => ({
          handle,
          historyName: `first-appointment-breach.${slug(inputs[i]!.jurisdiction)}`,
        })),
      );
    });

    const breaches = acts.effects.filter(
      (e): e is Extract<Effect, { kind: 'breachRecorded' }> => e.kind === 'breachRecorded',
    );
    expect(breaches).toHaveLength(2);
    inputs.forEach((input, i) => {
      const expectedDue = easter.firstAppointmentDue[input.jurisdiction];
      const breach = breaches.find((b) => b.dueAt === expectedDue);
      expect(breach).toMatchObject({
        clock: 'firstAppointment',
        owedBy: `agency:cjsw-${input.homeLocalAuthority}`,
        owedTo: 'person',
      });
      expect(Date.parse(breach!.breachedAt)).toBeGreaterThanOrEqual(Date.parse(expectedDue));
      expect(results[i]!.stage).toBe('CLOSED');
      expect(results[i]!.deadlines.find((d) => d.clock === 'firstAppointment')).toMatchObject({
        status: 'BREACHED',
        dueAt: expectedDue,
      });
    });
    expect(
      acts.effects
        .filter((e) => e.kind === 'appointmentBooked')
        .map((e) => 'dueBy' in e && e.dueBy)
        .sort(),
    ).toEqual([easter.firstAppointmentDue.SCOTLAND, easter.firstAppointmentDue.ENGLAND_AND_WALES].sort());
    expect(acts.effects.filter((e) => e.kind === 'caseClosed')).toHaveLength(2);
  });

  it('rejects an impossible fact with a reason and ignores a redelivered one', async () => {
    const acts = recordingActivities();
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');

      const beforeReception = new Date(Date.parse(input.receivedAt) - 86_400_000).toISOString();
      const rejected = handle.executeUpdate(releaseRecordedUpdate, {
        args: [{ releasedAt: beforeReception, establishmentCode: 'BAR', eventId: randomUUID() }],
      });
      await expect(rejected).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await expect(rejected).rejects.toHaveProperty(
        'cause.message',
        `release (${beforeReception}) is before reception (${input.receivedAt})`,
      );
      await expect(
        handle.executeUpdate(referralAcknowledgedUpdate, {
          args: [
            {
              referralId: randomUUID(),
              acknowledgedAt: input.receivedAt,
              acknowledgedBy: 'x',
              eventId: randomUUID(),
            },
          ],
        }),
      ).rejects.toHaveProperty('cause.message', 'no referral has been sent in this episode');

      // The same event delivered twice (bus redelivery): applied once.
      const fact = completed(screening.assessmentId!, [], new Date(await env.currentTimeMs()));
      await handle.executeUpdate(coreScreenCompletedUpdate, { args: [fact] });
      await handle.executeUpdate(coreScreenCompletedUpdate, { args: [fact] });
      // A duplicate reception (bus redelivery of the reception event) is harmless.
      await startJourney(env, input);

      // No needs: no referral, straight to awaiting release.
      const waiting = await waitForPlan(handle, atStage('AWAITING_RELEASE'), 'awaiting release');
      expect(waiting.stagesDone).toEqual(['RECEPTION', 'CORE_SCREEN']);
      await handle.terminate('test over');
    });
    expect(kinds(acts.effects)).toEqual(['coreScreenRequested', 'gatePickupBooked']);
  });
});
