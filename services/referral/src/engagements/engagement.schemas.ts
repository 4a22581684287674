import { z } from 'zod';
import {
  EngagementAnswer,
  EngagementBodyKind,
  EngagementMode,
  EstablishmentCode,
  IsoDate,
  IsoInstant,
} from '@throughcare/contracts';
import {
  AgencyTextSchema,
  PAGE_QUERY,
  PersonIdSchema,
  RoleOrTeamSchema,
} from '../referrals/referral.schemas';
import { ENGAGEMENT_STATUSES, type EngagementAction, type EngagementStatus } from './engagement.lifecycle';

/** The longest purpose or engagement summary (characters, after trimming): migration 1800's CHECK. */
export const ENGAGEMENT_TEXT_MAX = 2000;
/** How far ahead a request may ask for an answer (days). */
export const RESPOND_BY_MAX_DAYS = 366;

const LongText = z.string().max(ENGAGEMENT_TEXT_MAX).trim().min(1);
const Episode = z.number().int().min(1).max(1_000_000);

export const EngagementRequestIdSchema = z.uuid();
export const EngagementStatusSchema = z.enum(ENGAGEMENT_STATUSES);

export const CreateEngagementRequestBodySchema = z
  .object({
    personId: PersonIdSchema.describe('The person (pseudonymous THROUGHCARE_ID)'),
    episode: Episode.describe('The custody episode'),
    establishmentCode: EstablishmentCode.optional().describe(
      "The prison asking: one of the caller's; may be left out when the caller's token names exactly one",
    ),
    agencyId: z
      .string()
      .max(200)
      .trim()
      .min(1)
      .describe(
        "The directory agency acting for the named body (e.g. the council's justice social work team)",
      ),
    bodyKind: EngagementBodyKind.describe('Which of the Act s.12 named bodies the request is made to'),
    purpose: LongText.describe(
      `What the body is asked to engage in (1–${ENGAGEMENT_TEXT_MAX} characters); kept in this service, never on the bus`,
    ),
    requestedBy: RoleOrTeamSchema.describe('The role or team asking, never a named person'),
    respondBy: IsoDate.describe(
      `The day the body is asked to answer by (the Act: "within the timescale stated in the request"): today or later, at most ${RESPOND_BY_MAX_DAYS} days ahead (Europe/London)`,
    ),
    expectedReleaseDate: IsoDate.optional().describe(
      'The liberation date the release planning is for, when known',
    ),
  })
  .strict();
export type CreateEngagementRequestBody = z.output<typeof CreateEngagementRequestBodySchema>;

export const AnswerEngagementBodySchema = z
  .object({
    answer: EngagementAnswer.describe('WILL_ENGAGE, or CANNOT_ENGAGE with a reason'),
    answeredBy: RoleOrTeamSchema.describe('The role or team answering, never a named person'),
    answeredAt: IsoInstant.optional().describe(
      'When the body answered; defaults to now. Not before the request, nor in the future',
    ),
    reason: AgencyTextSchema.optional().describe(
      'Why the body cannot engage: required with CANNOT_ENGAGE, refused otherwise',
    ),
    contact: RoleOrTeamSchema.optional().describe('Who at the body the prison contacts (a role or team)'),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.answer === 'CANNOT_ENGAGE' && !body.reason)
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: 'is required when the answer is CANNOT_ENGAGE',
      });
    if (body.answer === 'WILL_ENGAGE' && body.reason)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is given only with CANNOT_ENGAGE' });
  });
export type AnswerEngagementBody = z.output<typeof AnswerEngagementBodySchema>;

export const RecordEngagementBodySchema = z
  .object({
    engagedAt: IsoInstant.describe(
      'When the body engaged (the meeting, the call …): not before the request, nor in the future',
    ),
    mode: EngagementMode,
    summary: LongText.describe(
      `What was agreed, for the prison (1–${ENGAGEMENT_TEXT_MAX} characters); kept in this service, never on the bus`,
    ),
  })
  .strict();
export type RecordEngagementBody = z.output<typeof RecordEngagementBodySchema>;

export const WithdrawEngagementBodySchema = z
  .object({
    reason: AgencyTextSchema.describe(
      'Why the request is withdrawn (released, transferred, no longer needed)',
    ),
  })
  .strict();
export type WithdrawEngagementBody = z.output<typeof WithdrawEngagementBodySchema>;

const Overdue = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional()
  .describe('true: only requests still unanswered after their respond-by day; false: only the others');

export const ListEngagementRequestsQuerySchema = z
  .object({ status: EngagementStatusSchema.optional(), overdue: Overdue, ...PAGE_QUERY })
  .strict();
export type ListEngagementRequestsQuery = z.output<typeof ListEngagementRequestsQuerySchema>;

export const ListPrisonEngagementRequestsQuerySchema = z
  .object({
    personId: PersonIdSchema.optional().describe("One person's requests (pseudonymous THROUGHCARE_ID)"),
    episode: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe("One custody episode's requests"),
    status: EngagementStatusSchema.optional(),
    overdue: Overdue,
    ...PAGE_QUERY,
  })
  .strict();
export type ListPrisonEngagementRequestsQuery = z.output<typeof ListPrisonEngagementRequestsQuerySchema>;

export interface EngagementRequestView {
  id: string;
  personId: string;
  episode: number;
  /** The prison responsible: the one that asked, or the one holding the person since a transfer. */
  establishmentCode: string;
  requestingEstablishmentCode: string;
  agencyId: string;
  bodyKind: EngagementBodyKind;
  purpose: string;
  expectedReleaseDate: string | null;
  requestedBy: string;
  requestedAt: string;
  respondBy: string;
  status: EngagementStatus;
  /** Still unanswered after the respond-by day (Europe/London). */
  overdue: boolean;
  answer: {
    answer: EngagementAnswer;
    answeredAt: string;
    answeredBy: string;
    /** When the answer reached this service. */
    recordedAt: string;
    reason: string | null;
    contact: string | null;
    /** The answer reached this service after the respond-by day (whatever answeredAt says). */
    late: boolean;
  } | null;
  engagement: { engagedAt: string; mode: EngagementMode; summary: string } | null;
  withdrawal: { withdrawnAt: string; reason: string } | null;
  /** What the caller may do next (the lifecycle, for the caller's side; none for the prison that asked once the person has moved). */
  allowedActions: EngagementAction[];
  updatedAt: string;
}
