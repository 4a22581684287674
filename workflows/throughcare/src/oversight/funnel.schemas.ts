import { z } from 'zod';
import {
  EstablishmentCode,
  IsoDate,
  IsoInstant,
  Jurisdiction,
  LocalAuthorityCode,
  Pathway,
} from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';

/**
 * The funnel's steps, in order. A custody episode reaches a step when it reached every step
 * before it and the step's own fact is known (README, "The attrition funnel").
 */
export const FunnelSteps = [
  'RECEIVED',
  'CORE_SCREEN',
  'COMPREHENSIVE_SCREEN',
  'REFERRED',
  'ACCEPTED',
  'FIRST_APPOINTMENT_ATTENDED',
  'ENGAGED_4_WEEKS',
  'ENGAGED_12_WEEKS',
  'CLOSED',
] as const;
export const FunnelStep = z.enum(FunnelSteps);
export type FunnelStep = z.infer<typeof FunnelStep>;

/**
 * How custody ended: STANDARD (released at the calculated date), HDC, EARLY_RELEASE or PAROLE (the
 * latest reason the expected release date moved), TO_HOSPITAL, FROM_COURT (liberated from court),
 * NOT_RELEASED (still in custody).
 */
export const ReleaseType = z.enum([
  'STANDARD',
  'HDC',
  'EARLY_RELEASE',
  'PAROLE',
  'TO_HOSPITAL',
  'FROM_COURT',
  'NOT_RELEASED',
]);
export type ReleaseType = z.infer<typeof ReleaseType>;

const dayRange = (from: 'receivedFrom' | 'releasedFrom', to: 'receivedTo' | 'releasedTo') => ({
  check: (q: Partial<Record<typeof from | typeof to, string>>) => !q[from] || !q[to] || q[from] <= q[to],
  issue: { message: `${from} must not be after ${to}`, path: [from] },
});
const received = dayRange('receivedFrom', 'receivedTo');
const released = dayRange('releasedFrom', 'releasedTo');

/** The filters every funnel read takes (the funnel itself, its cases). */
export const FunnelFilterShape = {
  establishment: EstablishmentCode.optional().describe(
    'The establishment the person was last held at (received, transferred to, released from)',
  ),
  localAuthority: LocalAuthorityCode.optional().describe('The home local authority given at reception'),
  jurisdiction: Jurisdiction.optional(),
  pathway: Pathway.optional().describe('Journeys with a need on this pathway (core or comprehensive screen)'),
  releaseType: ReleaseType.optional(),
  receivedFrom: IsoDate.optional().describe('Received on or after this day (UTC): the cohort'),
  receivedTo: IsoDate.optional().describe('Received on or before this day (UTC)'),
  releasedFrom: IsoDate.optional().describe('Released on or after this day (UTC)'),
  releasedTo: IsoDate.optional().describe('Released on or before this day (UTC)'),
};
const withRanges = <T extends z.ZodType<Partial<Record<string, unknown>>>>(schema: T) =>
  schema.refine(received.check, received.issue).refine(released.check, released.issue);

export const FunnelFilterSchema = withRanges(z.object(FunnelFilterShape).strict());
export type FunnelFilter = z.output<typeof FunnelFilterSchema>;

export const FunnelGroups = [
  'none',
  'establishment',
  'localAuthority',
  'jurisdiction',
  'pathway',
  'releaseType',
  'receivedMonth',
  'releasedMonth',
] as const;
export const FunnelQuerySchema = withRanges(
  z
    .object({
      ...FunnelFilterShape,
      groupBy: z
        .enum(FunnelGroups)
        .default('none')
        .describe(
          'Slice by: pathway counts a journey under each pathway of its needs (null: none found); a month is the UTC month',
        ),
    })
    .strict(),
);
export type FunnelQuery = z.output<typeof FunnelQuerySchema>;

export const FunnelStepFigureSchema = z.object({
  step: FunnelStep,
  reached: z.number().int().describe('Journeys that reached this step (and every step before it)'),
  conversion: z
    .number()
    .nullable()
    .describe('reached over the previous step’s reached (null for RECEIVED, or when none reached that)'),
  stillOpen: z
    .number()
    .int()
    .describe(
      'Reached the previous step, not this one, the case open and the step still possible (an engagement step: its window after release not passed)',
    ),
  dropped: z
    .number()
    .int()
    .describe(
      'Reached the previous step, not this one, and no longer can: the case closed (follow-up ended, consent withdrawn, other), or the window after release passed',
    ),
  closedOtherwise: z
    .number()
    .int()
    .describe(
      'Reached the previous step, not this one, and the case closed for a reason that is not drop-out: died, deported, moved out of the jurisdiction, back in custody, void',
    ),
});
export const FunnelGroupSchema = z.object({
  group: z.string().nullable().describe('The value sliced by (null: no slicing, or no value)'),
  steps: z.array(FunnelStepFigureSchema),
});
export const FunnelSchema = z.object({
  completeSince: IsoInstant.nullable().describe(
    'null: the funnel holds every episode. Else it was (re)built when the bus (30 days kept) no longer held older facts: only episodes whose facts are on it since then',
  ),
  groupBy: z.enum(FunnelGroups),
  steps: z.array(FunnelStep),
  groups: z.array(FunnelGroupSchema),
});
export type Funnel = z.infer<typeof FunnelSchema>;
export type FunnelStepFigure = z.infer<typeof FunnelStepFigureSchema>;

/** Keyset over (person_id, episode). */
export const FunnelCursor = keysetCursor(
  z.object({ personId: z.string().max(64), episode: z.number().int().min(1) }),
);

export const FunnelCaseState = z.enum(['reached', 'stillOpen', 'dropped', 'closedOtherwise']);
export type FunnelCaseState = z.infer<typeof FunnelCaseState>;

export const FunnelCasesQuerySchema = withRanges(
  z
    .object({
      ...FunnelFilterShape,
      step: FunnelStep,
      state: FunnelCaseState.default('reached').describe(
        'reached: reached the step; stillOpen / dropped / closedOtherwise: reached the step before and not this one (see /funnel)',
      ),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: FunnelCursor.schema.optional().describe('nextCursor from the previous page'),
    })
    .strict(),
);
export type FunnelCasesQuery = z.output<typeof FunnelCasesQuerySchema>;

export const FunnelCaseSchema = z.object({
  personId: z.string().describe('Pseudonymous person id'),
  episode: z.number().int(),
  lastStep: FunnelStep.describe('The last step the journey reached'),
  establishmentCode: z.string().nullable(),
  localAuthority: z.string().nullable(),
  jurisdiction: z.string().nullable(),
  releaseType: ReleaseType,
  needs: z.array(z.string()),
  receivedAt: IsoInstant,
  coreScreenAt: IsoInstant.nullable(),
  comprehensiveScreenAt: IsoInstant.nullable(),
  referredAt: IsoInstant.nullable(),
  acceptedAt: IsoInstant.nullable(),
  releasedAt: IsoInstant.nullable(),
  closedAt: IsoInstant.nullable(),
});
export type FunnelCase = z.infer<typeof FunnelCaseSchema>;
export const FunnelCasesPageSchema = z.object({
  items: z.array(FunnelCaseSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type FunnelCasesPage = z.infer<typeof FunnelCasesPageSchema>;

/** The intervals the time-to-step figures measure, each from one instant of an episode to another. */
export const TimeToStepIntervals = [
  { from: 'RECEIVED', to: 'CORE_SCREEN' },
  { from: 'RECEIVED', to: 'COMPREHENSIVE_SCREEN' },
  { from: 'RECEIVED', to: 'REFERRED' },
  { from: 'REFERRED', to: 'ACCEPTED' },
  { from: 'RELEASED', to: 'FIRST_APPOINTMENT_AFTER_RELEASE' },
] as const;
/** A histogram's upper bounds, in days (the last bucket is everything longer). */
export const TIME_TO_STEP_BUCKETS = [1, 3, 7, 14, 28, 56] as const;

export const TimeToStepSchema = z.object({
  intervals: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      count: z.number().int().describe('Journeys with both instants'),
      p50Days: z.number().nullable().describe('Median, in days (null when none)'),
      p90Days: z.number().nullable(),
      buckets: z
        .array(z.object({ upToDays: z.number().int().nullable(), count: z.number().int() }))
        .describe('Journeys per span: up to 1, 3, 7, 14, 28, 56 days, then longer (upToDays null)'),
    }),
  ),
});
export type TimeToStep = z.infer<typeof TimeToStepSchema>;
