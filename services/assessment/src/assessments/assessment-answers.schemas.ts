import { z } from 'zod';
import { Pathway } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';
import {
  PATHWAY_SKIP_REASONS,
  type AnswerType,
  type AssessmentKindId,
  type PathwayOutcome,
  type QuestionRole,
} from '@throughcare/domain';

// Issue 10: an assessment's answers by pathway; needs and statuses are derived from them.

export const RecordAnswersBodySchema = z
  .object({
    answers: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]{1,59}$/, 'a question id such as ACC_NO_ADDRESS'),
        z.union([z.boolean(), z.string().max(1000)]),
      )
      .refine((a) => Object.keys(a).length <= 200, 'at most 200 answers')
      .describe(
        'Every answer so far, by question id (GET …/questions): true/false for a yes/no question, words for a note',
      ),
    skips: z
      .array(
        z
          .object({
            pathway: Pathway,
            reason: z.enum(PATHWAY_SKIP_REASONS),
            note: z.string().trim().min(1).max(500).optional(),
          })
          .strict(),
      )
      .max(9)
      .default([])
      .describe('Pathways not assessed here, and why (OTHER needs a note)'),
  })
  .strict();
export type RecordAnswersBody = z.output<typeof RecordAnswersBodySchema>;

export interface QuestionSetView {
  kind: AssessmentKindId;
  version: number;
  source: { citation: string; unverified: string };
  /** The person's sex as the prison recorded it (given when the assessment was requested); null: not recorded. */
  personSex: 'FEMALE' | 'MALE' | null;
  pathways: Array<{
    pathway: Pathway;
    onlyFor: 'FEMALE' | null;
    /** Whether this person is asked it: a pathway for women only of women, or when the sex is not recorded. */
    asked: boolean;
    questions: Array<{ id: string; text: string; answer: AnswerType; role: QuestionRole; required: boolean }>;
  }>;
}

export interface AnswersView {
  assessmentId: string;
  /** Null before anything is saved. */
  version: number | null;
  /** Send as If-Match to save the next version; null before anything is saved. */
  etag: string | null;
  questionSet: { kind: AssessmentKindId; version: number };
  answers: Record<string, string | boolean>;
  skips: Array<{ pathway: Pathway; reason: string; note?: string }>;
  /** Each pathway's status, derived from the answers, with the reasons. */
  pathways: PathwayOutcome[];
  /** The pathways needing support (what completion records as needs). */
  needs: Pathway[];
  /** Pathways neither finished nor skipped: the assessment cannot be completed from its answers yet. */
  unfinished: Pathway[];
  recordedAt: string | null;
  recordedBy: string | null;
}

/** The cursor of the answer versions, newest first: the last version of the page. */
export const AnswersVersionCursor = keysetCursor(z.object({ version: z.number().int().min(1) }));

export const ListAnswerVersionsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: AnswersVersionCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAnswerVersionsQuery = z.output<typeof ListAnswerVersionsQuerySchema>;

export const AnswersVersionParamsSchema = z
  .object({
    id: z.uuid(),
    version: z.coerce.number().int().min(1).max(2_147_483_647).describe('An answers version (1, 2, …)'),
  })
  .strict();
export type AnswersVersionParams = z.output<typeof AnswersVersionParamsSchema>;

/** One saved version of the answers, as listed: who saved it, when, against which question set. */
export const AnswersVersionSummarySchema = z.object({
  version: z.number().int().min(1),
  recordedAt: z.iso.datetime({ offset: true }),
  recordedBy: z.string().describe('A role or staff reference, never a name'),
  questionSet: z.object({
    kind: z.enum(['CORE_SCREEN', 'COMPREHENSIVE_SCREEN', 'STANDARD_REVIEW', 'SUMMARY_REVIEW']),
    version: z.number().int().min(1),
  }),
});
export type AnswersVersionSummary = z.output<typeof AnswersVersionSummarySchema>;

export const AnswersVersionPageSchema = z.object({
  items: z.array(AnswersVersionSummarySchema).describe('Newest first'),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last'),
});
export type AnswersVersionPage = z.output<typeof AnswersVersionPageSchema>;
