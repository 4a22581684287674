import { z } from 'zod';
import { IsoDate, IsoInstant, Pathway, RiskOfSeriousHarm } from '@throughcare/contracts';
import { PATHWAY_SKIP_REASONS, PATHWAY_STATUSES } from '@throughcare/domain';
import { AnyAssessmentKindSchema, PersonIdSchema } from './assessment.schemas';

// Issue 10: what an agency reads of the shared assessment, for the pathways its referrals cover.

export const AgencyPathwayViewSchema = z.object({
  pathway: Pathway,
  status: z
    .enum(PATHWAY_STATUSES)
    .describe('Derived from the answers (or the completion, where none were saved)'),
  supportRequired: z.boolean().describe('The pathway is one of the needs: SUPPORT_REQUIRED and not skipped'),
  needsIndicated: z
    .array(z.string())
    .describe('The questions whose answers indicate the need, in the question set’s words (no free text)'),
  skipped: z
    .object({ reason: z.enum(PATHWAY_SKIP_REASONS) })
    .nullable()
    .describe('Not assessed here, and why (a note, being free text, is not shown)'),
});

/**
 * The basis an agency's read rests on. CONSENT: the person's consent to voluntary throughcare,
 * recorded (`POST /people/:personId/consent`) and not withdrawn after it. PRESUMED_BEFORE_CUTOVER:
 * an episode this service knew before consent was recorded (migration 1100), read on the consent
 * presumed then, until a consent is recorded or a withdrawal ends it. STATUTORY_SUPERVISION
 * (licence supervision after release, not resting on consent) is modelled but not produced yet:
 * see the README's design note.
 */
export const AgencyAccessBasisSchema = z
  .enum(['CONSENT', 'PRESUMED_BEFORE_CUTOVER', 'STATUTORY_SUPERVISION'])
  .describe(
    'CONSENT (recorded, not withdrawn after it); PRESUMED_BEFORE_CUTOVER (an episode known before consent was recorded, no withdrawal); STATUTORY_SUPERVISION is reserved (not produced yet)',
  );
export type AgencyAccessBasis = z.infer<typeof AgencyAccessBasisSchema>;

export const AgencyAssessmentViewSchema = z.object({
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  agencyId: z.string(),
  referrals: z
    .array(z.object({ referralId: z.uuid(), pathways: z.array(Pathway), sentAt: IsoInstant }))
    .describe("The calling agency's active referrals of the episode: they decide what is shown"),
  access: z
    .object({
      basis: AgencyAccessBasisSchema,
      consentGivenAt: IsoInstant.nullable().describe(
        'For CONSENT: when the consent relied on was given (recorded, and not withdrawn after it); null otherwise',
      ),
    })
    .describe('Why the agency may read: which lawful basis applied to this read'),
  assessment: z
    .object({
      assessmentId: z.uuid(),
      kind: AnyAssessmentKindSchema,
      completedAt: IsoInstant.nullable(),
      answersVersion: z.number().int().min(1).nullable(),
      answersRecordedAt: IsoInstant.nullable(),
    })
    .nullable()
    .describe(
      'The assessment the pathways are read from: the latest completed one of the episode (drafts are never shown); answersVersion is null when they are read from the needs its completion recorded; null before any completion',
    ),
  pathways: z
    .array(AgencyPathwayViewSchema)
    .describe('Only the pathways the referrals cover, in pathway order'),
  needs: z.array(Pathway).describe('Of those, the ones needing support'),
  riskOfSeriousHarm: z
    .object({
      level: RiskOfSeriousHarm,
      assessedOn: IsoDate.nullable(),
      source: z.enum(['RISK_ASSESSMENT', 'CORE_SCREEN']),
    })
    .nullable()
    .describe(
      'The current level (the latest risk assessment, else the core screen’s), never its reasons; null before any',
    ),
});
export type AgencyAssessmentView = z.infer<typeof AgencyAssessmentViewSchema>;

export const AGENCY_ASSESSMENT_EXAMPLE: AgencyAssessmentView = {
  personId: 'p0123456789abcdef0123',
  episode: 1,
  agencyId: 'cjsw-edinburgh',
  referrals: [
    {
      referralId: '7d1c2c5e-3b8a-4f3e-9a43-2f1d6c0b9e21',
      pathways: ['ACCOMMODATION'],
      sentAt: '2026-01-05T10:00:00.000Z',
    },
  ],
  access: { basis: 'CONSENT', consentGivenAt: '2026-01-04T09:30:00.000Z' },
  assessment: {
    assessmentId: '0f6e3a52-8d3c-4a57-b1b5-6c1de9f4a0aa',
    kind: 'COMPREHENSIVE_SCREEN',
    completedAt: '2026-01-12T14:30:00.000Z',
    answersVersion: 2,
    answersRecordedAt: '2026-01-12T14:20:00.000Z',
  },
  pathways: [
    {
      pathway: 'ACCOMMODATION',
      status: 'SUPPORT_REQUIRED',
      supportRequired: true,
      needsIndicated: ['Has no fixed address on release'],
      skipped: null,
    },
  ],
  needs: ['ACCOMMODATION'],
  riskOfSeriousHarm: { level: 'MEDIUM', assessedOn: '2026-01-04', source: 'RISK_ASSESSMENT' },
};
