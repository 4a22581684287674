import { z } from 'zod';
import {
  AssessmentKind,
  EstablishmentCode,
  IsoInstant,
  Pathway,
  PersonSex,
  RiskOfSeriousHarm,
} from '@throughcare/contracts';
import { PERSON_ID_PATTERN } from '@throughcare/platform-config';
import { ConsentStateSchema } from './consent-given.schemas';

// HTTP DTOs and the activity input. They belong in libs/contracts once other contexts consume
// them. Schemas are suffixed `Schema` on purpose: a controller parameter typed with a name that
// is also a value makes decorator metadata point at the zod object, and Swagger then crashes.

export const AssessmentStatusSchema = z.enum(['REQUESTED', 'OVERDUE', 'COMPLETED']);
export type AssessmentStatus = z.infer<typeof AssessmentStatusSchema>;

/** Every kind this service holds: the core screen, then the later stages of the contracts' `AssessmentKind`. */
export const AnyAssessmentKindSchema = z.enum(['CORE_SCREEN', ...AssessmentKind.options]);

/** Derived: WITHDRAWN once a withdrawal is recorded for the person's episode. */
export const ConsentStatusSchema = z.enum(['NOT_WITHDRAWN', 'WITHDRAWN']);

export const PersonIdSchema = z
  .string()
  // A pattern, not a refinement: the OpenAPI document then states it.
  .regex(PERSON_ID_PATTERN, 'must be a THROUGHCARE_ID such as "p0123456789abcdef0123"')
  .describe('Pseudonymous THROUGHCARE_ID');

/** A role or staff reference: one token, no spaces, so a name or an email address does not fit. */
export const ActorReferenceSchema = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,99}$/,
    'must be a role or staff reference such as "role:RECEPTION_OFFICER" (no spaces or @)',
  )
  .describe('A role or staff reference (e.g. "role:RECEPTION_OFFICER", "staff:SPS-10442"), never a name');

export const CorrelationIdSchema = z.string().max(200).trim().min(1);

export const RequestCoreScreenInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(300),
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  establishmentCode: EstablishmentCode,
  dueBy: IsoInstant,
  /** As the prison recorded it at reception; absent: not recorded (the women's pathways are then asked). */
  sex: PersonSex.optional(),
  correlationId: CorrelationIdSchema,
});

/** The later stages: a comprehensive screen, a standard review or the summary review. */
export const RequestAssessmentInputSchema = RequestCoreScreenInputSchema.extend({ kind: AssessmentKind });

export const ListAssessmentsQuerySchema = z
  .object({
    personId: PersonIdSchema.optional(),
    status: AssessmentStatusSchema.optional().describe(
      'Derived: COMPLETED, else OVERDUE once dueBy has passed, else REQUESTED',
    ),
    establishment: EstablishmentCode.optional().describe('Establishment code, e.g. "BAR"'),
    kind: AnyAssessmentKindSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAssessmentsQuery = z.output<typeof ListAssessmentsQuerySchema>;

export const AssessmentParamsSchema = z.object({ id: z.uuid() });
export type AssessmentParams = z.output<typeof AssessmentParamsSchema>;

/**
 * One body for every kind. Which optional fields a kind needs is checked against the assessment
 * (see `completionProblems`): a core screen needs riskOfSeriousHarm and completedBy; the later
 * kinds need completedAt and record no risk of serious harm.
 */
export const CompleteAssessmentBodySchema = z
  .object({
    needs: z
      .array(Pathway)
      .refine((needs) => new Set(needs).size === needs.length, 'each pathway may appear once')
      .optional()
      .describe(
        'Leave out when the answers are saved by pathway (PUT /assessments/{id}/answers): the needs are derived from them, and a list that disagrees is refused (422). Accepted without saved answers only for an assessment requested before the typed-needs cut-over (migration 1000; the older way: pathways where support is needed, empty when none); any other is 422 ANSWERS_REQUIRED',
      ),
    riskOfSeriousHarm: RiskOfSeriousHarm.optional().describe(
      'Core screen only, and required there; refused for the later kinds',
    ),
    completedBy: ActorReferenceSchema.optional().describe(
      'Who completed it (a role or staff reference); required for a core screen',
    ),
    completedAt: IsoInstant.optional().describe(
      'When the assessment was done; not before the request. Required for a comprehensive screen or a review; defaults to now for a core screen',
    ),
  })
  .strict();
export type CompleteAssessmentBody = z.output<typeof CompleteAssessmentBodySchema>;

export const CorrelationHeadersSchema = z.object({
  'x-correlation-id': CorrelationIdSchema.optional(),
  'idempotency-key': z.string().max(200).trim().min(1).optional(),
});

export const EpisodePathSchema = z.object({
  personId: PersonIdSchema,
  episode: z.coerce.number().int().min(1).max(100_000),
});
export type EpisodePath = z.output<typeof EpisodePathSchema>;

export const ConsentWithdrawalBodySchema = z
  .object({
    withdrawnAt: IsoInstant.describe('When the person withdrew consent; not in the future'),
  })
  .strict();
export type ConsentWithdrawalBody = z.output<typeof ConsentWithdrawalBodySchema>;

export const ConsentViewSchema = z.object({
  personId: z.string(),
  episode: z.number().int(),
  state: ConsentStateSchema.describe(
    "The episode's consent derived from its facts (what the agency read relies on): a withdrawal ends every consent recorded before it",
  ),
  status: ConsentStatusSchema.describe('Deprecated: WITHDRAWN exactly when state is WITHDRAWN'),
  withdrawnAt: IsoInstant.nullable().describe('The latest withdrawal, if any'),
  recordedAt: IsoInstant.nullable().describe('When this service recorded the latest withdrawal'),
});
export type ConsentView = z.infer<typeof ConsentViewSchema>;

export const CompletionViewSchema = z.object({
  needs: z.array(Pathway),
  riskOfSeriousHarm: RiskOfSeriousHarm.nullable().describe('Set for a core screen; null for the later kinds'),
  completedAt: IsoInstant,
  completedBy: z.string().nullable().describe('Set for a core screen; null when a later kind did not say'),
  recordedAt: IsoInstant.describe('When this service recorded the completion'),
});
export type CompletionView = z.infer<typeof CompletionViewSchema>;

export const AssessmentViewSchema = z.object({
  id: z.uuid(),
  personId: z.string(),
  episode: z.number().int(),
  establishmentCode: z.string(),
  kind: AnyAssessmentKindSchema,
  status: AssessmentStatusSchema,
  requestedAt: IsoInstant,
  dueBy: IsoInstant,
  completion: CompletionViewSchema.nullable(),
  consent: z
    .object({
      state: ConsentStateSchema.describe("Derived from the episode's facts, as the agency read relies on it"),
      status: ConsentStatusSchema.describe('Deprecated: WITHDRAWN exactly when state is WITHDRAWN'),
      withdrawnAt: IsoInstant.nullable().describe('The latest withdrawal, if any'),
    })
    .describe("The person's consent to voluntary throughcare for this episode"),
});
export type AssessmentView = z.infer<typeof AssessmentViewSchema>;

export const AssessmentPageSchema = z.object({
  items: z.array(AssessmentViewSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type AssessmentPage = z.infer<typeof AssessmentPageSchema>;
