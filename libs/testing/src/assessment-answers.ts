/**
 * Answers by pathway for specs and drivers (int, e2e, chaos, canary): an assessment is completed from
 * its answers (issue 10; typed needs are refused for assessments requested after the cut-over), so
 * a test that wants needs builds the answers that give them from the questions the service serves
 * (`GET /assessments/:id/questions`), then PUTs them and completes without needs.
 */

/** The part of `GET /assessments/:id/questions` these helpers read. */
export interface ServedQuestions {
  readonly pathways: ReadonlyArray<{
    readonly pathway: string;
    /** Asked of this person (the women-specific pathways are not asked of a man). */
    readonly asked: boolean;
    readonly questions: ReadonlyArray<{
      readonly id: string;
      readonly role: string;
      readonly required: boolean;
      readonly answer: {
        readonly kind: string;
        readonly options?: ReadonlyArray<{ readonly value: string }>;
      };
      readonly needWhen?: ReadonlyArray<string | boolean>;
    }>;
  }>;
}

/**
 * The result wanted on a pathway: a need with support wanted (SUPPORT_REQUIRED), a need whose support
 * is declined (SUPPORT_DECLINED), a need whose support is in place (DONE, a summary review only), or
 * no need (SUPPORT_NOT_REQUIRED, the default for a pathway not named).
 */
export type WantedStatus = 'SUPPORT_REQUIRED' | 'SUPPORT_DECLINED' | 'DONE' | 'SUPPORT_NOT_REQUIRED';

/**
 * Every required question of every asked pathway answered so that each pathway in `wanted` gets that
 * status (its first need question indicating the need) and every other pathway has no need. A text
 * question is left unanswered unless required.
 */
export function answersGiving(
  questions: ServedQuestions,
  wanted: Readonly<Record<string, WantedStatus>> = {},
): Record<string, string | boolean> {
  const answers: Record<string, string | boolean> = {};
  for (const p of questions.pathways.filter((x) => x.asked)) {
    const status = wanted[p.pathway] ?? 'SUPPORT_NOT_REQUIRED';
    const needed = status !== 'SUPPORT_NOT_REQUIRED';
    let needGiven = false;
    for (const q of p.questions) {
      const needing = q.role === 'NEED' && needed && !needGiven;
      if (q.answer.kind === 'TEXT') {
        if (q.required) answers[q.id] = 'answered for the spec';
        continue;
      }
      if (!q.required && !needing) continue;
      if (q.role === 'WANTS_SUPPORT') answers[q.id] = status !== 'SUPPORT_DECLINED';
      else if (q.role === 'SUPPORT_IN_PLACE') answers[q.id] = status === 'DONE';
      else answers[q.id] = answerOf(q, needing);
      if (needing) needGiven = true;
    }
    if (needed && !needGiven)
      throw new Error(`answersGiving: ${p.pathway} has no question indicating a need`);
  }
  return answers;
}

/** `answersGiving` with these pathways SUPPORT_REQUIRED and every other without a need. */
export function answersNeeding(
  questions: ServedQuestions,
  needs: readonly string[],
): Record<string, string | boolean> {
  return answersGiving(questions, Object.fromEntries(needs.map((n) => [n, 'SUPPORT_REQUIRED' as const])));
}

function answerOf(
  q: ServedQuestions['pathways'][number]['questions'][number],
  need: boolean,
): string | boolean {
  const candidates: Array<string | boolean> =
    q.answer.kind === 'CHOICE' ? (q.answer.options ?? []).map((o) => o.value) : [true, false];
  const indicates = (v: string | boolean) =>
    q.needWhen ? q.needWhen.includes(v) : q.role === 'NEED' && v === true;
  const found = candidates.find((v) => indicates(v) === need);
  if (found === undefined)
    throw new Error(`answersGiving: no answer to ${q.id} that ${need ? 'indicates' : 'avoids'} a need`);
  return found;
}

/** A caller of the assessment API with its base URL and token already applied. */
export type AssessmentCall = (method: 'GET' | 'PUT', path: string, body?: unknown) => Promise<Response>;

/**
 * Saves answers giving exactly `needs` to an assessment that has none saved yet, so that it can be
 * completed (from its answers). Does nothing when answers are already saved, or when the caller
 * cannot see the assessment (a 4xx on the read: the completion that follows answers for itself);
 * throws on anything else (a 5xx: a driver retries the step);
 * a save that loses to a concurrent completion (409 ASSESSMENT_ALREADY_COMPLETED) is fine too.
 */
export async function answerForNeeds(
  call: AssessmentCall,
  assessmentId: string,
  needs: readonly string[],
  wanted: Readonly<Record<string, WantedStatus>> = {},
): Promise<void> {
  const current = await call('GET', `/assessments/${assessmentId}/answers`);
  // A server error is worth retrying (thrown); a refusal is the completion's to answer.
  if (current.status >= 500) throw new Error(`GET answers of ${assessmentId}: ${current.status}`);
  if (current.status !== 200) return;
  if (((await current.json()) as { version: number | null }).version !== null) return;
  const questions = await call('GET', `/assessments/${assessmentId}/questions`);
  if (questions.status !== 200) throw new Error(`GET questions of ${assessmentId}: ${questions.status}`);
  const served = (await questions.json()) as ServedQuestions;
  const answers = answersGiving(served, {
    ...Object.fromEntries(needs.map((n) => [n, 'SUPPORT_REQUIRED' as const])),
    ...wanted,
  });
  const saved = await call('PUT', `/assessments/${assessmentId}/answers`, { answers });
  if (saved.status === 200) return;
  const problem = (await saved.json()) as { code?: string };
  if (saved.status === 409 && problem.code === 'ASSESSMENT_ALREADY_COMPLETED') return;
  throw new Error(`PUT answers of ${assessmentId}: ${saved.status} ${JSON.stringify(problem)}`);
}
