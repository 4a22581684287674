import { z } from 'zod';
import {
  ConvictionSeriousness,
  EstablishmentCode,
  IsoDate,
  Jurisdiction,
  LocalAuthorityCode,
  Pathway,
} from '@throughcare/contracts';
import { ReleaseType } from './funnel.schemas';

export const OutcomeGroups = [
  'none',
  'establishment',
  'localAuthority',
  'jurisdiction',
  'releaseType',
  'releasedYear',
  'pathway',
  'agency',
] as const;

const released = {
  check: (q: { releasedFrom?: string; releasedTo?: string }) =>
    !q.releasedFrom || !q.releasedTo || q.releasedFrom <= q.releasedTo,
  issue: { message: 'releasedFrom must not be after releasedTo', path: ['releasedFrom'] },
};

export const ReconvictionQueryObject = z
  .object({
    windowYears: z.coerce
      .number()
      .int()
      .min(1)
      .max(2)
      .default(2)
      .describe(
        'The follow-up window after release: 2 years (seed 001 §5.6, the standard) or 1 (Scottish statistics)',
      ),
    asOf: IsoDate.optional().describe(
      'The day the figures are for (default today, UTC): only releases whose window and the 6 months after it have ended by then, and convictions made by then',
    ),
    groupBy: z
      .enum(OutcomeGroups)
      .default('none')
      .describe(
        'agency: each agency the person received a service from (a referral accepted, an appointment attended; null: none); pathway: each need',
      ),
    establishment: EstablishmentCode.optional().describe('The establishment released from'),
    localAuthority: LocalAuthorityCode.optional(),
    jurisdiction: Jurisdiction.optional(),
    releaseType: ReleaseType.exclude(['NOT_RELEASED']).optional(),
    pathway: Pathway.optional(),
    agencyId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'must be an agency id')
      .optional()
      .describe('Releases whose person received a service from this agency'),
    releasedFrom: IsoDate.optional().describe('Released on or after this day (UTC)'),
    releasedTo: IsoDate.optional(),
  })
  .strict();
export const ReconvictionQuerySchema = ReconvictionQueryObject.refine(released.check, released.issue);
export type ReconvictionQuery = z.output<typeof ReconvictionQuerySchema>;

export const ReconvictionGroupSchema = z.object({
  group: z.string().nullable(),
  released: z
    .number()
    .int()
    .describe('Releases in the cohort (their window and the 6 months after it have ended)'),
  suppressed: z
    .boolean()
    .describe(
      'Fewer than 5 releases: every figure but `released` is null (criminal offence data about very few people)',
    ),
  reconvicted: z
    .number()
    .int()
    .nullable()
    .describe('Of them, reconvicted of an offence committed within the window after release'),
  rate: z.number().nullable().describe('reconvicted / released'),
  convictions: z
    .number()
    .int()
    .nullable()
    .describe(
      'Convictions for offences committed within the window after release (each to the latest release before it)',
    ),
  convictionsPer100: z.number().nullable().describe('Frequency: convictions per 100 released'),
  medianDaysToFirstOffence: z
    .number()
    .nullable()
    .describe('Among the reconvicted: median days from release to the first such offence'),
  meanSeriousness: z
    .number()
    .nullable()
    .describe(
      'Mean seriousness of those convictions, MINOR = 1 … VERY_SERIOUS = 4 (the trend: group by releasedYear)',
    ),
  bySeriousness: z.record(ConvictionSeriousness, z.number().int()).nullable(),
  excludedOffencesBeforeRelease: z
    .number()
    .int()
    .nullable()
    .describe(
      'Convictions after release for offences committed before it: not counted (the old measure counted them)',
    ),
});
export const ReconvictionSchema = z.object({
  windowYears: z.number().int(),
  asOf: IsoDate,
  groupBy: z.enum(OutcomeGroups),
  groups: z.array(ReconvictionGroupSchema),
});
export type Reconviction = z.infer<typeof ReconvictionSchema>;
