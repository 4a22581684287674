import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import {
  coreScreenCompletedUpdate,
  ErrorTypes,
  planQuery,
  referralAcknowledgedUpdate,
  receptionSignal,
  TaskQueues,
  throughcareWorkflowId,
  type AssessmentActivities,
  type DirectoryActivities,
  type LiberationActivities,
  type Pathway,
  type PlanView,
  type ReferralActivities,
  type Stage,
  type ThroughcareActivities,
  type ThroughcareInput,
} from '@throughcare/contracts';
import type { WorkflowHandle } from '@temporalio/client';
import type { throughcareJourney } from './throughcare.workflow';

/** Everything the journey asked the outside world to do, in order: the test asserts on this. */
export type Effect =
  | { kind: 'coreScreenRequested'; key: string; assessmentId: string; dueBy: string }
  | { kind: 'agencyLookedUp'; localAuthority: string; agencyKind: string }
  | { kind: 'referralSent'; key: string; referralId: string; agencyId: string; acknowledgeBy: string }
  | { kind: 'appointmentBooked'; key: string; appointmentId: string; dueBy: string }
  | {
      kind: 'breachRecorded';
      key: string;
      clock: string;
      owedBy: string;
      owedTo: string;
      dueAt: string;
      breachedAt: string;
    }
  | { kind: 'breachMet'; key: string; metAt: string }
  | { kind: 'caseClosed'; key: string; reason: string }
  | { kind: 'gatePickupBooked'; key: string; bookingId: string; liberationDate: string }
  | { kind: 'gatePickupCancelled'; key: string; bookingId: string; reason: string }
  | {
      kind: 'agencyNotified';
      key: string;
      agencyId: string;
      liberationDate: string;
      previousLiberationDate?: string;
    };

/** Activity doubles that record effects and behave like the real services (idempotent by key). */
export function recordingActivities(options: { agencyMissing?: boolean } = {}) {
  const effects: Effect[] = [];
  const byKey = new Map<string, string>();
  /** Records the effect once per idempotency key and returns the id first assigned to that key. */
  const once = (key: string, effect: (id: string) => Effect): string => {
    const known = byKey.get(key);
    if (known) return known;
    const id = randomUUID();
    byKey.set(key, id);
    effects.push(effect(id));
    return id;
  };
  const assessment: AssessmentActivities = {
    async requestCoreScreen(i) {
      const assessmentId = once(i.idempotencyKey, (id) => ({
        kind: 'coreScreenRequested',
        key: i.idempotencyKey,
        assessmentId: id,
        dueBy: i.dueBy,
      }));
      return { assessmentId };
    },
  };
  const directory: DirectoryActivities = {
    async findAgency(i) {
      effects.push({ kind: 'agencyLookedUp', localAuthority: i.localAuthority, agencyKind: i.kind });
      if (options.agencyMissing) {
        throw ApplicationFailure.create({
          type: ErrorTypes.agencyNotFound,
          message: 'none',
          nonRetryable: true,
        });
      }
      return {
        agencyId: `cjsw-${i.localAuthority}`,
        name: 'Justice Social Work',
        kind: i.kind,
        localAuthority: i.localAuthority,
        contactPoint: 'Justice Social Work duty team',
      };
    },
  };
  const referral: ReferralActivities = {
    async sendReferral(i) {
      const referralId = once(i.idempotencyKey, (id) => ({
        kind: 'referralSent',
        key: i.idempotencyKey,
        referralId: id,
        agencyId: i.agencyId,
        acknowledgeBy: i.acknowledgeBy,
      }));
      return { referralId };
    },
    async notifyAgency(i) {
      const notificationId = once(i.idempotencyKey, () => ({
        kind: 'agencyNotified',
        key: i.idempotencyKey,
        agencyId: i.agencyId,
        liberationDate: i.liberationDate,
        previousLiberationDate: i.previousLiberationDate,
      }));
      return { notificationId };
    },
    async bookFirstAppointment(i) {
      const appointmentId = once(i.idempotencyKey, (id) => ({
        kind: 'appointmentBooked',
        key: i.idempotencyKey,
        appointmentId: id,
        dueBy: i.dueBy,
      }));
      return { appointmentId };
    },
  };
  const throughcare: ThroughcareActivities = {
    async recordSlaBreach(i) {
      const breachId = once(i.idempotencyKey, () => ({
        kind: 'breachRecorded',
        key: i.idempotencyKey,
        clock: i.clock,
        owedBy: i.owedBy,
        owedTo: i.owedTo,
        dueAt: i.dueAt,
        breachedAt: i.breachedAt,
      }));
      return { breachId };
    },
    async recordBreachMet(i) {
      once(`${i.idempotencyKey}:met`, () => ({ kind: 'breachMet', key: i.idempotencyKey, metAt: i.metAt }));
    },
    async recordCaseClosed(i) {
      once(i.idempotencyKey, () => ({ kind: 'caseClosed', key: i.idempotencyKey, reason: i.reason }));
    },
  };
  /** Stages recorded against the custody episode, in order (kept apart from the effects above). */
  const stages: string[] = [];
  const recordedStageKeys = new Set<string>();
  const liberation: LiberationActivities = {
    async recordEpisodeStage(i) {
      if (recordedStageKeys.has(i.idempotencyKey)) return;
      recordedStageKeys.add(i.idempotencyKey);
      stages.push(i.stage);
    },
    async bookGatePickup(i) {
      const bookingId = once(i.idempotencyKey, (id) => ({
        kind: 'gatePickupBooked',
        key: i.idempotencyKey,
        bookingId: id,
        liberationDate: i.liberationDate,
      }));
      return { bookingId };
    },
    async cancelGatePickup(i) {
      once(i.idempotencyKey, () => ({
        kind: 'gatePickupCancelled',
        key: i.idempotencyKey,
        bookingId: i.bookingId,
        reason: i.reason,
      }));
    },
  };
  return { effects, stages, assessment, directory, referral, throughcare, liberation };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test process (webpack is the slow part). */
export function journeyBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('./index'), logger: quietLogger });
  return bundle;
}
const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

/** Runs the journey's worker and one worker per service queue for the duration of `fn`. */
export async function withWorkers<T>(
  env: TestWorkflowEnvironment,
  activities: ReturnType<typeof recordingActivities>,
  fn: () => Promise<T>,
): Promise<T> {
  const connection = env.nativeConnection;
  const workers = await Promise.all([
    Worker.create({
      connection,
      taskQueue: TaskQueues.throughcare,
      workflowBundle: await journeyBundle(),
      activities: activities.throughcare,
    }),
    Worker.create({ connection, taskQueue: TaskQueues.assessment, activities: activities.assessment }),
    Worker.create({ connection, taskQueue: TaskQueues.directory, activities: activities.directory }),
    Worker.create({ connection, taskQueue: TaskQueues.referral, activities: activities.referral }),
    Worker.create({ connection, taskQueue: TaskQueues.liberation, activities: activities.liberation }),
  ]);
  const [first, ...rest] = workers;
  const nest = rest.reduce<() => Promise<T>>((inner, w) => () => w.runUntil(inner), fn);
  return first!.runUntil(nest);
}

let personCounter = 0;
/** A reception at the environment's current time (builder: override what a test cares about). */
export async function receptionInput(
  env: TestWorkflowEnvironment,
  overrides: Partial<ThroughcareInput> = {},
): Promise<ThroughcareInput> {
  const now = new Date(await env.currentTimeMs());
  personCounter += 1;
  return {
    personId: `p${String(personCounter).padStart(4, '0')}${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    episode: 1,
    jurisdiction: 'SCOTLAND',
    establishmentCode: 'BAR',
    homeLocalAuthority: 'S12000036',
    receivedAt: now.toISOString(),
    sentenceDate: now.toISOString().slice(0, 10),
    sentenceLengthDays: 365,
    expectedReleaseDate: new Date(now.getTime() + 182 * 86_400_000).toISOString().slice(0, 10),
    correlationId: randomUUID(),
    ...overrides,
  };
}

/** Starts the journey the way the bridge does: signal-with-start with the reception. */
export async function startJourney(
  env: TestWorkflowEnvironment,
  input: ThroughcareInput,
): Promise<WorkflowHandle<typeof throughcareJourney>> {
  return env.client.workflow.signalWithStart<typeof throughcareJourney, [ThroughcareInput]>(
    'throughcareJourney',
    {
      taskQueue: TaskQueues.throughcare,
      workflowId: throughcareWorkflowId(input.personId, input.episode),
      args: [input],
      signal: receptionSignal,
      signalArgs: [input],
    },
  );
}

/** Polls the plan query (real time, no skipping) until `done` holds. */
export async function waitForPlan(
  handle: WorkflowHandle,
  done: (plan: PlanView) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<PlanView> {
  const until = Date.now() + timeoutMs;
  let last: PlanView | undefined;
  while (Date.now() < until) {
    last = await handle.query(planQuery);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last plan: ${JSON.stringify(last)}`);
}

/** The reception officer completes the core screen with these needs; waits for the referral they drive. */
export async function screenAndRefer(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  needs: Pathway[] = ['ACCOMMODATION'],
): Promise<PlanView> {
  const screening = await waitForPlan(handle, (p) => p.assessmentId !== undefined, 'core screen request');
  await handle.executeUpdate(coreScreenCompletedUpdate, {
    args: [
      {
        assessmentId: screening.assessmentId!,
        needs,
        riskOfSeriousHarm: 'LOW',
        completedAt: new Date(await env.currentTimeMs()).toISOString(),
        eventId: randomUUID(),
      },
    ],
  });
  return waitForPlan(handle, (p) => p.referralId !== undefined, 'referral');
}

/** The agency acknowledges the referral, now. */
export async function acknowledgeReferral(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  referralId: string,
): Promise<void> {
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
}

export const atStage = (stage: Stage) => (plan: PlanView) => plan.stage === stage;

/**
 * `RECORD_HISTORIES=1 npm test` rewrites test/fixtures/histories from these scenarios; the
 * replay test then proves today's workflow code still replays them (determinism).
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const dir = path.resolve(__dirname, '../../../../test/fixtures/histories');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, `throughcare-journey.${name}.json`),
    historyToJSON(await handle.fetchHistory()),
  );
}
