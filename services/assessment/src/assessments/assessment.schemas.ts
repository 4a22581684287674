import { z } from 'zod';
import { EstablishmentCode, IsoInstant, Pathway, RiskOfSeriousHarm } from '@throughcare/contracts';
import { isPersonId } from '@throughcare/platform-config';

// HTTP DTOs and the activity input. They belong in libs/contracts once other contexts consume
// them. Schemas are suffixed `Schema` on purpose: a controller parameter typed with a name that
// is also a value makes decorator metadata point at the zod object, and Swagger then crashes.

export const AssessmentStatusSchema = z.enum(['REQUESTED', 'OVERDUE', 'COMPLETED']);
export type AssessmentStatus = z.infer<typeof AssessmentStatusSchema>;

export const PersonIdSchema = z
  .string()
  .refine(isPersonId, 'must be a THROUGHCARE_ID such as "p0123456789abcdef0123"')
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

export const CorrelationIdSchema = z.string().trim().min(1).max(200);

export const RequestCoreScreenInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(300),
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  establishmentCode: EstablishmentCode,
  dueBy: IsoInstant,
  correlationId: CorrelationIdSchema,
});

export const ListAssessmentsQuerySchema = z
  .object({
    personId: PersonIdSchema.optional(),
    status: AssessmentStatusSchema.optional().describe(
      'Derived: COMPLETED, else OVERDUE once dueBy has passed, else REQUESTED',
    ),
    establishment: EstablishmentCode.optional().describe('Establishment code, e.g. "BAR"'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAssessmentsQuery = z.output<typeof ListAssessmentsQuerySchema>;

export const AssessmentParamsSchema = z.object({ id: z.uuid() });
export type AssessmentParams = z.output<typeof AssessmentParamsSchema>;

export const CompleteCoreScreenBodySchema = z
  .object({
    needs: z
      .array(Pathway)
      .refine((needs) => new Set(needs).size === needs.length, 'each pathway may appear once')
      .describe('Resettlement pathways where support is needed; empty when none'),
    riskOfSeriousHarm: RiskOfSeriousHarm,
    completedBy: ActorReferenceSchema,
    completedAt: IsoInstant.optional().describe(
      'When the screen was done; defaults to now; not before the request',
    ),
  })
  .strict();
export type CompleteCoreScreenBody = z.output<typeof CompleteCoreScreenBodySchema>;

export const CorrelationHeadersSchema = z.object({ 'x-correlation-id': CorrelationIdSchema.optional() });

export const CompletionViewSchema = z.object({
  needs: z.array(Pathway),
  riskOfSeriousHarm: RiskOfSeriousHarm,
  completedAt: IsoInstant,
  completedBy: z.string(),
  recordedAt: IsoInstant.describe('When this service recorded the completion'),
});
export type CompletionView = z.infer<typeof CompletionViewSchema>;

export const AssessmentViewSchema = z.object({
  id: z.uuid(),
  personId: z.string(),
  episode: z.number().int(),
  establishmentCode: z.string(),
  kind: z.literal('CORE_SCREEN'),
  status: AssessmentStatusSchema,
  requestedAt: IsoInstant,
  dueBy: IsoInstant,
  completion: CompletionViewSchema.nullable(),
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
