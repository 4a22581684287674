import { z } from 'zod';
import {
  IsoDate,
  IsoInstant,
  LikelihoodOfReoffending,
  RiskOfSeriousHarm,
  RiskRise,
} from '@throughcare/contracts';
import { RISK_REASONS_MAX_LENGTH } from '@throughcare/domain';
import { keysetCursor } from '@throughcare/platform-http';
import { PersonIdSchema } from './assessment.schemas';

// Issue 10, risk: a person's risk assessments, recorded as versions; what rose is derived.

export const PersonPathSchema = z.object({ personId: PersonIdSchema });
export type PersonPath = z.output<typeof PersonPathSchema>;

export const MappaSchema = z
  .object({
    category: z
      .number()
      .int()
      .min(1)
      .max(4)
      .describe(
        'Who qualifies: 1 registered sexual offenders, 2 violent and other sexual offenders, 3 other dangerous offenders, 4 terrorist offenders (E&W)',
      ),
    level: z
      .number()
      .int()
      .min(1)
      .max(3)
      .describe('How managed: 1 ordinary agency management, 2 and 3 active multi-agency management'),
  })
  .strict();

export const RecordRiskBodySchema = z
  .object({
    likelihoodOfReoffending: LikelihoodOfReoffending.describe('The likelihood-of-reoffending band'),
    riskOfSeriousHarm: RiskOfSeriousHarm.describe('Risk of serious harm screening'),
    reasons: z
      .string()
      .max(RISK_REASONS_MAX_LENGTH)
      .describe('Why, in words (required; never published on the bus)'),
    assessedOn: IsoDate.describe('The day the risk was assessed (YYYY-MM-DD); not in the future'),
    mappa: MappaSchema.nullable()
      .default(null)
      .describe('The public-protection (MAPPA) category and level; null or left out: not a MAPPA case'),
  })
  .strict();
export type RecordRiskBody = z.output<typeof RecordRiskBodySchema>;

/** The cursor of the versions, newest first: the last version of the page. */
export const RiskVersionCursor = keysetCursor(z.object({ version: z.number().int().min(1) }));

export const ListRiskAssessmentsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: RiskVersionCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListRiskAssessmentsQuery = z.output<typeof ListRiskAssessmentsQuerySchema>;

export const RiskAssessmentViewSchema = z.object({
  personId: z.string(),
  version: z.number().int().min(1),
  etag: z
    .string()
    .describe('"risk-vN": send it as If-Match to record the next version only if this is still current'),
  likelihoodOfReoffending: LikelihoodOfReoffending,
  riskOfSeriousHarm: RiskOfSeriousHarm,
  reasons: z.string(),
  assessedOn: IsoDate,
  mappa: MappaSchema.nullable(),
  rises: z
    .array(RiskRise)
    .describe('What rose against the version before (empty for the first; a fall is never one)'),
  recordedAt: IsoInstant.describe('When this service recorded it'),
  recordedBy: z.string().describe('Who recorded it (the caller: user or client), never a name'),
});
export type RiskAssessmentView = z.infer<typeof RiskAssessmentViewSchema>;

export const RiskAssessmentPageSchema = z.object({
  items: z.array(RiskAssessmentViewSchema).describe('Newest first'),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type RiskAssessmentPage = z.infer<typeof RiskAssessmentPageSchema>;
