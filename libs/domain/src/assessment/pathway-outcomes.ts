import type { Pathway } from '@throughcare/contracts';
import { DomainError } from '../errors';
import type { PathwayQuestions, Question, QuestionSet } from './question-sets';

/**
 * The contracts' `Pathway` enum order (a spec checks it against `Pathway.options`; the domain imports
 * only types from contracts, so that no zod reaches the workflow bundle through it).
 */
export const PATHWAY_ORDER: readonly Pathway[] = [
  'ACCOMMODATION',
  'ATTITUDES_THINKING_AND_BEHAVIOUR',
  'CHILDREN_FAMILIES_AND_COMMUNITY',
  'DRUGS_AND_ALCOHOL',
  'EDUCATION_SKILLS_AND_WORK',
  'FINANCE_AND_ID',
  'HEALTH',
  'WOMEN_ABUSE_AND_VIOLENCE',
  'WOMEN_SEX_WORK',
];

export const PATHWAY_STATUSES = [
  'NOT_STARTED',
  'IN_PROGRESS',
  'SUPPORT_REQUIRED',
  'SUPPORT_NOT_REQUIRED',
  'SUPPORT_DECLINED',
  'DONE',
] as const;

export type PathwayStatus =
  | 'NOT_STARTED'
  | 'IN_PROGRESS'
  | 'SUPPORT_REQUIRED'
  | 'SUPPORT_NOT_REQUIRED'
  | 'SUPPORT_DECLINED'
  | 'DONE';

export const PATHWAY_SKIP_REASONS = [
  'COMPLETED_IN_ANOTHER_PRISON',
  'EARLY_RELEASE',
  'TRANSFER',
  'OTHER',
] as const;
export type PathwaySkipReason = (typeof PATHWAY_SKIP_REASONS)[number];

/** Answers by question id: a YES_NO question answers true or false, a TEXT question a string. */
export type Answers = Readonly<Record<string, string | boolean>>;

export interface PathwaySkip {
  readonly pathway: Pathway;
  readonly reason: PathwaySkipReason;
  readonly note?: string;
}

export interface PathwayOutcome {
  readonly pathway: Pathway;
  readonly status: PathwayStatus;
  /** Why, in words: the answers indicating a need, what is unanswered, the skip. */
  readonly reasons: readonly string[];
  readonly skipped: PathwaySkip | null;
}

export interface AssessedPerson {
  /** As the prison recorded it; null or undefined: not recorded. */
  readonly sex?: 'MALE' | 'FEMALE' | 'OTHER' | null;
}

/** An answer that does not fit the set: `field` names it (`answers.<questionId>`, `skips.<n>`). */
export class InvalidAnswerError extends DomainError {
  readonly code = 'DOMAIN_INVALID_ANSWER';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Whether the person is asked the pathway's questions. The women-specific pathways are asked of
 * women, and of someone whose sex is not recorded (better asked and answered "no" than missed:
 * the outcome says so); never of someone recorded as male or other.
 */
export function pathwayAsked(p: PathwayQuestions, person: AssessedPerson): boolean {
  return p.onlyFor !== 'FEMALE' || person.sex === 'FEMALE' || person.sex == null;
}

function questionIndex(set: QuestionSet): Map<string, { pathway: PathwayQuestions; question: Question }> {
  const index = new Map<string, { pathway: PathwayQuestions; question: Question }>();
  for (const pathway of set.pathways)
    for (const question of pathway.questions) index.set(question.id, { pathway, question });
  return index;
}

/** Refuses answers and skips that do not fit the set or the person (each error names its field). */
export function validateAnswers(
  set: QuestionSet,
  answers: Answers,
  skips: readonly PathwaySkip[],
  person: AssessedPerson,
): void {
  const index = questionIndex(set);
  for (const [id, value] of Object.entries(answers)) {
    const field = `answers.${id}`;
    const found = index.get(id);
    if (!found) throw new InvalidAnswerError(field, `no question ${id} in ${set.kind} v${set.version}`);
    if (!pathwayAsked(found.pathway, person))
      throw new InvalidAnswerError(field, `${found.pathway.pathway} is asked of women only`);
    const type = found.question.answer;
    if (type.kind === 'YES_NO' && typeof value !== 'boolean')
      throw new InvalidAnswerError(field, 'answer true (yes) or false (no)');
    if (type.kind === 'CHOICE' && !type.options.some((o) => o.value === value))
      throw new InvalidAnswerError(
        field,
        `answer one of ${type.options.map((o) => JSON.stringify(o.value)).join(', ')}`,
      );
    if (type.kind === 'TEXT') {
      if (typeof value !== 'string') throw new InvalidAnswerError(field, 'answer in words');
      if (value.length > type.maxLength)
        throw new InvalidAnswerError(field, `at most ${type.maxLength} characters`);
    }
  }
  const seen = new Set<Pathway>();
  skips.forEach((skip, i) => {
    const field = `skips.${i}`;
    const pathway = set.pathways.find((p) => p.pathway === skip.pathway);
    if (!pathway) throw new InvalidAnswerError(`${field}.pathway`, `${skip.pathway} is not in ${set.kind}`);
    if (!pathwayAsked(pathway, person))
      throw new InvalidAnswerError(`${field}.pathway`, `${skip.pathway} is asked of women only`);
    if (seen.has(skip.pathway))
      throw new InvalidAnswerError(`${field}.pathway`, `${skip.pathway} skipped twice`);
    seen.add(skip.pathway);
    if (skip.reason === 'OTHER' && !skip.note?.trim())
      throw new InvalidAnswerError(`${field}.note`, 'say why when the reason is OTHER');
    // A skip never hides a need the answers show (a skipped pathway is never referred): the
    // person's wish is recorded by the answers (support declined is a result), not by a skip.
    const need = pathway.questions.find((q) => indicatesNeed(q, answers[q.id]));
    if (need)
      throw new InvalidAnswerError(
        `${field}.pathway`,
        `the answers on ${skip.pathway} indicate a need ("${need.text}"): a pathway with a need is not skipped; answer whether support is wanted (declined is a result), or change the answer`,
      );
  });
}

/**
 * Whether this answer to `question` indicates a need: one of its `needWhen` answers when it has
 * them; otherwise a yes to a `NEED` question. A text answer never does; nor does no answer.
 */
export function indicatesNeed(question: Question, value: string | boolean | undefined): boolean {
  if (value === undefined || question.answer.kind === 'TEXT') return false;
  if (question.needWhen) return question.needWhen.includes(value);
  return question.role === 'NEED' && value === true;
}

function needReason(question: Question, value: string | boolean | undefined): string {
  if (question.answer.kind !== 'CHOICE') return `need: ${question.text}`;
  const label = question.answer.options.find((o) => o.value === value)?.label ?? String(value);
  return `need: ${question.text} (${label})`;
}

/**
 * Each asked pathway's status, from the answers (rules in README.md):
 * - no question of the pathway answered: NOT_STARTED;
 * - some required question unanswered: IN_PROGRESS;
 * - all answered: a need indicated (a NEED question answered yes) and support wanted: SUPPORT_REQUIRED,
 *   not wanted: SUPPORT_DECLINED; no need: SUPPORT_NOT_REQUIRED (a need is `indicatesNeed`);
 * - the summary review asks whether the support is in place instead of whether it is wanted: a
 *   need with support in place is DONE.
 * A skipped pathway keeps the status its answers give and carries the skip; it is never a need
 * (`validateAnswers` refuses a skip of a pathway whose answers show one).
 */
export function pathwayOutcomes(
  set: QuestionSet,
  answers: Answers,
  skips: readonly PathwaySkip[],
  person: AssessedPerson,
): PathwayOutcome[] {
  return set.pathways
    .filter((p) => pathwayAsked(p, person))
    .map((p) => {
      const skipped = skips.find((s) => s.pathway === p.pathway) ?? null;
      const reasons: string[] = [];
      if (p.onlyFor === 'FEMALE' && person.sex == null)
        reasons.push('asked because the person’s sex is not recorded (a pathway for women)');
      if (skipped) reasons.push(`skipped: ${skipped.reason}${skipped.note ? ` (${skipped.note})` : ''}`);
      const answered = p.questions.filter((q) => answers[q.id] !== undefined);
      const missing = p.questions.filter((q) => q.required && answers[q.id] === undefined);
      const needs = p.questions.filter((q) => indicatesNeed(q, answers[q.id]));
      for (const q of needs) reasons.push(needReason(q, answers[q.id]));
      let status: PathwayStatus;
      if (answered.length === 0) status = 'NOT_STARTED';
      else if (missing.length > 0) {
        status = 'IN_PROGRESS';
        reasons.push(`unanswered: ${missing.map((q) => q.id).join(', ')}`);
      } else if (needs.length === 0) status = 'SUPPORT_NOT_REQUIRED';
      else {
        const inPlace = p.questions.find((q) => q.role === 'SUPPORT_IN_PLACE');
        const wants = p.questions.find((q) => q.role === 'WANTS_SUPPORT');
        if (inPlace) status = answers[inPlace.id] === true ? 'DONE' : 'SUPPORT_REQUIRED';
        else status = wants && answers[wants.id] === false ? 'SUPPORT_DECLINED' : 'SUPPORT_REQUIRED';
      }
      return { pathway: p.pathway, status, reasons, skipped };
    });
}

/**
 * The pathways needing support: SUPPORT_REQUIRED and not skipped, in `Pathway` order (the contracts'
 * enum, not the set's reading order), each once.
 */
export function needsOf(outcomes: readonly PathwayOutcome[]): Pathway[] {
  const needed = new Set(
    outcomes.filter((o) => o.status === 'SUPPORT_REQUIRED' && o.skipped === null).map((o) => o.pathway),
  );
  return PATHWAY_ORDER.filter((p) => needed.has(p));
}

/** Whether every asked pathway has a result or a skip (the assessment can be completed from its answers). */
export function unfinishedPathways(outcomes: readonly PathwayOutcome[]): Pathway[] {
  return outcomes
    .filter((o) => o.skipped === null && (o.status === 'NOT_STARTED' || o.status === 'IN_PROGRESS'))
    .map((o) => o.pathway);
}
