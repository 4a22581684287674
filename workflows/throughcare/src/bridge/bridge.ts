import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, ServerFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  ErrorTypes,
  throughcareWorkflowId,
  receptionSignal,
  RECEPTION_REVERSED_TOMBSTONE_TYPE,
  SearchAttributes,
  TaskQueues,
  THROUGHCARE_WORKFLOW_TYPE,
  type KnownEvent,
  type PlanView,
  type ReceptionReversedTombstoneInput,
  type ThroughcareInput,
} from '@throughcare/contracts';
import {
  PermanentError,
  TransientError,
  type MessageContext,
  type PlatformLogger,
} from '@throughcare/platform-messaging';
import { openingOf } from '../workflows/journey/opening';
import { closedReceivedInError as closedInError } from '../worker/open-next-episode';
import { startInputOfRun } from '../worker/run-start-input';
import {
  commandFor,
  personIdOf,
  UnplannableEvent,
  UnroutableEvent,
  type UpdateCommand,
} from './event-to-command';

export const BridgeErrorCodes = {
  unroutable: 'UNROUTABLE_EVENT',
  noJourney: 'NO_JOURNEY_FOR_EVENT',
  rejected: 'UPDATE_REJECTED',
  /** A date outside the policies and calendar this build carries, or a council outside the jurisdiction. */
  unplannable: 'UNPLANNABLE_EVENT',
  /** The journey does not know yet what the fact refers to (transient: held and retried). */
  notYetKnown: ErrorTypes.notYetKnown,
  /**
   * The Temporal server, not the journey, failed the update: no worker processed it (transient:
   * retried). Seen in the crash soak (test/chaos) while the dev server's store was slow.
   */
  notProcessed: 'UPDATE_NOT_PROCESSED',
  /**
   * A return to custody naming a `previousEpisode` below the episode before, with an episode between
   * whose journey is not known void (a tombstone, or closed RECEIVED_IN_ERROR): not trusted to close
   * an older journey (review stop 38, S1).
   */
  previousEpisodeUnverified: 'PREVIOUS_EPISODE_UNVERIFIED',
  /**
   * A return to custody whose previous episode was received in error (its journey closed so, or a
   * tombstone holds its id): the journey of the released episode before it is not told, so no new
   * episode is started either; the upstream publisher names `previousEpisode` (review stop 38, M1).
   */
  previousEpisodeVoid: 'PREVIOUS_EPISODE_VOID',
  /**
   * A reversal (`custody.reception.reversed`, `custody.court-liberation.reversed`) that names the
   * episode's number but another opening than the journey's (its `receivedAt` or `releasedAt` is
   * not the instant the journey was opened at): the journey refused to close. Permanent: an upstream
   * reversal the liberation service would have refused; the journey runs on.
   */
  reversalMismatch: ErrorTypes.reversalMismatch,
  /**
   * A reception (or liberation from court) whose episode's id a tombstone holds, the tombstone
   * recording another opening's instant: the episode number was voided for another reception (an
   * upstream numbering mismatch). Permanent: no journey is started; the publisher must renumber it.
   */
  receptionTombstoned: 'RECEPTION_TOMBSTONED',
  /**
   * A return to custody into an episode whose return was reversed, refused by the journey of the
   * episode before, started again after that reversal: a late copy of the void reception. Permanent:
   * neither journey is told nor started (discard it).
   */
  returnReversed: ErrorTypes.returnReversed,
  /**
   * The reversal of a return to custody whose journey had closed otherwise before it (consent
   * withdrawn, deceased, closed by hand): the episode is voided (a tombstone), but the journey of the
   * episode before, closed by that return, is not started again on its own (the closure may hold for
   * the person whatever their episode). Permanent: an operator decides their follow-up (review of
   * stop 39, M1); a replay finds the tombstone and does nothing.
   */
  episodeNotResumed: 'EPISODE_NOT_RESUMED',
} as const;

export interface BridgeHandlerOptions {
  /** Deployment override of the policy's movement settle window (test and training environments only). */
  movementSettleSeconds?: number;
  /**
   * Deadline of each Temporal call (signal-with-start, an update and its result): a journey whose
   * update hangs costs its own facts a retry, never the bridge. Default 10 s.
   */
  temporalDeadlineMs?: number;
  /** How long a fact the journey does not know how to place yet (NOT_YET_KNOWN) is retried. Default 10 min. */
  notYetKnownHorizonMs?: number;
}

/**
 * The consumer's ordering key for a bus event: its person. Facts of one person (every episode:
 * a return to custody updates one journey and starts the next) are applied in bus order, and
 * people proceed in parallel. An event naming no person is dead-lettered; its key does not matter.
 */
export function bridgeOrderingKey(derivePersonId: (prisonNumber: string) => string) {
  return (event: KnownEvent): string => {
    try {
      return personIdOf(event.personReference, derivePersonId);
    } catch {
      return '';
    }
  };
}

/** A non-identifying summary shown in the Temporal UI list (no names, no prison numbers). */
export function staticSummaryOf(input: ThroughcareInput): string {
  const how = input.liberatedFromCourt
    ? `liberated from court ${input.liberatedFromCourt.releasedAt.slice(0, 10)} (held by ${input.establishmentCode})`
    : `received ${input.receivedAt.slice(0, 10)} at ${input.establishmentCode}`;
  return `Throughcare episode ${input.episode} · ${how} · home LA ${input.homeLocalAuthority}`;
}

/**
 * Turns bus events into workflow messages: reception → signalWithStart (a redelivered reception
 * signals the running journey and changes nothing), facts → validated updates. A fact the
 * journey rejects, or one for a journey that does not exist, is a permanent error: the consumer
 * dead-letters it with the reason. Transient failures (Temporal unreachable) are retried.
 *
 * A return to custody first updates the previous episode's journey (a missing or closed one is
 * logged and skipped, unless it is void: PREVIOUS_EPISODE_VOID; a rejection is dead-lettered and
 * the new episode is not started; a `previousEpisode` past void episodes is checked first:
 * PREVIOUS_EPISODE_UNVERIFIED), then
 * starts the new episode. On redelivery the update repeats with the same updateId (deduplicated
 * by Temporal, or skipped once that journey has closed) and signalWithStart is harmless.
 */
export function bridgeHandler(
  client: Client,
  derivePersonId: (prisonNumber: string) => string,
  logger: PlatformLogger,
  options: BridgeHandlerOptions = {},
) {
  const { movementSettleSeconds } = options;
  const deadlineMs = options.temporalDeadlineMs ?? 10_000;
  const notYetKnownHorizonMs = options.notYetKnownHorizonMs ?? 600_000;
  /** Every Temporal call goes through here: past its deadline it fails (transiently) instead of hanging. */
  const withDeadline = <R>(fn: () => Promise<R>): Promise<R> =>
    client.withDeadline(Date.now() + deadlineMs, fn);
  const rejectionOf = (e: unknown, command: UpdateCommand) => rejection(e, command, notYetKnownHorizonMs);
  /**
   * Whether the journey under `workflowId`, completed, closed RECEIVED_IN_ERROR (its returned plan,
   * read from history: no worker needed); a failed one did not.
   */
  const closedReceivedInError = (workflowId: string): Promise<boolean> =>
    closedInError(withDeadline(() => client.workflow.getHandle(workflowId).result()));
  /**
   * The start input of a run (from its history's first event, decoded as the client decodes any
   * payload: the project codec decrypts it); undefined when it has none that reads as an object.
   * Read only where no running journey answers (an opening refused, a reversal finding a closed journey or a tombstone).
   */
  const startInputOf = async (workflowId: string, runId: string | undefined): Promise<object | undefined> => {
    const input = await withDeadline(() => startInputOfRun(client, workflowId, runId));
    return typeof input === 'object' && input !== null ? input : undefined;
  };
  /**
   * No journey runs under the command's id: a completed tombstone takes the id (REJECT_DUPLICATE),
   * so a journey that never started never will. One that closed has nothing to close; a tombstone
   * run follows it under the id, so the episode reads as void. One that started since the update
   * was tried is left to the update, retried.
   */
  const placeTombstone = async (
    command: UpdateCommand,
    tombstone: ReceptionReversedTombstoneInput,
    where: string,
    /** What was reversed: "reception", "liberation from court". */
    opening: string,
  ): Promise<void> => {
    const { workflowId } = command;
    /** The tombstone under the journey's id, its summary saying what was reversed and when. */
    const startTombstone = (
      workflowIdReusePolicy: WorkflowIdReusePolicy,
      summary: string,
      episodeNotResumed?: ReceptionReversedTombstoneInput['episodeNotResumed'],
    ) =>
      withDeadline(() =>
        client.workflow.start(RECEPTION_REVERSED_TOMBSTONE_TYPE, {
          taskQueue: TaskQueues.throughcare,
          workflowId,
          args: [episodeNotResumed ? { ...tombstone, episodeNotResumed } : tombstone],
          workflowIdReusePolicy,
          staticSummary: `Throughcare episode ${tombstone.episode} · ${summary}`,
        }),
      );
    try {
      await startTombstone(
        WorkflowIdReusePolicy.REJECT_DUPLICATE,
        `${opening} reversed (recorded in error) before its journey started: no journey`,
      );
      logger.log(
        `${where}: no journey ${workflowId} had started; tombstone ${RECEPTION_REVERSED_TOMBSTONE_TYPE} placed under its id, so the episode's ${opening}, if it comes later, starts none`,
      );
      return;
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
    const { status, type, runId } = await withDeadline(() =>
      client.workflow.getHandle(workflowId).describe(),
    );
    if (status.name === 'RUNNING' && type !== RECEPTION_REVERSED_TOMBSTONE_TYPE) {
      throw new TransientError(
        BridgeErrorCodes.notProcessed,
        `${workflowId} started since ${command.name} found no journey: retried, to close it`,
      );
    }
    if (type === RECEPTION_REVERSED_TOMBSTONE_TYPE) {
      const placed = (await startInputOf(workflowId, runId)) as
        | Partial<ReceptionReversedTombstoneInput>
        | undefined;
      logger.log(
        `${where}: ${command.name} not applied: ${workflowId} is a tombstone already; nothing to close`,
      );
      // Placed after a return's journey closed otherwise: the journey before still waits on an
      // operator, whichever delivery or replay comes here.
      if (placed?.episodeNotResumed)
        throw episodeNotResumed(workflowId, tombstone.episode, placed.episodeNotResumed);
      return;
    }
    // The journey completed closing RECEIVED_IN_ERROR (this reversal, or an earlier one, closed it;
    // a redelivery comes here): it is void already, and a tombstone run over it would hide its plan
    // from queries and results (404).
    // Its returned plan (read from history: no worker needed); none for a run that did not complete.
    const plan =
      status.name === 'COMPLETED'
        ? ((await withDeadline(() => client.workflow.getHandle(workflowId, runId).result())) as PlanView)
        : undefined;
    if (plan?.closureReason === 'RECEIVED_IN_ERROR') {
      logger.log(
        `${where}: ${command.name} not applied: ${workflowId} completed closing RECEIVED_IN_ERROR already; the episode reads as void, so no tombstone is placed over its plan`,
      );
      return;
    }
    const journey = (await startInputOf(workflowId, runId)) as Partial<ThroughcareInput> | undefined;
    // A closed journey opened at another instant than the reversal names (an upstream reversal of
    // another reception under this number, as the running journey's validator refuses it): the
    // episode is not voided. A reversal that names none (published before it was named) is not checked.
    if (tombstone.receivedAt !== undefined && typeof journey?.receivedAt === 'string') {
      const opened = openingOf(journey as Pick<ThroughcareInput, 'receivedAt' | 'liberatedFromCourt'>);
      if (Date.parse(opened.at) !== Date.parse(tombstone.receivedAt))
        throw new PermanentError(
          BridgeErrorCodes.reversalMismatch,
          `${workflowId} had closed (${status.name}); the reversal names the reception or liberation at ${tombstone.receivedAt}, but episode ${tombstone.episode} was opened by its ${opened.what} at ${opened.at}: it reverses another opening under this episode number (an upstream numbering mismatch), so no tombstone is placed and the episode is not voided`,
        );
    }
    // A return to custody (its history handed over, or naming the journey that took it: `returnOf`)
    // closed otherwise: the journey of the episode before, closed by the return, is not started
    // again on its own (review of stop 39, M1): an operator decides, from the dead letter. The
    // tombstone records it, so that the letter comes again on any later delivery (stop 40, S1).
    const before = plan?.carried?.fromEpisode ?? journey?.carried?.fromEpisode ?? journey?.returnOf;
    const notResumed =
      before === undefined ? undefined : { episode: before, closure: plan?.closureReason ?? status.name };
    // The journey closed before the reversal (a liberation from court whose follow-up ended, a
    // case closed early): nothing to close, but the episode is void from now on. A tombstone run
    // after the closed one (ALLOW_DUPLICATE) says so to whatever reads the id later: a return to
    // custody past this episode is then followed (review stop 38 of h-cl, S1), and a replayed
    // opening starts nothing.
    await startTombstone(
      WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      `${opening} reversed (recorded in error) after its journey had closed (${status.name})`,
      notResumed,
    );
    logger.log(
      `${where}: ${command.name} not applied: ${workflowId} had closed (${status.name}); nothing to close, tombstone ${RECEPTION_REVERSED_TOMBSTONE_TYPE} run placed after it, so the episode reads as void`,
    );
    if (notResumed) throw episodeNotResumed(workflowId, tombstone.episode, notResumed);
  };
  /** The dead letter for a reversed return whose journey had closed otherwise (review of stop 39, M1). */
  const episodeNotResumed = (
    workflowId: string,
    episode: number,
    notResumed: { episode: number; closure: string },
  ): PermanentError =>
    new PermanentError(
      BridgeErrorCodes.episodeNotResumed,
      `the return to custody into episode ${episode} was reversed, but its journey ${workflowId} had closed (${notResumed.closure}) before: the episode is void (a tombstone), and the journey of episode ${notResumed.episode}, closed by that return, is not started again on its own (that closure may hold for the person whatever the episode). The person was never returned: decide whether they need follow-up in the community and arrange it, then discard this letter (a replay, or any later copy of the reversal, letters it again)`,
    );

  /**
   * What runs or ran under `workflowId`, as far as a return to custody cares: `void` (a tombstone
   * holds the id, or the journey completed closing RECEIVED_IN_ERROR: its returned plan, read from
   * history, no worker needed), `running`, or `other` (never started, retention past, or closed
   * otherwise, including a result that cannot be read: not known void).
   */
  const episodeJourney = async (workflowId: string): Promise<'void' | 'running' | 'other'> => {
    const handle = client.workflow.getHandle(workflowId);
    let type: string;
    let status: string;
    try {
      ({
        type,
        status: { name: status },
      } = await withDeadline(() => handle.describe()));
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return 'other';
      throw e;
    }
    if (type === RECEPTION_REVERSED_TOMBSTONE_TYPE) return 'void';
    if (status === 'RUNNING') return 'running';
    if (status !== 'COMPLETED') return 'other';
    return (await closedReceivedInError(workflowId)) ? 'void' : 'other';
  };
  /**
   * A return naming a `previousEpisode` p below `episode - 1` is followed only when the journeys of
   * p+1 … episode-1 are all void (review stop 38, S1): whoever published it, the journey itself takes
   * any later episode, and a wrong p would close an older journey for good. One still running may be
   * closing (retried); any other is dead-lettered PREVIOUS_EPISODE_UNVERIFIED before anyone is told.
   */
  const verifyGap = async (personId: string, previousEpisode: number, episode: number): Promise<void> => {
    for (let between = previousEpisode + 1; between < episode; between++) {
      const workflowId = throughcareWorkflowId(personId, between);
      const found = await episodeJourney(workflowId);
      if (found === 'void') continue;
      const message = `a return to custody into episode ${episode} names previousEpisode ${previousEpisode}, but episode ${between} between them is not known to have been received in error (${workflowId} ${found === 'running' ? 'is running' : 'is not a tombstone nor closed RECEIVED_IN_ERROR'}): no journey is told`;
      if (found === 'running')
        throw new TransientError(BridgeErrorCodes.notProcessed, `${message}; retried, in case it is closing`);
      throw new PermanentError(BridgeErrorCodes.previousEpisodeUnverified, message);
    }
  };
  /**
   * A reception's (or liberation from court's) signal-with-start found its journey's id held by a
   * closed run (REJECT_DUPLICATE). Asked only then, so a first reception costs nothing more. A
   * tombstone there voided the episode: the same opening (the instant the tombstone records) is a
   * duplicate of the reversed one, ignored; another is dead-lettered RECEPTION_TOMBSTONED (the
   * episode number was voided for another opening: an upstream numbering mismatch); a tombstone
   * placed before tombstones recorded the instant cannot tell, and ignores it as before. Anything
   * else closed there is a late duplicate of its own opening, ignored.
   */
  const openingFoundClosed = async (
    workflowId: string,
    input: ThroughcareInput,
    where: string,
    previousTold: boolean,
  ): Promise<void> => {
    const what = input.liberatedFromCourt ? 'liberation from court' : 'reception';
    const at = input.liberatedFromCourt?.releasedAt ?? input.receivedAt;
    let held: { type: string; runId: string };
    try {
      held = await withDeadline(() => client.workflow.getHandle(workflowId).describe());
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      // Gone since the start was refused (the namespace's retention): the start is tried again.
      throw new TransientError(
        BridgeErrorCodes.notProcessed,
        `${workflowId} was taken when the ${what} was started, and is gone now: retried`,
      );
    }
    if (held.type !== RECEPTION_REVERSED_TOMBSTONE_TYPE) {
      logger.warn(`${where}: journey ${workflowId} already closed; duplicate reception ignored`);
      return;
    }
    const tombstone = (await startInputOf(workflowId, held.runId)) as
      | Partial<ReceptionReversedTombstoneInput>
      | undefined;
    const reversed = typeof tombstone?.receivedAt === 'string' ? tombstone.receivedAt : undefined;
    if (reversed === undefined) {
      logger.warn(
        `${where}: ${workflowId} is a tombstone placed before tombstones recorded the opening they void: this ${what} (at ${at}) cannot be told from the reversed one, and is ignored as its duplicate; no journey started`,
      );
      return;
    }
    if (Date.parse(reversed) === Date.parse(at)) {
      logger.log(
        `${where}: ${workflowId} is a tombstone: this ${what} at ${at} is the one reversed as recorded in error; duplicate of the reversed ${what} ignored, no journey started`,
      );
      return;
    }
    throw new PermanentError(
      BridgeErrorCodes.receptionTombstoned,
      `this ${what} at ${at} names episode ${input.episode}, but that episode number was voided for another reception or liberation (the one at ${reversed}, reversed as recorded in error at ${tombstone?.reversedAt ?? 'an unrecorded instant'}; a tombstone holds ${workflowId}): an upstream numbering mismatch. No journey started${previousTold ? ' (the journey of the episode before was told of the return already)' : ''}; have the publisher number this ${what} past the voided episode and publish it again`,
    );
  };
  return async (event: KnownEvent, context: MessageContext): Promise<void> => {
    let command;
    try {
      command = commandFor(event, derivePersonId);
    } catch (e) {
      if (e instanceof UnroutableEvent) throw new PermanentError(BridgeErrorCodes.unroutable, e.message);
      if (e instanceof UnplannableEvent) throw new PermanentError(BridgeErrorCodes.unplannable, e.message);
      throw e;
    }
    const where = `${event.eventType} ${event.eventId} (delivery ${context.deliveryCount})`;
    if (
      event.eventType === 'custody.person.received' &&
      event.data.returnToCustody &&
      event.data.previousEpisode !== undefined &&
      event.data.previousEpisode < event.data.episode - 1
    )
      await verifyGap(
        personIdOf(event.personReference, derivePersonId),
        event.data.previousEpisode,
        event.data.episode,
      );
    switch (command.kind) {
      case 'ignore':
        logger.log(`${where}: ${command.reason}`);
        return;
      case 'start': {
        const { workflowId, previousEpisode } = command;
        let input =
          movementSettleSeconds === undefined ? command.input : { ...command.input, movementSettleSeconds };
        if (previousEpisode?.kind === 'ignore') logger.warn(`${where}: ${previousEpisode.reason}`);
        if (previousEpisode?.kind === 'update') {
          try {
            await withDeadline(() => applyUpdate(client, previousEpisode, event.eventId));
            logger.log(`${where}: ${previousEpisode.name} applied to ${previousEpisode.workflowId}`);
            // That journey took the return: should this reception be reversed before its history
            // comes, the new episode's journey still starts it again (review of stop 39, S1).
            if (command.returnOf !== undefined) input = { ...input, returnOf: command.returnOf };
          } catch (e) {
            if (!(e instanceof WorkflowNotFoundError)) throw rejectionOf(e, previousEpisode);
            // Only a return that names no previousEpisode is checked: one that names it (as the
            // liberation service always does) was told which episode it follows, and a tombstone
            // there, even one an upstream reversal liberation refused put after a closed journey,
            // must not stop the new episode (final review of stop 38, S1).
            if (
              !('previousEpisode' in event.data && event.data.previousEpisode !== undefined) &&
              (await episodeJourney(previousEpisode.workflowId)) === 'void'
            )
              throw new PermanentError(
                BridgeErrorCodes.previousEpisodeVoid,
                `the return to custody into ${workflowId} would tell ${previousEpisode.workflowId}, whose episode was received in error (a tombstone, or closed RECEIVED_IN_ERROR): the released episode before it is not named (previousEpisode), so neither journey is told nor started; publish the return again naming previousEpisode, or record it through the liberation service`,
              );
            logger.warn(
              `${where}: no running journey ${previousEpisode.workflowId} (never started or already closed); ${previousEpisode.name} skipped, starting ${workflowId}`,
            );
          }
        }
        try {
          await withDeadline(() =>
            client.workflow.signalWithStart(THROUGHCARE_WORKFLOW_TYPE, {
              taskQueue: TaskQueues.throughcare,
              workflowId,
              args: [input],
              signal: receptionSignal,
              signalArgs: [input],
              // A closed journey is never restarted by a late duplicate: a return to custody is a new episode.
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
              typedSearchAttributes: [
                { key: SearchAttributes.stage, value: 'RECEPTION' },
                { key: SearchAttributes.establishment, value: input.establishmentCode },
                { key: SearchAttributes.localAuthority, value: input.homeLocalAuthority },
              ],
              staticSummary: staticSummaryOf(input),
            }),
          );
          logger.log(`${where}: journey ${workflowId} started or signalled`);
        } catch (e) {
          if (e instanceof WorkflowExecutionAlreadyStartedError) {
            await openingFoundClosed(workflowId, input, where, previousEpisode?.kind === 'update');
            return;
          }
          throw e;
        }
        return;
      }
      case 'update': {
        try {
          await withDeadline(() => applyUpdate(client, command, event.eventId));
          logger.log(`${where}: ${command.name} applied to ${command.workflowId}`);
        } catch (e) {
          if (command.tombstone && e instanceof WorkflowNotFoundError) {
            const opening =
              event.eventType === 'custody.court-liberation.reversed' ? 'liberation from court' : 'reception';
            await placeTombstone(command, command.tombstone, where, opening);
            return;
          }
          if (
            command.onlyIfRunning &&
            (e instanceof WorkflowNotFoundError || (lacksHandler(e) && !command.handlerRequired))
          ) {
            logger.log(
              `${where}: ${command.name} not applied: ${e instanceof WorkflowNotFoundError ? `no running journey ${command.workflowId}` : `${command.workflowId} has no handler for it (an earlier journey version)`}; the journey only shows it, so nothing is lost`,
            );
            return;
          }
          if (e instanceof WorkflowNotFoundError) {
            throw new PermanentError(
              BridgeErrorCodes.noJourney,
              `no journey ${command.workflowId} for ${command.name}`,
            );
          }
          throw rejectionOf(e, command);
        }
        return;
      }
    }
  };
}

/** The workflow SDK's rejection of an update no handler is registered for (a journey of an earlier version). */
function lacksHandler(e: unknown): boolean {
  return (
    e instanceof WorkflowUpdateFailedError &&
    e.cause instanceof ApplicationFailure &&
    e.cause.message.startsWith('No registered handler for update')
  );
}

/** Sends one validated update, keyed by the event id so a redelivery is applied once. */
async function applyUpdate(client: Client, command: UpdateCommand, eventId: string): Promise<void> {
  await client.workflow.getHandle(command.workflowId).executeUpdate(command.update, {
    args: [command.arg as never],
    updateId: eventId,
  });
}

/**
 * A rejected update becomes a permanent error carrying the journey's reason, except one the
 * server failed (no worker processed it: transient) and a NOT_YET_KNOWN rejection (the journey has not recorded yet what the fact refers to, e.g. a
 * booking whose creating activity's result is in flight), which is transient with its own
 * horizon. Rejections come from the update's validator, so nothing is recorded in the journey's
 * history and a retry with the same updateId is validated afresh. Anything else (Temporal
 * unreachable, a deadline exceeded) is rethrown as is: the consumer retries it.
 */
/**
 * The failure type the Temporal server gives an update that a workflow task completed without
 * processing ("rejected because it wasn't processed by worker"): an `ApplicationFailure` with
 * source "Server", not a `ServerFailure` (server 1.29, `unprocessedUpdateFailure`).
 */
const UNPROCESSED_UPDATE = 'UnprocessedUpdate';
/** The journey's own refusals (its update validators): a retry would be refused the same way. */
const JOURNEY_REFUSALS: readonly string[] = [ErrorTypes.validation, ErrorTypes.notFound, ErrorTypes.conflict];

function rejection(e: unknown, command: UpdateCommand, notYetKnownHorizonMs: number): unknown {
  if (!(e instanceof WorkflowUpdateFailedError)) return e;
  const reason = e.cause instanceof Error ? e.cause.message : e.message;
  const type = e.cause instanceof ApplicationFailure ? (e.cause.type ?? undefined) : undefined;
  if (type === ErrorTypes.reversalMismatch || type === ErrorTypes.returnReversed) {
    return new PermanentError(
      type === ErrorTypes.reversalMismatch
        ? BridgeErrorCodes.reversalMismatch
        : BridgeErrorCodes.returnReversed,
      `${command.workflowId} refused ${command.name}: ${reason}`,
    );
  }
  if (type === ErrorTypes.notYetKnown) {
    return new TransientError(
      BridgeErrorCodes.notYetKnown,
      `${command.workflowId} does not know yet what ${command.name} refers to: ${reason}`,
      notYetKnownHorizonMs,
    );
  }
  if (type !== undefined && JOURNEY_REFUSALS.includes(type)) {
    return new PermanentError(
      BridgeErrorCodes.rejected,
      `${command.workflowId} rejected ${command.name}: ${reason}`,
    );
  }
  // Not the journey's answer: the server failed the update (type UnprocessedUpdate: a workflow
  // task completed without it, seen in the crash soak while the server's store was failing; or a
  // ServerFailure), or a failure nobody has classified yet. A failed update leaves nothing in the
  // history, so a retry with the same updateId is delivered and validated afresh; retried for the
  // bridge's horizon, then dead-lettered with this reason, never dropped at once.
  const what =
    e.cause instanceof ServerFailure || type === UNPROCESSED_UPDATE
      ? 'the server failed the update'
      : `unclassified failure${type ? ` ${type}` : ''}`;
  return new TransientError(
    BridgeErrorCodes.notProcessed,
    `${command.workflowId} did not get ${command.name} (${what}): ${reason}`,
  );
}
