import { canonicalJson } from '@throughcare/platform-audit';
import { Injectable } from '@nestjs/common';
import { DataSource, LessThan, type EntityManager } from 'typeorm';
import type { AssessedPathway, Pathway } from '@throughcare/contracts';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
  type ErrorCategory,
} from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import {
  InvalidAnswerError,
  needsOf,
  PATHWAY_ORDER,
  pathwayAsked,
  pathwayOutcomes,
  questionSet,
  unfinishedPathways,
  validateAnswers,
  type AssessedPerson,
  type AssessmentKindId,
  type PathwayOutcome,
  type QuestionSet,
} from '@throughcare/domain';
import { AssessmentAnswers } from './assessment-answers.entity';
import {
  AnswersVersionCursor,
  type AnswersVersionPage,
  type AnswersView,
  type ListAnswerVersionsQuery,
  type QuestionSetView,
  type RecordAnswersBody,
} from './assessment-answers.schemas';
import { Assessment } from './assessment.entity';
import { AssessmentNotFoundError } from './assessment.errors';
import { inScope, type EstablishmentScope } from './establishment-scope';

export const ANSWERS_ETAG_PREFIX = 'answers';

/**
 * The person as the pathways ask about them: the women-specific pathways are asked of women and,
 * when the sex is not recorded (assessments requested before the journey gave it, or a reception
 * that gave none), of everyone, the outcome saying why.
 */
const personOf = (assessment: Assessment): AssessedPerson => ({ sex: assessment.personSex });

/** The answers' question set: the version they were saved against, else the kind's latest. */
function setFor(assessment: Assessment, saved: AssessmentAnswers | null): QuestionSet {
  return questionSet(assessment.kind as AssessmentKindId, saved?.questionSetVersion);
}

export function viewOfAnswers(assessment: Assessment, saved: AssessmentAnswers | null): AnswersView {
  const set = setFor(assessment, saved);
  const answers = saved?.answers ?? {};
  const skips = saved?.skips ?? [];
  const pathways = pathwayOutcomes(set, answers, skips, personOf(assessment));
  return {
    assessmentId: assessment.id,
    version: saved?.version ?? null,
    etag: saved ? entityTag(ANSWERS_ETAG_PREFIX, saved.version) : null,
    questionSet: { kind: set.kind, version: set.version },
    answers: { ...answers },
    skips: skips.map((s) => ({ ...s })),
    pathways,
    needs: needsOf(pathways),
    unfinished: unfinishedPathways(pathways),
    recordedAt: saved?.recordedAt.toISOString() ?? null,
    recordedBy: saved?.recordedBy ?? null,
  };
}

/**
 * Saved answers that no longer pass the checks a PUT makes (a version saved before a check
 * existed, e.g. a skip hiding a need the answers show): the same field errors as the PUT's 400,
 * but 422, since the request itself is sound and the saved version is what is refused.
 */
export class SavedAnswersInvalidError extends ValidationFailedError {
  override readonly category: ErrorCategory = 'RULE_VIOLATED';

  constructor(message: string, errors: ValidationFailedError['errors']) {
    super(message, errors, 'SAVED_ANSWERS_INVALID');
  }
}

/**
 * Checks answers and skips against the question set (validateAnswers); a misfit is the PUT's 400
 * naming the field, or, for a version already `saved`, 422 SAVED_ANSWERS_INVALID with the same
 * field errors.
 */
function checkAnswers(
  set: QuestionSet,
  person: AssessedPerson,
  answers: RecordAnswersBody['answers'],
  skips: RecordAnswersBody['skips'],
  saved?: AssessmentAnswers,
): void {
  try {
    validateAnswers(set, answers, skips, person);
  } catch (error) {
    if (!(error instanceof InvalidAnswerError)) throw error;
    const errors = [{ field: error.field, message: error.message }];
    if (saved)
      throw new SavedAnswersInvalidError(
        `answers version ${saved.version} do not fit ${set.kind} v${set.version}: ${error.message}; save corrected answers before completing`,
        errors,
      );
    throw new ValidationFailedError(
      `the answers do not fit ${set.kind} v${set.version}: ${error.message}`,
      errors,
    );
  }
}

/** Answers and skips as compared for idempotency: skips in pathway order, whatever order they came in. */
function comparable(answers: RecordAnswersBody['answers'], skips: RecordAnswersBody['skips']): string {
  const sorted = [...skips].sort((a, b) => (a.pathway < b.pathway ? -1 : a.pathway > b.pathway ? 1 : 0));
  return canonicalJson({ answers, skips: sorted });
}

/**
 * Re-checks a version already saved against its question set (completion does; so does an
 * agency's read): 422 SAVED_ANSWERS_INVALID when it no longer passes the checks a PUT makes.
 */
export function checkSavedAnswers(assessment: Assessment, saved: AssessmentAnswers): void {
  checkAnswers(setFor(assessment, saved), personOf(assessment), saved.answers, saved.skips, saved);
}

export async function latestAnswers(
  manager: EntityManager,
  assessmentId: string,
): Promise<AssessmentAnswers | null> {
  return manager.findOne(AssessmentAnswers, { where: { assessmentId }, order: { version: 'DESC' } });
}

/** What a completion from answers records and announces: the needs, and each pathway's status. */
export interface FromAnswers {
  needs: Pathway[];
  /** For the completion events' `pathways`, in Pathway order: status and skip reason only, never the reasons in words. */
  pathways: AssessedPathway[];
}

/** A pathway outcome as the bus carries it: no reasons, no skip note (free text stays in this service). */
export function assessedPathway(outcome: PathwayOutcome): AssessedPathway {
  return {
    pathway: outcome.pathway,
    status: outcome.status,
    ...(outcome.skipped ? { skipped: { reason: outcome.skipped.reason } } : {}),
  };
}

/**
 * The needs and pathway statuses a completion records when its answers say them: null when no
 * answers are saved (the needs are then given with the completion, as before answers existed, for
 * an assessment requested before the cut-over only). Refuses a completion while a pathway is neither
 * finished nor skipped, and a typed list that disagrees with the answers.
 */
export async function needsFromAnswers(
  manager: EntityManager,
  assessment: Assessment,
  typed: readonly Pathway[] | undefined,
): Promise<FromAnswers | null> {
  const saved = await latestAnswers(manager, assessment.id);
  if (!saved) return null;
  // Re-checked at completion: a version saved before a check existed (a skip hiding a need) must
  // not complete with that need hidden.
  checkSavedAnswers(assessment, saved);
  const view = viewOfAnswers(assessment, saved);
  if (view.unfinished.length > 0)
    throw new DomainError(
      'PATHWAYS_UNFINISHED',
      'RULE_VIOLATED',
      `the answers leave ${view.unfinished.join(', ')} unfinished: answer their questions or skip them with a reason`,
      { details: { unfinished: view.unfinished } },
    );
  if (typed !== undefined && [...typed].sort().join() !== [...view.needs].sort().join())
    throw new DomainError(
      'NEEDS_DISAGREE_WITH_ANSWERS',
      'RULE_VIOLATED',
      `the needs sent (${typed.join(', ') || 'none'}) are not what the answers say (${view.needs.join(', ') || 'none'}): leave needs out, they are derived from the answers`,
      { details: { fromAnswers: view.needs } },
    );
  // In the contracts' Pathway order, as the needs are (not the set's reading order).
  const pathways = [...view.pathways]
    .sort((a, b) => PATHWAY_ORDER.indexOf(a.pathway) - PATHWAY_ORDER.indexOf(b.pathway))
    .map(assessedPathway);
  return { needs: view.needs, pathways };
}

/** No such version of the answers of an assessment the caller can see. */
export class AnswersVersionNotFoundError extends NotFoundError {
  constructor(id: string, version: number) {
    super(`assessment ${id} has no answers version ${version}`, 'ANSWERS_VERSION_NOT_FOUND', {
      details: { id, version },
    });
  }
}

@Injectable()
export class AssessmentAnswersService {
  constructor(private readonly dataSource: DataSource) {}

  /** The questions of the assessment's kind (the version its answers were saved against). */
  async questions(scope: EstablishmentScope, id: string): Promise<QuestionSetView> {
    return this.dataSource.transaction(async (tx) => {
      const assessment = await this.inScope(tx, scope, id);
      const set = setFor(assessment, await latestAnswers(tx, id));
      const person = personOf(assessment);
      return {
        kind: set.kind,
        version: set.version,
        source: { ...set.source },
        personSex: assessment.personSex,
        pathways: set.pathways.map((p) => ({
          pathway: p.pathway,
          onlyFor: p.onlyFor ?? null,
          asked: pathwayAsked(p, person),
          questions: p.questions.map((q) => ({ ...q })),
        })),
      };
    });
  }

  async current(scope: EstablishmentScope, id: string): Promise<AnswersView> {
    return this.dataSource.transaction(async (tx) => {
      const assessment = await this.inScope(tx, scope, id);
      return viewOfAnswers(assessment, await latestAnswers(tx, id));
    });
  }

  /** Every saved version of the answers, newest first, one page at a time (who saved each, when, against which set). */
  async versions(
    scope: EstablishmentScope,
    id: string,
    query: ListAnswerVersionsQuery,
  ): Promise<AnswersVersionPage> {
    return this.dataSource.transaction(async (tx) => {
      const assessment = await this.inScope(tx, scope, id);
      const rows = await tx.find(AssessmentAnswers, {
        where: { assessmentId: id, ...(query.cursor ? { version: LessThan(query.cursor.version) } : {}) },
        order: { version: 'DESC' },
        take: query.limit + 1,
      });
      const page = AnswersVersionCursor.page(rows, query.limit, (last) => ({ version: last.version }));
      return {
        items: page.items.map((saved) => ({
          version: saved.version,
          recordedAt: saved.recordedAt.toISOString(),
          recordedBy: saved.recordedBy,
          questionSet: { kind: setFor(assessment, saved).kind, version: saved.questionSetVersion },
        })),
        nextCursor: page.nextCursor,
      };
    });
  }

  /** One saved version of the answers, with the statuses and needs derived from it (as the current read). */
  async version(scope: EstablishmentScope, id: string, version: number): Promise<AnswersView> {
    return this.dataSource.transaction(async (tx) => {
      const assessment = await this.inScope(tx, scope, id);
      const saved = await tx.findOneBy(AssessmentAnswers, { assessmentId: id, version });
      if (!saved) throw new AnswersVersionNotFoundError(id, version);
      return viewOfAnswers(assessment, saved);
    });
  }

  /**
   * Saves the whole set of answers and skips as the next version (If-Match, when sent, must name
   * the current one: 412 otherwise); the same answers and skips as the current version answer it
   * unchanged. Refused once the assessment is completed: its needs are fixed.
   */
  async save(
    scope: EstablishmentScope,
    id: string,
    body: RecordAnswersBody,
    actor: string,
    ifMatch: string | undefined,
    now: Date = new Date(),
  ): Promise<AnswersView> {
    return this.dataSource.transaction(async (tx) => {
      await this.inScope(tx, scope, id);
      // The row lock orders saves and the completion of one assessment.
      const assessment = await tx.findOneOrFail(Assessment, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (assessment.completedAt !== null)
        throw new ConflictError(
          `assessment ${id} was completed at ${assessment.completedAt.toISOString()}: its answers are fixed`,
          'ASSESSMENT_ALREADY_COMPLETED',
          { details: { id } },
        );
      const latest = await latestAnswers(tx, id);
      const set = setFor(assessment, latest);
      // Checked before the retry below: a version saved before a check existed is not answered
      // again as if it still passed.
      checkAnswers(set, personOf(assessment), body.answers, body.skips);
      // PUT is idempotent: the same answers and skips (in any order) as the current version (a
      // retry whose answer was lost, whatever If-Match it carried) answer that version, and record
      // nothing new.
      if (latest && comparable(latest.answers, latest.skips) === comparable(body.answers, body.skips))
        return viewOfAnswers(assessment, latest);
      requireIfMatch(
        ifMatch,
        latest ? entityTag(ANSWERS_ETAG_PREFIX, latest.version) : null,
        `the answers of ${id}`,
      );
      const saved = tx.create(AssessmentAnswers, {
        assessmentId: id,
        version: (latest?.version ?? 0) + 1,
        establishmentCode: assessment.establishmentCode,
        questionSetVersion: set.version,
        answers: body.answers,
        skips: body.skips,
        recordedAt: now,
        recordedBy: actor,
      });
      await tx.insert(AssessmentAnswers, saved);
      return viewOfAnswers(assessment, saved);
    });
  }

  private async inScope(tx: EntityManager, scope: EstablishmentScope, id: string): Promise<Assessment> {
    const assessment = await tx.findOneBy(Assessment, { id });
    if (!assessment || !inScope(scope, assessment.establishmentCode)) throw new AssessmentNotFoundError(id);
    return assessment;
  }
}
