import { createHash, randomUUID } from 'node:crypto';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import {
  NO_REPLAN_PROGRESS,
  RELEASE_POINT_REPLAN_WORKFLOW,
  replanWorkflowId,
  type Jurisdiction,
  type ReplanCursor,
  type ReplanPageResult,
  type ReplanPhase,
  type ReplanProgress,
  type ReplanWorkflowInput,
} from '@throughcare/contracts';
import { canonicalJson } from '@throughcare/platform-audit';
import {
  ConflictError,
  DomainError,
  isDomainError,
  NotFoundError,
  ValidationFailedError,
} from '@throughcare/platform-errors';
import { TEMPORAL_CLIENT } from '@throughcare/platform-http';
import { acrossScopes, runUnrestricted, withIdempotency } from '@throughcare/platform-persistence';
import {
  SENTENCE_POLICIES,
  type CalculatedDate,
  type ReleasePointPolicy,
  type SentencePolicyTable,
} from '@throughcare/domain';
import { CustodyEpisode, isOpen, isVoid, openEpisodeSql } from './custody-episode.entity';
import { lockPerson } from './person-lock';
import {
  asAdopted,
  effectivePolicies,
  nextReleasePointVersion,
  ukToday,
  withReleasePoints,
} from './policy-table';
import type { EstablishmentScope } from './prison-scope';
import {
  AdoptedReleasePoint,
  ReplanItem,
  ReplanRun,
  type ProposedReleasePoint,
  type ReplanApplyFailureStatus,
} from './replan.entities';
import type { SentenceCalculationOutcomeView } from './sentence-calculation.schemas';
import {
  ReplanItemCursor,
  ReplanRunCursor,
  type ApplyReplanBody,
  type CreateReplanBody,
  type ListReplanItemsQuery,
  type ListUncalculatedQuery,
  type UncalculatedEpisodePage,
  type ListReplansQuery,
  type ReplanItemPage,
  type ReplanItemView,
  type ReplanRunPage,
  type ReplanRunView,
  type ReplanStatus,
} from './replan.schemas';
import type { RequestContext } from './request-context';
import { SentenceCalculationRecord } from './sentence-calculation.entity';
import {
  calculateForEpisode,
  SentenceCalculationsService,
  type Computed,
} from './sentence-calculations.service';

/** Injection token: the task queue the re-plan workflow runs on (config REPLAN_WORKFLOW_TASK_QUEUE). */
export const REPLAN_WORKFLOW_TASK_QUEUE = Symbol('REPLAN_WORKFLOW_TASK_QUEUE');
/** Injection token: how often (ms) stopped applies are looked for (config REPLAN_STOP_CHECK_SECONDS; 0: never). */
export const REPLAN_STOP_CHECK_MS = Symbol('REPLAN_STOP_CHECK_MS');
/** How long the stop check waits for Temporal's answers about one run. */
const STOP_CHECK_DEADLINE_MS = 10_000;

export class ReplanNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no re-plan ${id} (or none covering the caller's establishments)`, 'REPLAN_NOT_FOUND', {
      details: { id },
    });
  }
}

/** One open episode with a sentence calculation, as a re-plan page reads it. */
interface ScannedEpisode {
  personId: string;
  episode: number;
  heldAt: string;
  version: number;
}

const datesOf = (dates: readonly CalculatedDate[]): Record<string, string> =>
  Object.fromEntries(dates.map((d) => [d.type, d.date]));

const sameDates = (a: Record<string, string>, b: Record<string, string>) =>
  canonicalJson(a) === canonicalJson(b);

/**
 * The apply's workflow stopped without completing, as last found (`refreshApplyFailure`), and not
 * resumed since.
 */
const applyFailed = (run: ReplanRun): boolean =>
  run.appliedAt === null &&
  run.applyFailedAt !== null &&
  (run.applyResumedAt === null || run.applyResumedAt < run.applyFailedAt);

const statusOf = (run: ReplanRun): ReplanStatus =>
  run.appliedAt !== null
    ? 'APPLIED'
    : run.applyRequestedAt !== null
      ? applyFailed(run)
        ? 'FAILED'
        : 'APPLYING'
      : run.dryRunDoneAt !== null
        ? 'DRY_RUN_DONE'
        : 'DRY_RUN_RUNNING';

const APPLY_FAILED_SQL =
  'r.applied_at IS NULL AND r.apply_failed_at IS NOT NULL AND (r.apply_resumed_at IS NULL OR r.apply_resumed_at < r.apply_failed_at)';

/**
 * `statusOf` in SQL (alias `r`), for the list's `status` filter. A Record, so a new status fails
 * compilation until it has its condition.
 */
const REPLAN_STATUS_SQL: Readonly<Record<ReplanStatus, string>> = {
  APPLIED: 'r.applied_at IS NOT NULL',
  APPLYING: `r.applied_at IS NULL AND r.apply_requested_at IS NOT NULL AND NOT (${APPLY_FAILED_SQL})`,
  FAILED: APPLY_FAILED_SQL,
  DRY_RUN_DONE: 'r.applied_at IS NULL AND r.apply_requested_at IS NULL AND r.dry_run_done_at IS NOT NULL',
  DRY_RUN_RUNNING: 'r.applied_at IS NULL AND r.apply_requested_at IS NULL AND r.dry_run_done_at IS NULL',
};

/** Temporal's closed statuses of a run that stopped without completing, as the run records them. */
const STOPPED: Readonly<Record<string, ReplanApplyFailureStatus>> = {
  FAILED: 'FAILED',
  TERMINATED: 'TERMINATED',
  CANCELLED: 'CANCELLED',
  TIMED_OUT: 'TIMED_OUT',
};

/** Applies reading APPLYING looked at before a list is read (newest first), and by a pass of the stop check (oldest first). */
const MAX_APPLYING_LOOKED_AT = 100;

const jurisdictionOf = (policy: Pick<ProposedReleasePoint, 'sentenceClass'>): Jurisdiction =>
  policy.sentenceClass === 'SCOTLAND_SHORT_TERM' ? 'SCOTLAND' : 'ENGLAND_AND_WALES';

/**
 * Bulk re-plan when the law moves a release point (issue 10). Prison staff propose the change as
 * a policy record; a dry run (a Temporal workflow, `releasePointReplan`) works out every open
 * episode in their establishments whose dates it moves and keeps each as an item they can read;
 * the apply step adopts the record (every later calculation reads it) and records a new sentence
 * calculation for each episode it moves, which moves the expected release date and so re-plans the
 * journey. Each page is idempotent: a page done twice, or the apply step asked twice, changes
 * nothing more. The apply step recalculates from the episode's current sentences, so a person
 * recalculated since the dry run gets the change applied to their new sentences, and one received
 * since is included (an item marked as not in the dry run: `versionBefore` is the version then read).
 */
@Injectable()
export class ReplanService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReplanService.name);
  private stopCheck: NodeJS.Timeout | undefined;
  private checking: Promise<number> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sentences: SentenceCalculationsService,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(REPLAN_WORKFLOW_TASK_QUEUE) private readonly taskQueue: string,
    @Inject(REPLAN_STOP_CHECK_MS) private readonly stopCheckMs: number = 0,
  ) {}

  /**
   * Looks for stopped applies every REPLAN_STOP_CHECK_SECONDS: an apply whose workflow failed, was
   * terminated, cancelled or timed out reads FAILED and is logged for operators (with the command
   * that resumes it) within a period, whether or not anyone reads the run.
   */
  onApplicationBootstrap(): void {
    if (this.stopCheckMs <= 0) return;
    const tick = () => {
      this.checking = this.checkStoppedApplies()
        .catch((e: unknown) => {
          this.logger.warn(
            `stopped re-plan applies not looked for (next in ${this.stopCheckMs} ms): ${(e as Error).message}`,
          );
          return 0;
        })
        .finally(() => {
          this.checking = undefined;
          if (this.stopCheck !== undefined) this.stopCheck = setTimeout(tick, this.stopCheckMs).unref();
        });
    };
    this.stopCheck = setTimeout(tick, this.stopCheckMs).unref();
  }

  /** The check is stopped; a pass in flight ends after its current run, waited for at most 5 s. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.stopCheck);
    this.stopCheck = undefined;
    if (this.checking)
      await Promise.race([this.checking, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }

  /**
   * Every run reading APPLYING (oldest first, at most MAX_APPLYING_LOOKED_AT a pass), each checked
   * as a read checks it (`refreshApplyFailure`). Answers how many it found stopped (now FAILED).
   */
  async checkStoppedApplies(): Promise<number> {
    // The service's own work, across every establishment.
    return runUnrestricted(async () => {
      const applying = await this.dataSource
        .getRepository(ReplanRun)
        .createQueryBuilder('r')
        .where(`(${REPLAN_STATUS_SQL.APPLYING})`)
        .orderBy('r.apply_requested_at', 'ASC')
        .take(MAX_APPLYING_LOOKED_AT)
        .getMany();
      let stopped = 0;
      for (const run of applying) {
        if (this.stopping) break;
        // Temporal's answers within 10 s a run (review stop 43b, M3): an unreadable run is left
        // for the next pass (refreshApplyFailure logs it), never holding the pass.
        const checked = await this.temporal.withDeadline(Date.now() + STOP_CHECK_DEADLINE_MS, () =>
          this.refreshApplyFailure(run),
        );
        if (statusOf(checked) === 'FAILED') stopped += 1;
      }
      return stopped;
    });
  }

  /** Records the run and starts its dry run. A retry with the same Idempotency-Key answers the first run (and starts its dry run if that had failed). */
  async create(
    body: CreateReplanBody,
    context: RequestContext,
    callerEstablishments: readonly string[],
    now: Date = new Date(),
  ): Promise<{ created: boolean; view: ReplanRunView }> {
    const establishments = body.establishments ?? [...callerEstablishments];
    if (establishments.length === 0)
      throw new ValidationFailedError('a re-plan needs at least one establishment', [
        { field: 'establishments', message: 'the caller has none: name at least one' },
      ]);
    const outside = establishments.filter((e) => !callerEstablishments.includes(e));
    if (outside.length > 0)
      throw new ValidationFailedError(`establishments ${outside.join(', ')} are not the caller's`, [
        { field: 'establishments', message: `not among the caller's establishments: ${outside.join(', ')}` },
      ]);
    const released = SENTENCE_POLICIES.releasePoints.find((p) => p.id === body.policy.id);
    if (released?.commencement === 'BASELINE')
      throw new DomainError(
        'REPLAN_BASELINE_RECORD',
        'RULE_VIOLATED',
        `${body.policy.id} is a baseline release point; propose a change as a record of its own id`,
        { extensions: { field: 'policy.id' } },
      );
    // Only a record whose commencement is unverified may be replaced (given its date): a verified
    // one is law as the instrument says; a further change is a record of its own (review S2).
    if (released?.commencement === 'VERIFIED')
      throw new DomainError(
        'REPLAN_VERIFIED_RECORD',
        'RULE_VIOLATED',
        `${body.policy.id} is a verified release point in force from ${released.inForceFrom}; propose a change as a record of its own id`,
        { extensions: { field: 'policy.id' } },
      );
    // A change adopted with a past commencement would re-plan releases that have happened or are
    // due before the re-plan could reach them (review S2).
    const today = ukToday(now);
    if (body.policy.inForceFrom < today)
      throw new DomainError(
        'REPLAN_IN_FORCE_IN_THE_PAST',
        'RULE_VIOLATED',
        `policy.inForceFrom ${body.policy.inForceFrom} is before today (${today}): a re-plan proposes a change commencing today or later`,
        { extensions: { field: 'policy.inForceFrom', today } },
      );
    const policy: ProposedReleasePoint = {
      ...body.policy,
      jurisdiction: jurisdictionOf(body.policy),
      commencement: 'VERIFIED',
      source: { ...body.policy.source },
    };
    // One law per id (review stop 45, B1): a record adopted, or being applied, under this id with
    // other values is not replaced by a proposal; the same record may be proposed again (another
    // cohort re-planned to it).
    const conflict = await this.policyConflict(policy.id, policy, {});
    if (conflict)
      throw new DomainError('REPLAN_POLICY_CONFLICT', 'RULE_VIOLATED', conflict, {
        extensions: { field: 'policy.id' },
      });
    const bodyHash = createHash('sha256')
      .update(canonicalJson({ ...body, establishments }))
      .digest('hex');
    const { run, created } = await this.dataSource.transaction(async (tx) => {
      let created = false;
      const insert = async (manager: EntityManager) => {
        created = true;
        const run = manager.create(ReplanRun, {
          id: randomUUID(),
          jurisdiction: policy.jurisdiction,
          policyId: policy.id,
          policy,
          reason: body.reason,
          establishments,
          // Today: the proposed record applies from its own commencement (review M1).
          asAt: today,
          pageSize: body.pageSize,
          pauseMs: body.pauseMs,
          pagesPerRun: body.pagesPerRun,
          requestedAt: now,
          requestedBy: context.actor,
          dryRunDoneAt: null,
          scanned: null,
          affected: null,
          applyRequestedAt: null,
          applyRequestedBy: null,
          appliedAt: null,
          applied: null,
          skipped: null,
          correlationId: context.correlationId,
        });
        await manager.insert(ReplanRun, run);
        return { id: run.id, bodyHash };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:replan:${context.idempotencyKey}`, insert)
        : await insert(tx);
      if (first.bodyHash !== bodyHash)
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'RULE_VIOLATED',
          'this Idempotency-Key was used for a re-plan with a different body; use a new key for a new re-plan',
        );
      return { run: await tx.findOneByOrFail(ReplanRun, { id: first.id }), created };
    });
    await this.startPhase(run, 'DRY_RUN');
    return { created, view: await this.viewOf(run) };
  }

  /**
   * Starts the apply step of a run whose dry run is done (once; asking again answers the run, and
   * the same Idempotency-Key answers the first answer). Refused while the record conflicts with one
   * adopted or being applied under its id (checked under the id's lock, so two applies of one id
   * with other values cannot both be asked), and while open episodes of its sentence class with a
   * calculation are held outside the run's establishments, unless `adoptForAllEstablishments`
   * (review stop 45, B1; review 45b, M2, M3).
   */
  async apply(
    id: string,
    body: ApplyReplanBody,
    context: RequestContext,
    scope: EstablishmentScope,
    now: Date = new Date(),
  ): Promise<{ started: boolean; view: ReplanRunView }> {
    const read = await this.dataSource.transaction((tx) => this.runInScope(tx, id, scope));
    // Decided before any key is claimed (a key spent on "not yet" would later replay an apply
    // never asked: review 45b, M3).
    if (read.dryRunDoneAt === null) {
      // Review M11: a run whose dry run never started (its start failed after the run was
      // committed) or failed is started again here; one running goes on. Either way, not yet.
      await this.startPhase(read, 'DRY_RUN');
      throw new ConflictError(
        `re-plan ${id}: its dry run is not done yet (started again if it had not started or had failed); read its items when it is, then apply`,
        'REPLAN_DRY_RUN_NOT_DONE',
      );
    }
    // Asked before: an apply that stopped is resumed from where it stopped, never started afresh,
    // with or without the first request's key (review 45b, S1).
    if (read.applyRequestedAt !== null) {
      const current = await this.refreshApplyFailure(read);
      if (statusOf(current) === 'FAILED') throw applyStopped(id, current);
    }
    let outsideScope: number | null = null;
    if (read.applyRequestedAt === null) {
      outsideScope = await this.outsideScope(read);
      if (outsideScope > 0 && !body.adoptForAllEstablishments)
        throw new ConflictError(
          `re-plan ${id}: ${outsideScope} open episode(s) of ${read.jurisdiction} whose calculation uses a ${read.policy.sentenceClass} release point are held outside ${read.establishments.join(', ')}; ` +
            'adopting the record reaches them at their next recalculation, with no dry run of theirs. ' +
            'Re-plan their establishments too (a run naming them), or apply with adoptForAllEstablishments: true',
          'REPLAN_COHORT_INCOMPLETE',
          { extensions: { outsideScope } },
        );
    }
    const applyOnce = async (tx: EntityManager) => {
      // One apply of an id at a time, as for its adoption: a rival asked at the same moment waits,
      // then sees this one applying.
      await lockPolicyId(tx, read.policyId);
      const run = await this.runInScope(tx, id, scope, true);
      if (run.applyRequestedAt !== null) return { started: false };
      const conflict = await this.policyConflict(run.policyId, run.policy, { runId: run.id, manager: tx });
      if (conflict) throw new ConflictError(`re-plan ${id}: ${conflict}`, 'REPLAN_POLICY_CONFLICT');
      await tx.update(
        ReplanRun,
        { id },
        { applyRequestedAt: now, applyRequestedBy: context.actor, applyOutsideScope: outsideScope ?? 0 },
      );
      return { started: true };
    };
    // In the caller's scope; the conflict check reads every establishment's runs for itself. A
    // refusal rolls back, key and all.
    const { started } = await this.dataSource.transaction((tx) =>
      context.idempotencyKey
        ? withIdempotency(tx, `liberation:replan-apply:${id}:${context.idempotencyKey}`, applyOnce)
        : applyOnce(tx),
    );
    const run = await this.refreshApplyFailure(
      await this.dataSource.transaction((tx) => this.runInScope(tx, id, scope)),
    );
    if (started && outsideScope)
      this.logger.log(
        `re-plan ${id}: applied by ${context.actor} with ${run.policyId} adopted for all establishments (${outsideScope} open episode(s) of its sentence class outside ${run.establishments.join(', ')})`,
      );
    // Started after the commit, only once asked and only while it reads APPLYING (asked again after
    // a failed start, it is started; one that stopped meanwhile is resumed, never started afresh
    // here: review 45c, S2).
    if (statusOf(run) === 'FAILED') throw applyStopped(id, run);
    if (statusOf(run) === 'APPLYING') await this.startPhase(run, 'APPLY');
    return { started, view: await this.viewOf(run) };
  }

  /**
   * Resumes a FAILED apply (its workflow failed, was terminated, cancelled or timed out): a new
   * run of the apply workflow continues from the cursor the stopped one's pages reached, with its
   * counts; a person already done is never recorded again (each page is idempotent per person, and
   * the pages before the cursor are not read again). Asked again once resumed, it answers the run
   * (`resumed: false`) and starts the resumed run only if its start had failed.
   */
  async resume(
    id: string,
    context: RequestContext,
    scope: EstablishmentScope,
    now: Date = new Date(),
  ): Promise<{ resumed: boolean; view: ReplanRunView }> {
    const read = await this.dataSource.transaction((tx) => this.runInScope(tx, id, scope));
    await this.refreshApplyFailure(read);
    const resumeOnce = async (tx: EntityManager) => {
      // As an apply is asked: under the id's lock, refused while another law of the id is applying
      // or adopted (review 45c, S1).
      await lockPolicyId(tx, read.policyId);
      const run = await this.runInScope(tx, id, scope, true);
      if (statusOf(run) !== 'FAILED') return { resumed: false };
      const conflict = await this.policyConflict(run.policyId, run.policy, { runId: run.id, manager: tx });
      if (conflict) throw new ConflictError(`re-plan ${id}: ${conflict}`, 'REPLAN_POLICY_CONFLICT');
      await tx.update(
        ReplanRun,
        { id },
        { applyResumedAt: now, applyResumedBy: context.actor, applyResumes: run.applyResumes + 1 },
      );
      return { resumed: true };
    };
    const { resumed } = await this.dataSource.transaction((tx) =>
      context.idempotencyKey
        ? withIdempotency(tx, `liberation:replan-resume:${id}:${context.idempotencyKey}`, resumeOnce)
        : resumeOnce(tx),
    );
    const run = await this.dataSource.transaction((tx) => this.runInScope(tx, id, scope));
    const status = statusOf(run);
    if (!resumed && status !== 'APPLYING' && status !== 'APPLIED')
      throw new ConflictError(
        `re-plan ${id} is ${status}: only an apply that stopped (FAILED) is resumed`,
        'REPLAN_NOT_FAILED',
      );
    // Started after the commit; a retry whose start had failed starts it (one running goes on).
    if (status === 'APPLYING') await this.startPhase(run, 'APPLY');
    if (resumed)
      this.logger.log(
        `re-plan ${id}: apply resumed by ${context.actor} after ${run.applyFailedCursor ? `${run.applyFailedCursor.personId}/${run.applyFailedCursor.episode}` : 'its start'}`,
      );
    return { resumed, view: await this.viewOf(run) };
  }

  async get(id: string, scope: EstablishmentScope): Promise<ReplanRunView> {
    const run = await this.dataSource.transaction((tx) => this.runInScope(tx, id, scope));
    return this.viewOf(await this.refreshApplyFailure(run));
  }

  /** Runs covering any of the caller's establishments, newest first. */
  async list(query: ListReplansQuery, scope: EstablishmentScope): Promise<ReplanRunPage> {
    // Applies that read APPLYING are looked at first, so a stopped one lists as FAILED (and is
    // found by that filter). Few run at a time: a re-plan is a change in the law.
    const applying = this.dataSource
      .getRepository(ReplanRun)
      .createQueryBuilder('r')
      .where(`(${REPLAN_STATUS_SQL.APPLYING})`)
      .orderBy('r.requested_at', 'DESC')
      .take(MAX_APPLYING_LOOKED_AT);
    if (scope !== 'unrestricted')
      applying.andWhere('r.establishments && :mine', { mine: scope.establishments });
    for (const run of await applying.getMany()) await this.refreshApplyFailure(run);
    const qb = this.dataSource
      .getRepository(ReplanRun)
      .createQueryBuilder('r')
      .orderBy('r.requested_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .take(query.limit + 1);
    if (scope !== 'unrestricted') qb.andWhere('r.establishments && :mine', { mine: scope.establishments });
    if (query.status) qb.andWhere(`(${REPLAN_STATUS_SQL[query.status]})`);
    if (query.jurisdiction)
      qb.andWhere('r.jurisdiction = :jurisdiction', { jurisdiction: query.jurisdiction });
    if (query.cursor)
      qb.andWhere('(r.requested_at, r.id) < (:at, :id)', {
        at: query.cursor.requestedAt,
        id: query.cursor.id,
      });
    const rows = await qb.getMany();
    const { items, nextCursor } = ReplanRunCursor.page(rows, query.limit, (r) => ({
      requestedAt: r.requestedAt.toISOString(),
      id: r.id,
    }));
    return { items: await Promise.all(items.map((r) => this.viewOf(r, false))), nextCursor };
  }

  /** The run's items the caller may see (people held in its establishments), by person id. */
  async items(id: string, query: ListReplanItemsQuery, scope: EstablishmentScope): Promise<ReplanItemPage> {
    return this.dataSource.transaction(async (tx) => {
      await this.runInScope(tx, id, scope);
      const qb = tx
        .getRepository(ReplanItem)
        .createQueryBuilder('i')
        .where('i.run_id = :id', { id })
        .orderBy('i.person_id', 'ASC')
        .addOrderBy('i.episode', 'ASC')
        .take(query.limit + 1);
      if (scope !== 'unrestricted')
        qb.andWhere('i.establishment_code = ANY(:mine)', { mine: scope.establishments });
      if (query.status) qb.andWhere('i.status = :status', { status: query.status });
      if (query.differsFromDryRun !== undefined)
        qb.andWhere(query.differsFromDryRun ? 'i.differs_from_dry_run' : 'NOT i.differs_from_dry_run');
      if (query.cursor)
        qb.andWhere('(i.person_id, i.episode) > (:pid, :ep)', {
          pid: query.cursor.personId,
          ep: query.cursor.episode,
        });
      const rows = await qb.getMany();
      const { items, nextCursor } = ReplanItemCursor.page(rows, query.limit, (i) => ({
        personId: i.personId,
        episode: i.episode,
      }));
      return { items: items.map(itemView), nextCursor };
    });
  }

  /**
   * Open episodes in the run's scope (and the caller's) that have no sentence calculation and no
   * recorded official dates: their expected release date was given by hand, so no re-plan can move it. Read live (as the record
   * stands now, not as at the dry run), by person id.
   */
  async uncalculated(
    id: string,
    query: ListUncalculatedQuery,
    scope: EstablishmentScope,
  ): Promise<UncalculatedEpisodePage> {
    return this.dataSource.transaction(async (tx) => {
      const run = await this.runInScope(tx, id, scope);
      const establishments = run.establishments.filter(
        (e) =>
          (scope === 'unrestricted' || scope.establishments.includes(e)) &&
          (query.establishmentCode === undefined || e === query.establishmentCode),
      );
      const rows: Array<{
        person_id: string;
        episode: number;
        held_at: string;
        expected_release_date: string | null;
      }> = await tx.query(
        `${UNCALCULATED_IN_SCOPE}
            AND (e.person_id, e.episode) > ($4, $5)
          ORDER BY e.person_id, e.episode
          LIMIT $6`,
        [
          run.jurisdiction,
          establishments,
          reachedFrom(run),
          query.cursor?.personId ?? '',
          query.cursor?.episode ?? 0,
          query.limit + 1,
        ],
      );
      const { items, nextCursor } = ReplanItemCursor.page(rows, query.limit, (r) => ({
        personId: r.person_id,
        episode: r.episode,
      }));
      return {
        items: items.map((r) => ({
          personId: r.person_id,
          episode: r.episode,
          establishmentCode: r.held_at,
          expectedReleaseDate: r.expected_release_date,
        })),
        nextCursor,
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Activities (task queue "liberation"; the platform's own work, unrestricted)

  async dryRunPage(
    input: { runId: string; after: ReplanCursor | null; limit: number },
    beat: () => void = () => {},
  ): Promise<ReplanPageResult> {
    const run = await this.runOrFail(input.runId);
    // The law as it stands on the run's day, with the proposed record as it would be adopted:
    // applied from its own commencement to the releases it reaches (review M1).
    const law = await effectivePolicies(this.dataSource.manager, run.asAt);
    const proposed = withReleasePoints(law.table, [
      asAdopted({
        ...run.policy,
        version: await nextReleasePointVersion(this.dataSource.manager, run.policyId),
      }),
    ]);
    return this.eachOfPage(
      run,
      input,
      (scanned) =>
        this.dataSource.transaction(async (tx) => {
          const [episode, current] = await this.episodeAndVersion(tx, scanned);
          // Released or gone since the scan, or sentences with no release date: nothing to move.
          if (!episode || !current || !isOpen(episode) || current.releaseDate === null)
            return 'same' as const;
          const oldDates = datesOf(current.calculation.dates);
          let computed: Computed;
          try {
            computed = calculateForEpisode(episode, current.input, proposed, law.asAt);
          } catch (error) {
            if (!isDomainError(error)) throw error;
            await this.keepItem(tx, run, scanned, current, oldDates, null, `${error.code}: ${error.message}`);
            return 'skipped' as const;
          }
          const newDates = datesOf(computed.calculation.dates);
          if (sameDates(oldDates, newDates)) return 'same' as const;
          // A decision (HDC, parole, early release) standing on the expected release date: the
          // apply step records the calculation but keeps the date, or sets a decision that cannot
          // stand aside and moves it; either way the item NEEDS_REVIEW.
          const effect = await this.sentences.effectOn(
            tx,
            episode,
            computed,
            current.input,
            current.releaseDate,
          );
          // The new date, or the date of a decision that stands on it, has passed: due for
          // immediate release, which no re-plan records.
          if (effect.releaseDueNowBecause !== null) {
            await this.keepItem(
              tx,
              run,
              scanned,
              current,
              oldDates,
              null,
              `RELEASE_DUE_NOW: ${effect.releaseDueNowBecause}`,
            );
            return 'skipped' as const;
          }
          await this.keepItem(tx, run, scanned, current, oldDates, computed, null, reviewOf(effect));
          return 'changed' as const;
        }),
      beat,
    );
  }

  async adoptPolicy(input: { runId: string }): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const run = await this.runOrFail(input.runId, tx);
      if (await tx.findOneBy(AdoptedReleasePoint, { runId: run.id })) return;
      // One adoption of an id at a time: the version is one above every earlier one.
      await lockPolicyId(tx, run.policyId);
      // A run whose apply stopped before it adopted, resumed after a rival with other values was
      // adopted: it stops here, FAILED with the reason (review stop 45, B1; 45b, M2). Only the
      // adopted record counts here: runs applying were checked when each apply was asked.
      const conflict = await this.policyConflict(run.policyId, run.policy, {
        runId: run.id,
        manager: tx,
        adoptedOnly: true,
      });
      if (conflict)
        throw new DomainError('REPLAN_POLICY_CONFLICT', 'RULE_VIOLATED', `re-plan ${run.id}: ${conflict}`);
      const version = await nextReleasePointVersion(tx, run.policyId);
      await tx.insert(AdoptedReleasePoint, {
        policyId: run.policyId,
        version,
        record: { ...run.policy, version },
        runId: run.id,
        adoptedAt: new Date(),
      });
      this.logger.log(`re-plan ${run.id}: adopted ${run.policyId} version ${version}`);
    });
  }

  async applyPage(
    input: { runId: string; after: ReplanCursor | null; limit: number },
    beat: () => void = () => {},
  ): Promise<ReplanPageResult> {
    const run = await this.runOrFail(input.runId);
    if (!(await this.dataSource.manager.findOneBy(AdoptedReleasePoint, { runId: run.id })))
      throw new DomainError(
        'REPLAN_NOT_ADOPTED',
        'RULE_VIOLATED',
        `re-plan ${run.id}: its record is not adopted`,
        {
          retryable: true,
        },
      );
    // Once a page (review M3): the law and the day it is read at.
    const now = new Date();
    const { table, asAt } = await effectivePolicies(this.dataSource.manager, ukToday(now));
    const result = await this.eachOfPage(
      run,
      input,
      async (scanned) => {
        try {
          return await this.applyOne(run, scanned, table, asAt, now);
        } catch (error) {
          // One person's refusal (e.g. RELEASE_DUE_NOW) does not stop the re-plan:
          // the item is skipped with the reason, in a transaction of its own (review S3).
          if (!isDomainError(error) || error.retryable) throw error;
          this.logger.warn(
            `re-plan ${run.id}: ${scanned.personId}/${scanned.episode} skipped: ${error.code}`,
          );
          return this.dataSource.transaction((tx) =>
            this.skipAtApply(tx, run, scanned, `${error.code}: ${error.message}`),
          );
        }
      },
      beat,
    );
    await this.recordApplyCursor(run.id, result);
    return result;
  }

  /**
   * Where the apply step stands, after a page every person of which is done: its last episode and
   * the counts so far. Only forward: a page done again (a retry, a resumed run) is not counted twice.
   */
  private async recordApplyCursor(runId: string, page: ReplanPageResult): Promise<void> {
    const next = page.next;
    if (next === null) return;
    await this.dataSource.transaction(async (tx) => {
      const run = await tx.findOne(ReplanRun, { where: { id: runId }, lock: { mode: 'pessimistic_write' } });
      if (!run || run.appliedAt !== null) return;
      const at = run.applyCursor;
      if (
        at &&
        (at.personId > next.personId || (at.personId === next.personId && at.episode >= next.episode))
      )
        return;
      const before = run.applyProgress ?? NO_REPLAN_PROGRESS;
      await tx.update(
        ReplanRun,
        { id: runId },
        {
          applyCursor: next,
          applyProgress: {
            scanned: before.scanned + page.scanned,
            changed: before.changed + page.changed,
            skipped: before.skipped + page.skipped,
            pages: before.pages + 1,
          },
        },
      );
    });
  }

  /** The apply step for one episode, in its own transaction. */
  private applyOne(
    run: ReplanRun,
    scanned: ScannedEpisode,
    table: SentencePolicyTable,
    asAt: string,
    now: Date,
  ): Promise<'changed' | 'skipped' | 'same'> {
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, scanned.personId);
      const [episode, current] = await this.episodeAndVersion(tx, scanned);
      const item = await tx.findOneBy(ReplanItem, {
        runId: run.id,
        personId: scanned.personId,
        episode: scanned.episode,
      });
      const skip = async (reason: string) => {
        if (!item || !undecided(item)) return 'same' as const;
        await tx.update(
          ReplanItem,
          { runId: run.id, personId: item.personId, episode: item.episode },
          { status: 'SKIPPED', skipReason: reason, decidedAt: new Date() },
        );
        return 'skipped' as const;
      };
      // Not open: released, or void (its reception reversed as recorded in error).
      if (episode && isVoid(episode)) return skip('RECEIVED_IN_ERROR');
      if (!episode || !current || !isOpen(episode)) return skip('RELEASED');
      if (current.releaseDate === null) return skip('NO_RELEASE_DATE');
      const oldDates = datesOf(current.calculation.dates);
      let computed: Computed;
      try {
        computed = calculateForEpisode(episode, current.input, table, asAt);
      } catch (error) {
        if (!isDomainError(error)) throw error;
        if (item) return skip(`${error.code}: ${error.message}`);
        await this.keepItem(
          tx,
          run,
          scanned,
          current,
          oldDates,
          null,
          `${error.code}: ${error.message}`,
          NO_REVIEW,
          'APPLY',
        );
        return 'skipped' as const;
      }
      if (sameDates(oldDates, datesOf(computed.calculation.dates))) return skip('NO_LONGER_MOVES');
      const actor = `replan:${run.id}`;
      const { version, effect } = await this.sentences.recordVersion(
        tx,
        episode,
        current.input,
        computed,
        asAt,
        {
          latestVersion: current.version,
          actor,
          context: {
            actor,
            scope: 'unrestricted',
            correlationId: run.correlationId,
            idempotencyKey: undefined,
          },
          now,
        },
      );
      if (!item)
        await this.keepItem(tx, run, scanned, current, oldDates, computed, null, reviewOf(effect), 'APPLY');
      const newReleaseDate = computed.releaseDate?.date ?? current.releaseDate ?? undefined;
      await tx.update(
        ReplanItem,
        { runId: run.id, personId: scanned.personId, episode: scanned.episode },
        {
          // Against what the dry run showed (a person it did not show was marked when kept; an item
          // from before migration 3500 stays unknown).
          ...(item && item.differsFromDryRun !== null
            ? { differsFromDryRun: item.dryRunReleaseDate !== newReleaseDate }
            : {}),
          // Recorded either way; a decision standing on the date keeps it, or one that cannot
          // stand is set aside and the date moves: for someone to review either way.
          status: needsReview(reviewOf(effect)) ? 'NEEDS_REVIEW' : 'APPLIED',
          appliedVersion: version,
          decidedAt: now,
          newDates: datesOf(computed.calculation.dates),
          newReleaseDate,
          ...reviewOf(effect),
        },
      );
      return 'changed' as const;
    });
  }

  /** An episode the apply step refused: its item skipped with the reason (kept if the dry run had none). */
  private async skipAtApply(
    tx: EntityManager,
    run: ReplanRun,
    scanned: ScannedEpisode,
    reason: string,
  ): Promise<'skipped' | 'same'> {
    const [, current] = await this.episodeAndVersion(tx, scanned);
    const item = await tx.findOneBy(ReplanItem, {
      runId: run.id,
      personId: scanned.personId,
      episode: scanned.episode,
    });
    if (item && !undecided(item)) return 'same';
    if (!item) {
      if (!current) return 'same';
      await this.keepItem(
        tx,
        run,
        scanned,
        current,
        datesOf(current.calculation.dates),
        null,
        reason,
        NO_REVIEW,
        'APPLY',
      );
      return 'skipped';
    }
    await tx.update(
      ReplanItem,
      { runId: run.id, personId: item.personId, episode: item.episode },
      { status: 'SKIPPED', skipReason: reason, decidedAt: new Date() },
    );
    return 'skipped';
  }

  async finishPhase(input: { runId: string; phase: ReplanPhase; progress: ReplanProgress }): Promise<void> {
    const run = await this.runOrFail(input.runId);
    const now = new Date();
    if (input.phase === 'DRY_RUN' && run.dryRunDoneAt === null) {
      const [{ needs_review: needsReview }] = (await this.dataSource.query(
        `SELECT count(*) FILTER (WHERE status = 'NEEDS_REVIEW')::int AS needs_review
           FROM "liberation"."replan_item" WHERE run_id = $1`,
        [run.id],
      )) as [{ needs_review: number }];
      // Those in scope it could not look at: no sentence calculation (dates given by hand).
      const [{ uncalculated }] = (await this.dataSource.query(
        `SELECT count(*)::int AS uncalculated FROM (${UNCALCULATED_IN_SCOPE}) u`,
        [run.jurisdiction, run.establishments, reachedFrom(run)],
      )) as [{ uncalculated: number }];
      await this.dataSource.manager.update(
        ReplanRun,
        { id: run.id },
        {
          dryRunDoneAt: now,
          scanned: input.progress.scanned,
          affected: input.progress.changed,
          dryRunNeedsReview: needsReview,
          dryRunUncalculated: uncalculated,
          // Counted once, here (the apply counts again before it adopts).
          dryRunOutsideScope: await this.outsideScope(run),
        },
      );
    }
    if (input.phase === 'APPLY' && run.appliedAt === null)
      await this.dataSource.transaction(async (tx) => {
        // Proposals the apply step never reached: released, or no longer held in the run's
        // establishments, by the time it ran. Not lost: each is marked with why.
        await tx.query(
          `UPDATE "liberation"."replan_item" SET status = 'SKIPPED', skip_reason = 'NOT_OPEN_IN_SCOPE_AT_APPLY', decided_at = $2
            WHERE run_id = $1 AND (status = 'PROPOSED' OR (status = 'NEEDS_REVIEW' AND applied_version IS NULL))`,
          [run.id, now],
        );
        // Counted from the items, not the workflow's progress: a page retried after some of its
        // episodes committed found them done and counted them as neither. Skips are the apply
        // step's own (decided since it was asked for): the dry run's are not among its `affected`.
        const counts = (await tx.query(
          `SELECT count(*) FILTER (WHERE status = 'APPLIED')::int AS applied,
                  count(*) FILTER (WHERE status = 'SKIPPED' AND decided_at >= $2)::int AS skipped,
                  count(*) FILTER (WHERE status = 'NEEDS_REVIEW')::int AS needs_review
             FROM "liberation"."replan_item" WHERE run_id = $1`,
          [run.id, run.applyRequestedAt ?? new Date(0)],
        )) as [{ applied: number; skipped: number; needs_review: number }];
        await tx.update(
          ReplanRun,
          { id: run.id },
          {
            appliedAt: now,
            applied: counts[0].applied,
            skipped: counts[0].skipped,
            needsReview: counts[0].needs_review,
          },
        );
      });
    this.logger.log(
      `re-plan ${run.id}: ${input.phase === 'DRY_RUN' ? 'dry run' : 'apply'} done: ${input.progress.scanned} looked at, ` +
        `${input.progress.changed} ${input.phase === 'DRY_RUN' ? 'would move' : 'moved'}, ${input.progress.skipped} skipped`,
    );
  }

  // -------------------------------------------------------------------------------------------

  /** Runs `each` on every episode of the next page (one transaction each), counting what they did. */
  private async eachOfPage(
    run: ReplanRun,
    input: { after: ReplanCursor | null; limit: number },
    each: (scanned: ScannedEpisode) => Promise<'changed' | 'skipped' | 'same'>,
    beat: () => void,
  ): Promise<ReplanPageResult> {
    const page = await this.scan(run, input.after, input.limit);
    let changed = 0;
    let skipped = 0;
    for (const scanned of page) {
      // A heartbeat an episode (review M3): a worker lost mid-page is noticed in seconds.
      beat();
      const outcome = await each(scanned);
      if (outcome === 'changed') changed += 1;
      if (outcome === 'skipped') skipped += 1;
    }
    return {
      next: page.length < input.limit ? null : cursorOf(page),
      scanned: page.length,
      changed,
      skipped,
    };
  }

  private async startPhase(run: ReplanRun, phase: ReplanPhase): Promise<void> {
    const args: ReplanWorkflowInput = {
      runId: run.id,
      phase,
      pageSize: run.pageSize,
      pauseMs: run.pauseMs,
      pagesPerRun: run.pagesPerRun,
      // An apply started again (resumed, or its start had failed) goes on from where its pages
      // reached; a new one has neither.
      ...(phase === 'APPLY' && run.applyCursor
        ? { cursor: run.applyCursor, progress: run.applyProgress ?? NO_REPLAN_PROGRESS }
        : {}),
    };
    try {
      await this.temporal.workflow.start(RELEASE_POINT_REPLAN_WORKFLOW, {
        taskQueue: this.taskQueue,
        workflowId: replanWorkflowId(run.id, phase),
        // A phase that failed (a defect, an operator's termination) may be started again; one that
        // completed may not (a second apply would be a no-op anyway, each episode recorded once).
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [args],
        memo: { runId: run.id, phase, policyId: run.policyId },
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  }

  /** Open episodes of the run's jurisdiction held in its establishments with a sentence calculation, after `after`. */
  private async scan(run: ReplanRun, after: ReplanCursor | null, limit: number): Promise<ScannedEpisode[]> {
    const rows: Array<{ person_id: string; episode: number; held_at: string; version: number }> =
      await this.dataSource.query(
        `${OPEN_EPISODES_IN_SCOPE} AND c.version IS NOT NULL
            AND (e.person_id, e.episode) > ($3, $4)
          ORDER BY e.person_id, e.episode
          LIMIT $5`,
        [run.jurisdiction, run.establishments, after?.personId ?? '', after?.episode ?? 0, limit],
      );
    return rows.map((r) => ({
      personId: r.person_id,
      episode: r.episode,
      heldAt: r.held_at,
      version: r.version,
    }));
  }

  private async episodeAndVersion(
    manager: EntityManager,
    scanned: ScannedEpisode,
  ): Promise<[CustodyEpisode | null, SentenceCalculationRecord | null]> {
    const episode = await manager.findOneBy(CustodyEpisode, {
      personId: scanned.personId,
      episode: scanned.episode,
    });
    const current = await manager.findOne(SentenceCalculationRecord, {
      where: { personId: scanned.personId, episode: scanned.episode },
      order: { version: 'DESC' },
    });
    return [episode, current];
  }

  /** Keeps a dry run's finding (idempotent: the first finding of an episode stands). */
  private async keepItem(
    manager: EntityManager,
    run: ReplanRun,
    scanned: ScannedEpisode,
    current: SentenceCalculationRecord,
    oldDates: Record<string, string>,
    computed: Computed | null,
    skipReason: string | null,
    review: ReviewReasons = NO_REVIEW,
    phase: ReplanPhase = 'DRY_RUN',
  ): Promise<void> {
    const oldRelease = current.releaseDate ?? '';
    const type = computed?.releaseDate?.type ?? current.releaseDateType ?? 'CRD';
    const newRelease = computed?.releaseDate?.date ?? oldRelease;
    await manager
      .createQueryBuilder()
      .insert()
      .into(ReplanItem)
      .values({
        runId: run.id,
        personId: scanned.personId,
        episode: scanned.episode,
        establishmentCode: scanned.heldAt,
        versionBefore: current.version,
        releaseDateType: type,
        oldReleaseDate: oldRelease,
        newReleaseDate: newRelease,
        oldDates,
        newDates: computed ? datesOf(computed.calculation.dates) : oldDates,
        status: skipReason !== null ? 'SKIPPED' : needsReview(review) ? 'NEEDS_REVIEW' : 'PROPOSED',
        skipReason,
        appliedVersion: null,
        decidedAt: skipReason === null ? null : new Date(),
        keptBecause: review.keptBecause,
        decisionSetAsideBecause: review.decisionSetAsideBecause,
        // Written by the dry run: what it showed. Written by the apply: a person it did not show.
        dryRunReleaseDate: phase === 'DRY_RUN' ? newRelease : null,
        differsFromDryRun: phase === 'APPLY',
      })
      .orIgnore()
      .execute();
  }

  /**
   * A run reading APPLYING whose apply workflow closed without completing (failed, terminated,
   * cancelled or timed out): its stop is recorded once a workflow run (the run id is kept), with
   * the reason and the cursor and counts its pages reached, and the run reads FAILED from then on.
   * An error is logged for operators. Running, completed, continued as new, never started, or not
   * readable now: the run is answered as it is.
   */
  private async refreshApplyFailure(run: ReplanRun): Promise<ReplanRun> {
    if (statusOf(run) !== 'APPLYING') return run;
    let stopped: { status: ReplanApplyFailureStatus; runId: string; reason: string } | null;
    try {
      stopped = await this.stoppedApply(replanWorkflowId(run.id, 'APPLY'));
    } catch (error) {
      this.logger.warn(
        `re-plan ${run.id}: the apply's workflow is not readable: ${(error as Error).message}`,
      );
      return run;
    }
    if (!stopped || stopped.runId === run.applyFailedWorkflowRunId) return run;
    const { status, runId, reason } = stopped;
    const recorded = await this.dataSource.transaction(async (tx) => {
      const result = await tx
        .createQueryBuilder()
        .update(ReplanRun)
        .set({
          applyFailedAt: new Date(),
          applyFailureStatus: status,
          applyFailureReason: reason,
          applyFailedWorkflowRunId: runId,
          applyFailedCursor: () => 'apply_cursor',
          applyFailedProgress: () => 'apply_progress',
        })
        .where('id = :id AND applied_at IS NULL', { id: run.id })
        .andWhere('apply_failed_workflow_run_id IS DISTINCT FROM :runId', { runId })
        .execute();
      return { affected: result.affected ?? 0, run: await tx.findOneByOrFail(ReplanRun, { id: run.id }) };
    });
    if (recorded.affected > 0)
      this.logger.error(
        `re-plan ${run.id}: its apply stopped (${status}: ${reason}) at ${
          recorded.run.applyFailedCursor
            ? `${recorded.run.applyFailedCursor.personId}/${recorded.run.applyFailedCursor.episode}`
            : 'its start'
        }; status FAILED: resume it with POST /release-point-replans/${run.id}/resume`,
      );
    return recorded.run;
  }

  /** How the apply's latest workflow run stopped, if it closed without completing; null otherwise. */
  private async stoppedApply(
    workflowId: string,
  ): Promise<{ status: ReplanApplyFailureStatus; runId: string; reason: string } | null> {
    let described;
    try {
      described = await this.temporal.workflow.getHandle(workflowId).describe();
    } catch (error) {
      // Its start failed after the apply was asked for: asking again starts it.
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
    const status = STOPPED[described.status.name];
    if (!status) return null;
    let reason = `workflow ${described.status.name}`;
    try {
      await this.temporal.workflow.getHandle(workflowId, described.runId, { followRuns: false }).result();
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      // A termination's error and its cause both carry the reason given: once.
      reason = [...new Set([error.message, error.cause?.message])].filter((m) => m).join(': ');
    }
    return { status, runId: described.runId, reason: reason.slice(0, 1000) };
  }

  private async runOrFail(id: string, manager: EntityManager = this.dataSource.manager): Promise<ReplanRun> {
    const run = await manager.findOneBy(ReplanRun, { id });
    if (!run) throw new ReplanNotFoundError(id);
    return run;
  }

  private async runInScope(
    manager: EntityManager,
    id: string,
    scope: EstablishmentScope,
    lock = false,
  ): Promise<ReplanRun> {
    const run = await manager.findOne(ReplanRun, {
      where: { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' } } : {}),
    });
    if (
      !run ||
      (scope !== 'unrestricted' && !run.establishments.some((e) => scope.establishments.includes(e)))
    )
      throw new ReplanNotFoundError(id);
    return run;
  }

  /** The run, with the live progress of the phase running now (read from its workflow's memo). */
  /**
   * Why `policy` cannot be adopted under `policyId`: its latest adopted record, or (unless
   * `adoptedOnly`) a record another run is applying now (status APPLYING: asked, not applied, not
   * stopped), is another law. Undefined when none is (the same record may be adopted again). Read
   * across every establishment's runs (the law is one).
   */
  private async policyConflict(
    policyId: string,
    policy: ProposedReleasePoint,
    {
      runId,
      manager,
      adoptedOnly = false,
    }: { runId?: string; manager?: EntityManager; adoptedOnly?: boolean },
  ): Promise<string | undefined> {
    const mine = lawOf(policy);
    const check = async (m: EntityManager): Promise<string | undefined> => {
      const [adopted] = await m.find(AdoptedReleasePoint, {
        where: { policyId },
        order: { version: 'DESC' },
        take: 1,
      });
      if (adopted && lawOf(adopted.record) !== mine)
        return `${policyId} version ${adopted.version} was adopted by re-plan ${adopted.runId} with another record (its sentence class, proportion, commencement, reach or exclusions): propose this change under an id of its own`;
      if (adoptedOnly) return undefined;
      const applying: ReplanRun[] = await m
        .getRepository(ReplanRun)
        .createQueryBuilder('r')
        .where('r.policy_id = :policyId', { policyId })
        .andWhere(`(${REPLAN_STATUS_SQL.APPLYING})`)
        .andWhere(runId ? 'r.id <> :runId' : 'TRUE', { runId })
        .getMany();
      const other = applying.find((r) => lawOf(r.policy) !== mine);
      return other
        ? `re-plan ${other.id} is applying ${policyId} with another record (its sentence class, proportion, commencement, reach or exclusions): propose this change under an id of its own`
        : undefined;
    };
    // Every establishment's runs (the law is one): inside the caller's transaction, widened for
    // these reads only; else in a transaction of its own, unrestricted (review 45c, S4).
    return manager
      ? acrossScopes(manager, () => check(manager))
      : runUnrestricted(() => this.dataSource.transaction((tx) => check(tx)));
  }

  /**
   * Open episodes of the run's jurisdiction held outside its establishments whose latest sentence
   * calculation used a release point of the record's sentence class (a record of the table, one
   * adopted, or this id): those the record reaches at their next recalculation. A count across every
   * establishment: no one is named.
   */
  private async outsideScope(run: ReplanRun): Promise<number> {
    return runUnrestricted(async () => {
      const adopted = await this.dataSource.manager.find(AdoptedReleasePoint);
      const ids = new Set([
        run.policyId,
        ...SENTENCE_POLICIES.releasePoints
          .filter((p) => p.sentenceClass === run.policy.sentenceClass)
          .map((p) => p.id),
        ...adopted.filter((a) => a.record.sentenceClass === run.policy.sentenceClass).map((a) => a.policyId),
      ]);
      const [row]: Array<{ n: number }> = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM (${OPEN_EPISODES_OUTSIDE_SCOPE} AND c.version IS NOT NULL
            AND EXISTS (
              SELECT 1 FROM "liberation"."sentence_calculation" s
               WHERE s.person_id = e.person_id AND s.episode = e.episode AND s.version = c.version
                 AND s.policy_ids && $3::text[]
            )) outside_scope`,
        [run.jurisdiction, run.establishments, [...ids]],
      );
      return row?.n ?? 0;
    });
  }

  /** Items the apply decided otherwise than the dry run showed (every establishment's: a count). */
  private async differsFromDryRun(run: ReplanRun): Promise<number> {
    return runUnrestricted(() =>
      this.dataSource
        .getRepository(ReplanItem)
        .createQueryBuilder('i')
        .where('i.run_id = :id AND i.differs_from_dry_run', { id: run.id })
        .getCount(),
    );
  }

  private async viewOf(run: ReplanRun, live = true): Promise<ReplanRunView> {
    const status = statusOf(run);
    let progress: ReplanRunView['progress'] = null;
    const phase: ReplanPhase | null =
      status === 'DRY_RUN_RUNNING' ? 'DRY_RUN' : status === 'APPLYING' ? 'APPLY' : null;
    if (live && phase) {
      try {
        const described = await this.temporal.workflow.getHandle(replanWorkflowId(run.id, phase)).describe();
        const memo = described.memo?.['progress'] as ReplanProgress | undefined;
        if (memo) progress = { phase, ...memo };
      } catch (error) {
        this.logger.warn(`re-plan ${run.id}: progress not readable: ${(error as Error).message}`);
      }
    }
    return {
      id: run.id,
      status,
      jurisdiction: run.jurisdiction,
      reason: run.reason,
      policy: run.policy,
      establishments: run.establishments,
      asAt: run.asAt,
      requestedAt: run.requestedAt.toISOString(),
      requestedBy: run.requestedBy,
      dryRun: {
        workflowId: replanWorkflowId(run.id, 'DRY_RUN'),
        doneAt: run.dryRunDoneAt?.toISOString() ?? null,
        scanned: run.scanned,
        affected: run.affected,
        needsReview: run.dryRunNeedsReview,
        uncalculated: run.dryRunUncalculated,
        outsideScope: run.dryRunOutsideScope,
      },
      apply:
        run.applyRequestedAt === null
          ? null
          : {
              workflowId: replanWorkflowId(run.id, 'APPLY'),
              requestedAt: run.applyRequestedAt.toISOString(),
              requestedBy: run.applyRequestedBy ?? '',
              doneAt: run.appliedAt?.toISOString() ?? null,
              applied: run.applied,
              skipped: run.skipped,
              needsReview: run.needsReview,
              differsFromDryRun: live ? await this.differsFromDryRun(run) : null,
              cursor: run.applyCursor,
              failure:
                run.applyFailedAt === null
                  ? null
                  : {
                      at: run.applyFailedAt.toISOString(),
                      workflowStatus: run.applyFailureStatus!,
                      workflowRunId: run.applyFailedWorkflowRunId ?? '',
                      reason: run.applyFailureReason ?? '',
                      cursor: run.applyFailedCursor,
                      progress: run.applyFailedProgress,
                    },
              resumedAt: run.applyResumedAt?.toISOString() ?? null,
              resumedBy: run.applyResumedBy,
              resumes: run.applyResumes,
              outsideScope: run.applyOutsideScope,
            },
      progress,
    };
  }
}

/**
 * One apply, resume or adoption of a policy id at a time (a transaction's advisory lock on the id):
 * a rival asked at the same moment waits, then sees this one.
 */
const lockPolicyId = (tx: EntityManager, policyId: string) =>
  tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`liberation:policy:${policyId}`]);

/** A stopped apply asked to apply again: it is resumed, never started afresh. */
const applyStopped = (id: string, run: ReplanRun) =>
  new ConflictError(
    `re-plan ${id}: its apply stopped (${run.applyFailureStatus}): resume it (POST /release-point-replans/${id}/resume) to go on from where it stopped`,
    'REPLAN_APPLY_FAILED',
  );

/** The first release day the run's law change reaches: its commencement, or the run's day if later. */
const reachedFrom = (run: ReplanRun): string =>
  run.policy.inForceFrom !== null && run.policy.inForceFrom > run.asAt ? run.policy.inForceFrom : run.asAt;

/** Why a re-plan item needs someone to review it: a decision kept its date, or was set aside. */
type ReviewReasons = Pick<
  SentenceCalculationOutcomeView['effect'],
  'keptBecause' | 'decisionSetAsideBecause'
>;
const NO_REVIEW: ReviewReasons = { keptBecause: null, decisionSetAsideBecause: null };
const needsReview = (r: ReviewReasons): boolean =>
  r.keptBecause !== null || r.decisionSetAsideBecause !== null;
/**
 * An item keeps why a decision kept its date, and any caveat on it (an HDC date passed without a
 * release, a decision whose basis is not recorded: stop 37 review M1, S2), as `keptBecause`.
 */
const reviewOf = (effect: SentenceCalculationOutcomeView['effect']): ReviewReasons => {
  const kept = [effect.keptBecause, effect.decisionCaveat].filter((r) => r !== null);
  return {
    keptBecause: kept.length > 0 ? kept.join('; ') : null,
    decisionSetAsideBecause: effect.decisionSetAsideBecause,
  };
};

/**
 * Open episodes of the run's jurisdiction held (after standing transfers) in `$2`, with where they
 * are held and their latest sentence calculation version (null: none recorded); `$1` the
 * jurisdiction. Callers add their own conditions, order and limit.
 */
function openEpisodesInScope(extraColumns = '', outside = false): string {
  return `SELECT e.person_id, e.episode, held.code AS held_at, c.version${extraColumns}
    FROM "liberation"."custody_episode" e
    CROSS JOIN LATERAL (
      SELECT coalesce((
        SELECT m.to_establishment_code FROM "liberation"."movement" m
         WHERE m.person_id = e.person_id AND m.episode = e.episode
           AND m.movement = 'TRANSFER' AND m.reversed_at IS NULL
         ORDER BY m.occurred_at DESC, m.recorded_at DESC, m.event_id DESC LIMIT 1
      ), e.establishment_code) AS code
    ) held
    CROSS JOIN LATERAL (
      SELECT max(s.version) AS version FROM "liberation"."sentence_calculation" s
       WHERE s.person_id = e.person_id AND s.episode = e.episode
    ) c
   WHERE ${openEpisodeSql('e')} AND e.jurisdiction = $1 AND ${outside ? 'NOT (held.code = ANY($2))' : 'held.code = ANY($2)'}`;
}
const OPEN_EPISODES_IN_SCOPE = openEpisodesInScope();
/** The same, held anywhere but in `$2`. */
const OPEN_EPISODES_OUTSIDE_SCOPE = openEpisodesInScope('', true);

/**
 * The law a release point record makes, as two proposals of one id must agree on it: every field
 * but its version, its source (a corrected citation is the same law) and its commencement flag,
 * with its excluded offence categories in a fixed order (review 45b, S5).
 */
const lawOf = (record: ProposedReleasePoint | ReleasePointPolicy): string => {
  const {
    version: _version,
    source: _source,
    commencement: _commencement,
    ...law
  } = record as ProposedReleasePoint & Partial<Pick<ReleasePointPolicy, 'version'>>;
  const excluded = (law as { excludedOffenceCategories?: readonly unknown[] }).excludedOffenceCategories;
  return canonicalJson({
    ...law,
    // In any order, each once (review 45c, N3).
    ...(excluded
      ? { excludedOffenceCategories: [...new Set(excluded.map((c) => canonicalJson(c)))].sort() }
      : {}),
  });
};
/** The expected release date as it stands: the latest change's, else the reception's. */
const EXPECTED_RELEASE_DATE = `coalesce((
    SELECT r.expected_release_date FROM "liberation"."release_date_change" r
     WHERE r.person_id = e.person_id AND r.episode = e.episode
     ORDER BY r.change_number DESC LIMIT 1
  ), e.expected_release_date)`;
/**
 * Open episodes in scope with no sentence calculation and no recorded official dates whose
 * expected release date is on or after `$3` (the proposed record's commencement, or the run's
 * day): those the law change would have reached, had their sentences been recorded. An episode
 * whose official dates are recorded is not listed (README "Recorded sentence dates"): its dates
 * come from the prison's calculation, which staff record again when it changes.
 */
const UNCALCULATED_IN_SCOPE = `${openEpisodesInScope(`, ${EXPECTED_RELEASE_DATE}::text AS expected_release_date`)}
    AND c.version IS NULL
    AND NOT EXISTS (
      SELECT 1 FROM "liberation"."recorded_sentence_dates" d
       WHERE d.person_id = e.person_id AND d.episode = e.episode
    )
    AND ${EXPECTED_RELEASE_DATE} >= $3::date`;

/** Not yet decided by the apply step: a proposal, or one to review whose calculation is not recorded yet. */
const undecided = (item: ReplanItem): boolean =>
  item.status === 'PROPOSED' || (item.status === 'NEEDS_REVIEW' && item.appliedVersion === null);

const cursorOf = (page: readonly ScannedEpisode[]): ReplanCursor => {
  const last = page[page.length - 1]!;
  return { personId: last.personId, episode: last.episode };
};

function itemView(i: ReplanItem): ReplanItemView {
  return {
    personId: i.personId,
    episode: i.episode,
    establishmentCode: i.establishmentCode,
    status: i.status,
    skipReason: i.skipReason,
    releaseDateKeptBecause: i.keptBecause,
    releaseDateDecisionSetAsideBecause: i.decisionSetAsideBecause,
    releaseDateType: i.releaseDateType,
    oldReleaseDate: i.oldReleaseDate,
    newReleaseDate: i.newReleaseDate,
    oldDates: i.oldDates,
    newDates: i.newDates,
    versionBefore: i.versionBefore,
    appliedVersion: i.appliedVersion,
    decidedAt: i.decidedAt?.toISOString() ?? null,
    dryRunReleaseDate: i.dryRunReleaseDate,
    differsFromDryRun: i.differsFromDryRun,
  };
}
