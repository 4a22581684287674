import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type EntityManager } from 'typeorm';
import { parseOrThrow, ValidationFailedError } from '@throughcare/platform-errors';
import { acrossScopes, enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import type { AssessedPathway, Pathway, PersonSex } from '@throughcare/contracts';
import { needsFromAnswers } from './assessment-answers.service';
import { Assessment, type AssessmentKind } from './assessment.entity';
import {
  AnswersRequiredError,
  AssessmentAlreadyCompletedError,
  AssessmentNotFoundError,
  CompletionBeforeRequestError,
  CompletionDoesNotFitKindError,
  CompletionInFutureError,
  ConsentAlreadyWithdrawnError,
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  InvalidCursorError,
  WithdrawalInFutureError,
} from './assessment.errors';
import {
  assessmentCompleted,
  assessmentRequested,
  consentWithdrawn,
  coreScreenCompleted,
  coreScreenRequested,
} from './assessment.events';
import {
  RequestAssessmentInputSchema,
  RequestCoreScreenInputSchema,
  type AssessmentPage,
  type AssessmentView,
  type CompleteAssessmentBody,
  type ConsentView,
  type ConsentWithdrawalBody,
  type ListAssessmentsQuery,
} from './assessment.schemas';
import {
  completionProblems,
  normaliseNeeds,
  repeatsCompletion,
  toView,
  type CompletionFacts,
} from './assessment.state';
import type { ConsentState } from './consent-given.schemas';
import { episodeConsent, lockConsentFacts } from './consent-given.service';
import { ConsentWithdrawal } from './consent-withdrawal.entity';
import { inScope, type Caller, type EstablishmentScope } from './establishment-scope';

interface Cursor {
  requestedAt: Date;
  id: string;
}

/** What an HTTP caller sent alongside the body. */
export interface RequestContext {
  correlationId?: string;
  /** The client's Idempotency-Key: a retry with it answers the first result. */
  idempotencyKey?: string;
}

interface OpenInput {
  idempotencyKey: string;
  personId: string;
  episode: number;
  establishmentCode: string;
  dueBy: string;
  sex?: PersonSex;
  correlationId: string;
}

interface CompletionRequest {
  needs: Pathway[];
  riskOfSeriousHarm: CompleteAssessmentBody['riskOfSeriousHarm'];
  completedBy: CompleteAssessmentBody['completedBy'];
  completedAt: Date | undefined;
  /** Each pathway's status, when completed from answers (the completion event's `pathways`). */
  pathways: AssessedPathway[] | undefined;
}

/** Clock skew tolerated between the assessor's device and this service before a completion counts as "in the future". */
const FUTURE_TOLERANCE_MS = 60_000;

@Injectable()
export class AssessmentsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Assessment) private readonly assessments: Repository<Assessment>,
    @InjectRepository(ConsentWithdrawal) private readonly consents: Repository<ConsentWithdrawal>,
  ) {}

  /**
   * Opens the core screen of a custody episode and emits `assessment.core-screen.requested`,
   * together, once per idempotency key. A second key for the same person and episode gets the
   * existing assessment back (one shared assessment per episode) and emits nothing.
   */
  async requestCoreScreen(raw: unknown): Promise<{ assessmentId: string }> {
    const input = parseOrThrow(RequestCoreScreenInputSchema, raw, 'requestCoreScreen input');
    return this.open(`request-core-screen:${input.idempotencyKey}`, input, 'CORE_SCREEN', (assessment) =>
      coreScreenRequested(assessment),
    );
  }

  /**
   * Opens a comprehensive screen, standard review or summary review and emits
   * `assessment.assessment.requested`, together, once per idempotency key. Like the core screen,
   * a comprehensive screen and a summary review are one per episode (another key gets the
   * existing one back); standard reviews recur, one per key.
   */
  async requestAssessment(raw: unknown): Promise<{ assessmentId: string }> {
    const input = parseOrThrow(RequestAssessmentInputSchema, raw, 'requestAssessment input');
    const { kind } = input;
    return this.open(`request-assessment:${input.idempotencyKey}`, input, kind, (assessment) =>
      assessmentRequested({ ...assessment, kind }),
    );
  }

  private async open(
    key: string,
    input: OpenInput,
    kind: AssessmentKind,
    requested: (assessment: Assessment) => unknown,
  ): Promise<{ assessmentId: string }> {
    return withIdempotency(this.dataSource.manager, key, async (tx) => {
      const assessment = tx.create(Assessment, {
        id: randomUUID(),
        personId: input.personId,
        episode: input.episode,
        establishmentCode: input.establishmentCode,
        kind,
        dueBy: new Date(input.dueBy),
        requestedAt: new Date(),
        correlationId: input.correlationId,
        // Set once, when opened: answers are saved against the pathways it asks.
        personSex: input.sex ?? null,
        // Requested after the cut-over (migration 1000): completed from its answers only.
        typedNeedsAllowed: false,
      });
      const inserted = await tx
        .createQueryBuilder()
        .insert()
        .into(Assessment)
        .values(assessment)
        .orIgnore()
        .returning('id')
        .execute();
      if ((inserted.raw as unknown[]).length === 0) {
        // Only the one-per-episode index can refuse the row (standard reviews are not under it).
        const existing = await tx.findOneByOrFail(Assessment, {
          personId: input.personId,
          episode: input.episode,
          kind,
        });
        return { assessmentId: existing.id };
      }
      await enqueueEvent(tx, requested(assessment));
      return { assessmentId: assessment.id };
    });
  }

  /**
   * Keyset pagination on (requested_at, id): oldest first, stable while new requests arrive.
   * Only assessments at the caller's establishments: an `establishment` filter outside them
   * simply finds nothing.
   */
  async list(
    scope: EstablishmentScope,
    query: ListAssessmentsQuery,
    now = new Date(),
  ): Promise<AssessmentPage> {
    const qb = this.assessments
      .createQueryBuilder('a')
      .where('a.establishment_code = ANY(:establishments)', { establishments: [...scope.establishments] })
      .orderBy('a.requestedAt', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(query.limit + 1);
    if (query.personId) qb.andWhere('a.person_id = :personId', { personId: query.personId });
    if (query.establishment)
      qb.andWhere('a.establishment_code = :establishment', { establishment: query.establishment });
    if (query.kind) qb.andWhere('a.kind = :kind', { kind: query.kind });
    if (query.status === 'COMPLETED') qb.andWhere('a.completed_at IS NOT NULL');
    if (query.status === 'OVERDUE') qb.andWhere('a.completed_at IS NULL AND a.due_by < :now', { now });
    if (query.status === 'REQUESTED') qb.andWhere('a.completed_at IS NULL AND a.due_by >= :now', { now });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(a.requested_at, a.id) > (:afterRequestedAt, :afterId)', {
        afterRequestedAt: after.requestedAt,
        afterId: after.id,
      });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const withdrawals = await this.withdrawalsOf(page);
    const states = await consentStatesOf(this.dataSource.manager, page);
    return {
      items: page.map((a) =>
        toView(a, now, withdrawals.get(episodeKey(a)), states.get(episodeKey(a)) ?? 'NONE'),
      ),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  /** One assessment at the caller's establishments; any other is answered as missing. */
  async get(scope: EstablishmentScope, id: string, now = new Date()): Promise<AssessmentView> {
    const assessment = await this.assessments.findOneBy({ id });
    if (!assessment || !inScope(scope, assessment.establishmentCode)) throw new AssessmentNotFoundError(id);
    const withdrawal = await this.consents.findOne({
      where: { personId: assessment.personId, episode: assessment.episode },
      order: { withdrawnAt: 'DESC', recordedAt: 'DESC' },
    });
    const states = await consentStatesOf(this.dataSource.manager, [assessment]);
    return toView(assessment, now, withdrawal ?? undefined, states.get(episodeKey(assessment)) ?? 'NONE');
  }

  /**
   * Records the completion facts and emits `assessment.core-screen.completed` (a core screen)
   * or `assessment.assessment.completed` (the later kinds), together and once. Repeating the
   * same completion answers as the first did; a different one is refused. An assessment outside
   * the caller's establishments is answered as missing, before its Idempotency-Key is looked at.
   */
  async complete(
    caller: Caller,
    id: string,
    body: CompleteAssessmentBody,
    context: RequestContext = {},
  ): Promise<AssessmentView> {
    const now = new Date();
    let request: CompletionRequest | undefined;
    const recorded = await this.dataSource.transaction(async (tx) => {
      // An assessment never changes establishment, so this check holds for the whole transaction.
      const found = await tx.findOne(Assessment, {
        where: { id },
        select: { id: true, establishmentCode: true },
      });
      if (!found || !inScope(caller, found.establishmentCode)) throw new AssessmentNotFoundError(id);
      // Needs come from the answers saved by pathway (issue 10); typed in only where none are saved,
      // and only for an assessment requested before the cut-over (migration 1000).
      const assessment = await tx.findOneOrFail(Assessment, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      const derived = assessment.completedAt ? null : await needsFromAnswers(tx, assessment, body.needs);
      if (!derived && !assessment.completedAt && !assessment.typedNeedsAllowed)
        throw new AnswersRequiredError(id, body.needs !== undefined);
      const needs =
        derived?.needs ?? body.needs ?? (assessment.completedAt ? (assessment.needs ?? []) : undefined);
      if (needs === undefined)
        throw new ValidationFailedError('needs are required when no answers are saved', [
          {
            field: 'needs',
            message:
              'required: send the needs, or save the answers by pathway first (PUT /assessments/:id/answers)',
          },
        ]);
      const fixed: CompletionRequest = {
        needs: normaliseNeeds(needs),
        riskOfSeriousHarm: body.riskOfSeriousHarm,
        completedBy: body.completedBy,
        completedAt: body.completedAt === undefined ? undefined : new Date(body.completedAt),
        pathways: derived?.pathways,
      };
      request = fixed;
      const record = (manager: EntityManager) =>
        this.recordCompletion(manager, id, body, fixed, now, context.correlationId);
      if (context.idempotencyKey === undefined) return record(tx);
      const sent = { assessmentId: id, ...completionFingerprint(fixed) };
      const key = `http:completion:${caller.clientId}:${context.idempotencyKey}`;
      const first = await withIdempotency(tx, key, async (m) => ({
        ...sent,
        facts: await record(m),
      }));
      const differences = (Object.keys(sent) as Array<keyof typeof sent>).filter(
        (field) => JSON.stringify(first[field]) !== JSON.stringify(sent[field]),
      );
      if (differences.length > 0) throw new IdempotencyKeyReusedError('completion', differences);
      return first.facts;
    });
    if (!request || !repeatsCompletion(recorded, request)) throw new AssessmentAlreadyCompletedError(id);
    return this.get(caller, id, now);
  }

  private async recordCompletion(
    tx: EntityManager,
    id: string,
    body: CompleteAssessmentBody,
    request: CompletionRequest,
    now: Date,
    correlationId: string | undefined,
  ): Promise<CompletionFacts> {
    const assessment = await tx.findOne(Assessment, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!assessment) throw new AssessmentNotFoundError(id);
    const problems = completionProblems(assessment.kind, body);
    if (problems.length > 0) throw new CompletionDoesNotFitKindError(assessment.kind, problems);
    if (assessment.completedAt) return completionFactsOf(assessment);
    const completedAt = request.completedAt ?? now;
    if (completedAt < assessment.requestedAt)
      throw new CompletionBeforeRequestError(completedAt, assessment.requestedAt);
    if (completedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
      throw new CompletionInFutureError(completedAt, now);
    const completion = {
      completedAt,
      completedBy: request.completedBy ?? null,
      completionRecordedAt: now,
      needs: request.needs,
      riskOfSeriousHarm: request.riskOfSeriousHarm ?? null,
    };
    await tx.update(Assessment, { id }, completion);
    const completed = Object.assign(assessment, completion);
    const correlation = correlationId ?? assessment.correlationId;
    const { kind, riskOfSeriousHarm } = completed;
    const { pathways } = request;
    if (kind === 'CORE_SCREEN') {
      // completionProblems made sure a core screen has its risk of serious harm.
      if (!riskOfSeriousHarm) throw new Error(`core screen ${id} completed without a risk of serious harm`);
      await enqueueEvent(tx, coreScreenCompleted({ ...completed, riskOfSeriousHarm }, correlation, pathways));
    } else {
      await enqueueEvent(tx, assessmentCompleted({ ...completed, kind }, correlation, pathways));
    }
    return completionFactsOf(completed);
  }

  /**
   * Records that the person withdrew consent to voluntary throughcare for the episode and emits
   * `assessment.consent.withdrawn`, together and once. Unless consent is already withdrawn, the
   * withdrawal is always recorded, whatever its instant (review stop 41, S1); with consent already
   * withdrawn, the same instant again is the fact already recorded and another is refused. Answers
   * the derived state. Only an episode this service holds an assessment for, at one of the
   * caller's establishments, can be withdrawn from (see `episodeInScope`).
   */
  async withdrawConsent(
    caller: Caller,
    personId: string,
    episode: number,
    body: ConsentWithdrawalBody,
    context: RequestContext = {},
  ): Promise<ConsentView> {
    const now = new Date();
    const withdrawnAt = new Date(body.withdrawnAt);
    return this.dataSource.transaction(async (tx) => {
      // Before the Idempotency-Key: an episode outside the caller's establishments is unknown to it.
      if (!(await episodeInScope(tx, caller, personId, episode)))
        throw new EpisodeNotFoundError(personId, episode);
      const record = (manager: EntityManager) =>
        this.recordWithdrawal(manager, personId, episode, withdrawnAt, now, context.correlationId);
      if (context.idempotencyKey === undefined) await record(tx);
      else {
        const sent = { personId, episode, withdrawnAt: withdrawnAt.toISOString() };
        const first = await withIdempotency(
          tx,
          `http:consent-withdrawal:${caller.clientId}:${context.idempotencyKey}`,
          async (m) => {
            await record(m);
            return sent;
          },
        );
        const differences = (Object.keys(sent) as Array<keyof typeof sent>).filter(
          (field) => first[field] !== sent[field],
        );
        if (differences.length > 0) throw new IdempotencyKeyReusedError('consent withdrawal', differences);
      }
      // The answer is the derived state, never the stored row (S1).
      return derivedConsentView(tx, personId, episode);
    });
  }

  private async recordWithdrawal(
    tx: EntityManager,
    personId: string,
    episode: number,
    withdrawnAt: Date,
    now: Date,
    correlationId: string | undefined,
  ): Promise<void> {
    // The journey's correlation id is the one its first assessment of the episode carries.
    const first = await tx.findOne(Assessment, {
      where: { personId, episode },
      order: { requestedAt: 'ASC', id: 'ASC' },
    });
    if (!first) throw new EpisodeNotFoundError(personId, episode);
    if (withdrawnAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
      throw new WithdrawalInFutureError(withdrawnAt, now);
    // Serialises the person's consent facts (as ConsentGivenService does): each decision below
    // sees every withdrawal and consent recorded before it.
    const recordedAt = await lockConsentFacts(tx, personId);
    // While consent stands (GIVEN) a withdrawal is always recorded, whatever its instant: it ends
    // every consent recorded before it (S1, fail closed on recording order; a withdrawal stays as
    // easy as giving consent, Art 7(3)). Otherwise the same withdrawal again is the fact already
    // recorded, and another instant is refused (consent is already withdrawn).
    const consent = await episodeConsent(tx, personId, episode, now);
    if (consent.state === 'WITHDRAWN') {
      const existing = await tx.find(ConsentWithdrawal, {
        where: { personId, episode },
        order: { recordedAt: 'DESC', withdrawnAt: 'DESC' },
      });
      if (existing.some((w) => w.withdrawnAt.getTime() === withdrawnAt.getTime())) return;
      throw new ConsentAlreadyWithdrawnError(personId, episode, existing[0]!.withdrawnAt);
    }
    const withdrawal = tx.create(ConsentWithdrawal, {
      personId,
      episode,
      withdrawnAt,
      recordedAt,
      correlationId: correlationId ?? first.correlationId,
    });
    await tx.insert(ConsentWithdrawal, withdrawal);
    await enqueueEvent(tx, consentWithdrawn(withdrawal));
  }

  /**
   * The consent of an episode this service holds an assessment for, at one of the caller's
   * establishments (see `episodeInScope`), derived from its facts; any other episode is answered
   * as unknown.
   */
  async consent(scope: EstablishmentScope, personId: string, episode: number): Promise<ConsentView> {
    return this.dataSource.transaction(async (tx) => {
      if (!(await episodeInScope(tx, scope, personId, episode)))
        throw new EpisodeNotFoundError(personId, episode);
      return derivedConsentView(tx, personId, episode);
    });
  }

  private async withdrawalsOf(assessments: Assessment[]): Promise<Map<string, ConsentWithdrawal>> {
    const episodes = [
      ...new Map(
        assessments.map((a) => [episodeKey(a), { personId: a.personId, episode: a.episode }]),
      ).values(),
    ];
    if (episodes.length === 0) return new Map();
    // Oldest first, so each episode's latest withdrawal is the one the map keeps.
    const withdrawals = await this.consents.find({
      where: episodes,
      order: { withdrawnAt: 'ASC', recordedAt: 'ASC' },
    });
    return new Map(withdrawals.map((w) => [episodeKey(w), w]));
  }
}

const episodeKey = ({ personId, episode }: { personId: string; episode: number }) => `${personId}#${episode}`;

/**
 * Each episode's consent state, derived in one query by the database's rule (`episode_consent_state`,
 * migration 1100; the same as `consentState`, a parity spec checks it). The caller already sees
 * these episodes' assessments.
 */
async function consentStatesOf(
  manager: EntityManager,
  assessments: Assessment[],
): Promise<Map<string, ConsentState>> {
  if (assessments.length === 0) return new Map();
  const rows = (await manager.query(
    `SELECT e.person_id, e.episode, "assessment"."episode_consent_state"(e.person_id, e.episode) AS state
       FROM unnest($1::text[], $2::int[]) AS e(person_id, episode)`,
    [assessments.map((a) => a.personId), assessments.map((a) => a.episode)],
  )) as Array<{ person_id: string; episode: number; state: ConsentState }>;
  return new Map(rows.map((r) => [episodeKey({ personId: r.person_id, episode: r.episode }), r.state]));
}

/**
 * Consent is kept per person and episode, with no establishment of its own: an episode is the
 * caller's when any of its assessments is at one of the caller's establishments. That is
 * exactly when the caller already sees the episode's consent status on an assessment view
 * (`GET /assessments/:id` shows it), and it follows a person transferred mid-episode to the
 * establishment their later assessments were requested at.
 */
function episodeInScope(
  manager: EntityManager,
  scope: EstablishmentScope,
  personId: string,
  episode: number,
): Promise<boolean> {
  return manager
    .createQueryBuilder(Assessment, 'a')
    .where('a.person_id = :personId AND a.episode = :episode', { personId, episode })
    .andWhere('a.establishment_code = ANY(:establishments)', { establishments: [...scope.establishments] })
    .getExists();
}

/**
 * The episode's consent as the agency read sees it (`episodeConsent`), read unrestricted (the
 * caller's scope was checked: a fact its scope hides still counts), with the latest withdrawal
 * (by instant, as `episodeConsent`).
 */
async function derivedConsentView(
  tx: EntityManager,
  personId: string,
  episode: number,
): Promise<ConsentView> {
  return acrossScopes(tx, async () => {
    const consent = await episodeConsent(tx, personId, episode);
    const latest = await tx.findOne(ConsentWithdrawal, {
      where: { personId, episode },
      order: { withdrawnAt: 'DESC', recordedAt: 'DESC' },
    });
    return {
      personId,
      episode,
      state: consent.state,
      status: consent.state === 'WITHDRAWN' ? 'WITHDRAWN' : 'NOT_WITHDRAWN',
      withdrawnAt: latest?.withdrawnAt.toISOString() ?? null,
      recordedAt: latest?.recordedAt.toISOString() ?? null,
    };
  });
}

/** What an Idempotency-Key remembers of a completion request, to tell a faithful retry from a reused key. */
function completionFingerprint(request: CompletionRequest) {
  return {
    needs: request.needs,
    riskOfSeriousHarm: request.riskOfSeriousHarm ?? null,
    completedBy: request.completedBy ?? null,
    completedAt: request.completedAt?.toISOString() ?? null,
  };
}

function completionFactsOf(assessment: Assessment): CompletionFacts {
  const { needs, riskOfSeriousHarm, completedBy, completedAt } = assessment;
  // The table keeps needs and completedAt null or set together.
  if (!needs || !completedAt) throw new Error(`assessment ${assessment.id} is not completed`);
  return { needs, riskOfSeriousHarm, completedBy, completedAt: completedAt.toISOString() };
}

function encodeCursor(assessment: Assessment): string {
  return Buffer.from(JSON.stringify([assessment.requestedAt.toISOString(), assessment.id])).toString(
    'base64url',
  );
}

function decodeCursor(raw: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      const requestedAt = new Date(value[0]);
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      if (!Number.isNaN(requestedAt.getTime()) && uuid.test(value[1])) return { requestedAt, id: value[1] };
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new InvalidCursorError();
}
