import {
  ApplicationFailure,
  ActivityFailure,
  CancellationScope,
  condition,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import {
  attendanceRecordedUpdate,
  coreScreenCompletedUpdate,
  ErrorTypes,
  planQuery,
  receptionSignal,
  referralAcknowledgedUpdate,
  releaseDateChangedUpdate,
  releaseRecordedUpdate,
  SearchAttributes,
  TaskQueues,
  type AssessmentActivities,
  type AttendanceRecorded,
  type CoreScreenCompleted,
  type DeadlineView,
  type DirectoryActivities,
  type LiberationActivities,
  type PlanView,
  type ReferralAcknowledged,
  type ReferralActivities,
  type ReleaseDateChanged,
  type ReleaseRecorded,
  type Stage,
  type ThroughcareActivities,
  type ThroughcareInput,
} from '@throughcare/contracts';
import {
  deadlineFor,
  localDateOf,
  policyById,
  policyFor,
  scottishLiberationDate,
  type ClockName,
  type SlaPolicy,
} from '@throughcare/domain';

/** Retries transient failures for as long as it takes; domain rejections fail fast. */
const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: [ErrorTypes.agencyNotFound, ErrorTypes.validation],
};

const assessment = proxyActivities<AssessmentActivities>({
  taskQueue: TaskQueues.assessment,
  startToCloseTimeout: '30 seconds',
  retry,
});
const directory = proxyActivities<DirectoryActivities>({
  taskQueue: TaskQueues.directory,
  startToCloseTimeout: '30 seconds',
  retry,
});
const referral = proxyActivities<ReferralActivities>({
  taskQueue: TaskQueues.referral,
  startToCloseTimeout: '30 seconds',
  retry,
});
const liberation = proxyActivities<LiberationActivities>({
  taskQueue: TaskQueues.liberation,
  startToCloseTimeout: '30 seconds',
  retry,
});
const throughcare = proxyActivities<ThroughcareActivities>({
  taskQueue: TaskQueues.throughcare,
  startToCloseTimeout: '30 seconds',
  retry,
});

/** The liberation service's error type for a custody episode it has no record of. */
const EPISODE_NOT_FOUND = 'EPISODE_NOT_FOUND';

/** The stable error type of a failed activity, if it failed with one. */
function failureType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
    ? (err.cause.type ?? undefined)
    : undefined;
}

/** How long to wait before asking the directory again when no agency serves the person's area. */
const DIRECTORY_RETRY_INTERVAL = '1 day';

interface JourneyState {
  stage: Stage;
  stagesDone: Stage[];
  deadlines: (DeadlineView & { breachKey?: string })[];
  waitingOn: string | null;
  assessmentId?: string;
  coreScreen?: CoreScreenCompleted;
  agencyId?: string;
  referralId?: string;
  referralPending: boolean;
  acknowledgement?: ReferralAcknowledged;
  release?: ReleaseRecorded;
  appointmentId?: string;
  appointmentPending: boolean;
  attendances: AttendanceRecorded[];
  closedAt?: string;
  seenEventIds: string[];
  /** Expected release date as last known; every change is kept, in order. */
  expectedReleaseDate: string;
  dateChanges: ReleaseDateChanged[];
  gatePickup?: { bookingId: string; liberationDate: string };
  /** Compensations registered after each step that succeeded, undone newest first. */
  compensations: Compensation[];
}

/**
 * An undo for a step that succeeded, kept as data (so it survives continue-as-new): idempotent
 * (keyed) and run outside cancellation.
 */
type Compensation = { key: string; what: string } & {
  kind: 'cancelGatePickup';
  bookingId: string;
  liberationDate: string;
};

/**
 * The liberation date a release date gives: in Scotland no liberation on a Friday, a weekend, a
 * public holiday or the day before one (Bail and Release from Custody (Scotland) Act 2023 s.8).
 */
function liberationDateFor(
  jurisdiction: ThroughcareInput['jurisdiction'],
  expectedReleaseDate: string,
): string {
  return jurisdiction === 'SCOTLAND' ? scottishLiberationDate(expectedReleaseDate) : expectedReleaseDate;
}

/**
 * FROZEN: journey version 1, kept only so that journeys started before `patched('journey-v2')`
 * replay and finish as they began (test/fixtures/histories/v1). Do not change its commands.
 *
 * One custody episode of one person, from reception to the end of post-release follow-up.
 *
 * Started by the bridge with signalWithStart (the reception signal makes redelivery harmless);
 * facts from the services arrive as validated updates. Deadlines are derived from base dates
 * (reception, referral sent, release) under the SLA policy captured at the start of the case.
 */
export async function journeyV1(input: ThroughcareInput): Promise<PlanView> {
  // Journeys of this version captured policy version 1 (later versions add clocks it never used).
  const policy: SlaPolicy = policyById(policyFor(input.jurisdiction, input.receivedAt.slice(0, 10)).id, 1);
  const s: JourneyState = {
    stage: 'RECEPTION',
    stagesDone: [],
    deadlines: [],
    waitingOn: null,
    referralPending: false,
    appointmentPending: false,
    attendances: [],
    seenEventIds: [],
    expectedReleaseDate: input.expectedReleaseDate,
    dateChanges: [],
    compensations: [],
  };
  // Versioning: journeys recorded before gate pick-ups and date changes existed replay without them.
  const plansGatePickup = patched('gate-pickup-and-release-date-changes');
  const wfId = workflowInfo().workflowId;
  const prison = `prison:${input.establishmentCode}`;

  const plan = (): PlanView => ({
    personId: input.personId,
    episode: input.episode,
    stage: s.stage,
    stagesDone: [...s.stagesDone],
    policy: { id: policy.id, version: policy.version },
    deadlines: s.deadlines.map(({ breachKey: _unused, ...d }) => d),
    waitingOn: s.waitingOn,
    assessmentId: s.assessmentId,
    needs: s.coreScreen?.needs,
    referralId: s.referralId,
    agencyId: s.agencyId,
    releasedAt: s.release?.releasedAt,
    appointmentId: s.appointmentId,
    closedAt: s.closedAt,
    expectedReleaseDate: s.expectedReleaseDate,
    liberationDate: liberationDateFor(input.jurisdiction, s.expectedReleaseDate),
    gatePickup: s.gatePickup ? { ...s.gatePickup } : undefined,
  });

  const firstTime = (eventId: string): boolean => {
    if (s.seenEventIds.includes(eventId)) return false;
    s.seenEventIds.push(eventId);
    if (s.seenEventIds.length > 200) s.seenEventIds.shift();
    return true;
  };
  const notBefore = (what: string, at: string, base: string, baseName: string): void => {
    if (Date.parse(at) < Date.parse(base)) {
      throw ApplicationFailure.create({
        type: ErrorTypes.validation,
        message: `${what} (${at}) is before ${baseName} (${base})`,
        nonRetryable: true,
      });
    }
  };
  const reject = (message: string): never => {
    throw ApplicationFailure.create({ type: ErrorTypes.validation, message, nonRetryable: true });
  };

  // Handlers: validators are synchronous (an async validator silently fails to reject).
  setHandler(receptionSignal, (again) => {
    if (again.episode !== input.episode || again.personId !== input.personId) {
      log.warn('reception signal for another episode ignored', { episode: again.episode });
    }
  });
  setHandler(planQuery, plan);
  setHandler(
    coreScreenCompletedUpdate,
    (fact) => {
      if (!firstTime(fact.eventId)) return;
      s.coreScreen ??= fact;
      refreshDetails();
    },
    {
      validator: (fact) => {
        notBefore('core screen completion', fact.completedAt, input.receivedAt, 'reception');
        if (
          s.assessmentId &&
          fact.assessmentId !== s.assessmentId &&
          !s.seenEventIds.includes(fact.eventId)
        ) {
          reject(`assessment ${fact.assessmentId} is not this episode's core screen (${s.assessmentId})`);
        }
      },
    },
  );
  setHandler(
    referralAcknowledgedUpdate,
    (fact) => {
      if (!firstTime(fact.eventId)) return;
      s.acknowledgement ??= fact;
      refreshDetails();
    },
    {
      validator: (fact) => {
        if (s.seenEventIds.includes(fact.eventId)) return;
        if (!s.referralId && !s.referralPending) reject('no referral has been sent in this episode');
        if (s.referralId && fact.referralId !== s.referralId) {
          reject(`referral ${fact.referralId} is not this episode's referral (${s.referralId})`);
        }
        notBefore('acknowledgement', fact.acknowledgedAt, input.receivedAt, 'reception');
      },
    },
  );
  setHandler(
    releaseRecordedUpdate,
    (fact) => {
      if (!firstTime(fact.eventId)) return;
      s.release ??= fact;
      refreshDetails();
    },
    {
      validator: (fact) => {
        if (s.seenEventIds.includes(fact.eventId)) return;
        notBefore('release', fact.releasedAt, input.receivedAt, 'reception');
        if (s.release && s.release.releasedAt !== fact.releasedAt) {
          reject(`release already recorded at ${s.release.releasedAt}`);
        }
      },
    },
  );
  setHandler(
    attendanceRecordedUpdate,
    (fact) => {
      if (!firstTime(fact.eventId)) return;
      s.attendances.push(fact);
      refreshDetails();
    },
    {
      validator: (fact) => {
        if (s.seenEventIds.includes(fact.eventId)) return;
        if (!s.appointmentId && !s.appointmentPending)
          reject('no appointment has been booked in this episode');
        if (s.appointmentId && fact.appointmentId !== s.appointmentId) {
          reject(`appointment ${fact.appointmentId} is not this episode's appointment (${s.appointmentId})`);
        }
        if (s.release) notBefore('attendance', fact.attendedAt, s.release.releasedAt, 'release');
      },
    },
  );

  setHandler(
    releaseDateChangedUpdate,
    (change) => {
      if (!firstTime(change.eventId)) return;
      s.dateChanges.push(change);
      s.expectedReleaseDate = change.expectedReleaseDate;
      refreshDetails();
    },
    {
      validator: (change) => {
        if (s.seenEventIds.includes(change.eventId)) return;
        if (!plansGatePickup) reject('this journey predates release-date changes');
        if (s.release) reject(`already released at ${s.release.releasedAt}`);
        if (change.expectedReleaseDate < input.receivedAt.slice(0, 10)) {
          reject(
            `expected release date ${change.expectedReleaseDate} is before reception (${input.receivedAt})`,
          );
        }
      },
    },
  );

  function refreshDetails(): void {
    const open = s.deadlines.filter((d) => d.status === 'OPEN' || d.status === 'BREACHED');
    const lines = [
      `**Stage:** ${s.stage}`,
      `**Policy:** ${policy.id} v${policy.version}`,
      s.waitingOn ? `**Waiting on:** ${s.waitingOn}` : '**Waiting on:** nobody',
      ...open.map((d) => `- ${d.clock}: due ${d.dueAt} (${d.status}), owed by ${d.owedBy} to ${d.owedTo}`),
    ];
    setCurrentDetails(lines.join('\n'));
    const next = s.deadlines
      .filter((d) => d.status === 'OPEN')
      .map((d) => Date.parse(d.dueAt))
      .sort((a, b) => a - b)[0];
    upsertSearchAttributes([
      { key: SearchAttributes.stage, value: s.stage },
      { key: SearchAttributes.nextDeadline, value: next === undefined ? null : new Date(next) },
    ]);
  }

  /**
   * Moves to a stage once it is recorded against the custody episode (the liberation API shows
   * it), so the plan never reports a stage the system of record does not know yet.
   */
  async function enter(stage: Stage, waitingOn: string | null): Promise<void> {
    try {
      await liberation.recordEpisodeStage({
        idempotencyKey: `${wfId}:stage:${stage}`,
        personId: input.personId,
        episode: input.episode,
        stage,
        at: new Date(Date.now()).toISOString(),
      });
    } catch (err) {
      // A reception published upstream straight onto the bus has no liberation record to update.
      if (!(failureType(err) === EPISODE_NOT_FOUND)) throw err;
      log.warn('episode unknown to the liberation service; stage kept in the journey only', { stage });
    }
    if (s.stage !== stage && !s.stagesDone.includes(s.stage)) s.stagesDone.push(s.stage);
    s.stage = stage;
    s.waitingOn = waitingOn;
    log.info('stage entered', { stage, waitingOn });
    refreshDetails();
  }

  /**
   * Tracks one clock alongside the main flow: on time → MET; missed → one breach record (and a bus
   * event, from the activity's outbox); met later → the breach is closed with its lateness.
   */
  function watch(
    clock: ClockName,
    base: string,
    owedBy: string,
    owedTo: string,
    metAt: () => string | undefined,
  ): Promise<void> {
    const dueAt = deadlineFor(policyById(policy.id, policy.version), clock, new Date(base));
    const deadline: JourneyState['deadlines'][number] = {
      clock,
      owedBy,
      owedTo,
      startedAt: base,
      dueAt: dueAt.toISOString(),
      status: 'OPEN',
    };
    s.deadlines.push(deadline);
    refreshDetails();
    const closed = () => metAt() !== undefined || s.closedAt !== undefined;
    return (async () => {
      const inTime = await condition(closed, Math.max(1, dueAt.getTime() - Date.now()));
      if (!inTime) {
        deadline.status = 'BREACHED';
        deadline.breachKey = `${wfId}:breach:${clock}`;
        refreshDetails();
        await throughcare.recordSlaBreach({
          idempotencyKey: deadline.breachKey,
          personId: input.personId,
          episode: input.episode,
          clock,
          owedBy,
          owedTo,
          dueAt: deadline.dueAt,
          breachedAt: new Date(Date.now()).toISOString(),
          correlationId: input.correlationId,
        });
        await condition(closed);
      }
      const met = metAt();
      if (met === undefined) {
        deadline.status = deadline.status === 'BREACHED' ? 'BREACHED' : 'CANCELLED';
      } else {
        deadline.metAt = met;
        if (deadline.status === 'BREACHED' && deadline.breachKey) {
          await throughcare.recordBreachMet({ idempotencyKey: deadline.breachKey, metAt: met });
          deadline.status = 'MET_LATE';
        } else {
          deadline.status = 'MET';
        }
      }
      refreshDetails();
    })();
  }

  /** Runs a registered compensation (idempotent, keyed) outside any cancellation, and forgets it. */
  async function undo(key: string): Promise<void> {
    const index = s.compensations.findIndex((c) => c.key === key);
    if (index < 0) return;
    const [c] = s.compensations.splice(index, 1) as [Compensation];
    log.info('compensating', { what: c.what });
    await CancellationScope.nonCancellable(async () => {
      switch (c.kind) {
        case 'cancelGatePickup':
          return liberation.cancelGatePickup({
            idempotencyKey: `${wfId}:gate-pickup:${c.bookingId}:cancel`,
            bookingId: c.bookingId,
            reason: `liberation date no longer ${c.liberationDate}`,
            correlationId: input.correlationId,
          });
      }
    });
  }

  let notificationsSent = 0;
  let agencyToldLiberationDate = liberationDateFor(input.jurisdiction, input.expectedReleaseDate);

  async function replanLiberation(): Promise<void> {
    const liberationDate = liberationDateFor(input.jurisdiction, s.expectedReleaseDate);
    if (s.gatePickup && s.gatePickup.liberationDate !== liberationDate) {
      await undo(`gate-pickup:${s.gatePickup.bookingId}`);
      s.gatePickup = undefined;
    }
    if (!s.gatePickup) {
      const { bookingId } = await liberation.bookGatePickup({
        idempotencyKey: `${wfId}:gate-pickup:${liberationDate}:${s.dateChanges.length}`,
        personId: input.personId,
        episode: input.episode,
        establishmentCode: input.establishmentCode,
        liberationDate,
        correlationId: input.correlationId,
      });
      s.gatePickup = { bookingId, liberationDate };
      s.compensations.push({
        key: `gate-pickup:${bookingId}`,
        what: `cancel gate pick-up ${bookingId} for ${liberationDate}`,
        kind: 'cancelGatePickup',
        bookingId,
        liberationDate,
      });
    }
    if (s.agencyId && liberationDate !== agencyToldLiberationDate) {
      notificationsSent += 1;
      await referral.notifyAgency({
        idempotencyKey: `${wfId}:notify:${s.agencyId}:liberation-date:${notificationsSent}`,
        personId: input.personId,
        episode: input.episode,
        agencyId: s.agencyId,
        subject: 'LIBERATION_DATE_CHANGED',
        liberationDate,
        previousLiberationDate: agencyToldLiberationDate,
        correlationId: input.correlationId,
      });
      agencyToldLiberationDate = liberationDate;
    }
    refreshDetails();
  }

  const released = () => s.release !== undefined;
  const watchers: Promise<void>[] = [];

  upsertMemo({ policyId: policy.id, policyVersion: policy.version, jurisdiction: input.jurisdiction });
  upsertSearchAttributes([
    { key: SearchAttributes.establishment, value: input.establishmentCode },
    { key: SearchAttributes.localAuthority, value: input.homeLocalAuthority },
  ]);

  // Core screen at reception.
  await enter('CORE_SCREEN', `assessment by ${prison}`);
  const coreScreenDue = deadlineFor(policy, 'coreScreen', new Date(input.receivedAt));
  const requested = await assessment.requestCoreScreen({
    idempotencyKey: `${wfId}:core-screen`,
    personId: input.personId,
    episode: input.episode,
    establishmentCode: input.establishmentCode,
    dueBy: coreScreenDue.toISOString(),
    correlationId: input.correlationId,
  });
  s.assessmentId = requested.assessmentId;
  watchers.push(
    watch('coreScreen', input.receivedAt, prison, 'throughcare', () => s.coreScreen?.completedAt),
  );
  await condition(() => s.coreScreen !== undefined || released());

  // Needs drive a referral to the home local authority's justice social work / probation.
  const needs = s.coreScreen?.needs ?? [];
  if (needs.length > 0 && !released()) {
    await enter('REFERRAL', 'directory');
    const kind = input.jurisdiction === 'SCOTLAND' ? 'CJSW' : 'PROBATION';
    let agencyId: string | undefined;
    while (agencyId === undefined && !released()) {
      try {
        agencyId = (await directory.findAgency({ localAuthority: input.homeLocalAuthority, kind })).agencyId;
      } catch (err) {
        if (failureType(err) !== ErrorTypes.agencyNotFound) throw err;
        s.waitingOn = `directory: no ${kind} agency listed for ${input.homeLocalAuthority}`;
        refreshDetails();
        await condition(released, DIRECTORY_RETRY_INTERVAL);
      }
    }
    if (agencyId !== undefined) {
      s.agencyId = agencyId;
      const sentAt = new Date(Date.now()).toISOString();
      const acknowledgeBy = deadlineFor(policy, 'referralAcknowledgement', new Date(sentAt)).toISOString();
      s.referralPending = true;
      s.waitingOn = `acknowledgement by agency:${agencyId}`;
      const sent = await referral.sendReferral({
        idempotencyKey: `${wfId}:referral:${kind}`,
        personId: input.personId,
        episode: input.episode,
        agencyId,
        pathways: needs,
        sentAt,
        acknowledgeBy,
        correlationId: input.correlationId,
      });
      s.referralId = sent.referralId;
      s.referralPending = false;
      watchers.push(
        watch(
          'referralAcknowledgement',
          sentAt,
          `agency:${agencyId}`,
          prison,
          () => s.acknowledgement?.acknowledgedAt,
        ),
      );
      await condition(() => s.acknowledgement !== undefined || released());
    }
  }

  // Custody until release. The gate pick-up follows the liberation date: each change of release
  // date cancels the booking that no longer fits, books the new day and tells the agency, once.
  if (!released()) {
    await enter('AWAITING_RELEASE', `release by ${prison}`);
    if (plansGatePickup) {
      let planned = -1;
      while (!released()) {
        if (planned < s.dateChanges.length) {
          planned = s.dateChanges.length;
          await replanLiberation();
          continue;
        }
        await condition(() => released() || s.dateChanges.length > planned);
      }
    } else {
      await condition(released);
    }
  }
  const release = s.release as ReleaseRecorded;
  if (s.gatePickup && s.gatePickup.liberationDate !== localDateOf(new Date(release.releasedAt))) {
    // Liberated on another day than booked (e.g. earlier, with no notice): nobody waits at the gate.
    await undo(`gate-pickup:${s.gatePickup.bookingId}`);
    s.gatePickup = undefined;
  }

  // Post-release follow-up: first community appointment, then the follow-up window.
  await enter('FOLLOW_UP', s.agencyId ? `first appointment with agency:${s.agencyId}` : 'follow-up window');
  if (s.agencyId) {
    const dueBy = deadlineFor(policy, 'firstAppointment', new Date(release.releasedAt)).toISOString();
    s.appointmentPending = true;
    const booked = await referral.bookFirstAppointment({
      idempotencyKey: `${wfId}:first-appointment`,
      personId: input.personId,
      episode: input.episode,
      agencyId: s.agencyId,
      dueBy,
      correlationId: input.correlationId,
    });
    s.appointmentId = booked.appointmentId;
    s.appointmentPending = false;
    watchers.push(
      watch(
        'firstAppointment',
        release.releasedAt,
        `agency:${s.agencyId}`,
        'person',
        () => s.attendances.find((a) => a.attendance === 'YES' || a.attendance === 'LATE')?.attendedAt,
      ),
    );
  }
  const followUpEnds = deadlineFor(policy, 'followUpWindow', new Date(release.releasedAt));
  const remaining = followUpEnds.getTime() - Date.now();
  if (remaining > 0) await sleep(remaining);

  // Close: open clocks stop (a breach already recorded stays recorded).
  const closedAt = new Date(Date.now()).toISOString();
  await throughcare.recordCaseClosed({
    idempotencyKey: `${wfId}:closed`,
    personId: input.personId,
    episode: input.episode,
    closedAt,
    reason: 'FOLLOW_UP_COMPLETE',
    correlationId: input.correlationId,
  });
  s.closedAt = closedAt;
  await Promise.all(watchers);
  await enter('CLOSED', null);
  return plan();
}
