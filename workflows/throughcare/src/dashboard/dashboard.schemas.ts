import { z } from 'zod';
import { EstablishmentCode, IsoDate, LocalAuthorityCode, Pathway, Stages } from '@throughcare/contracts';
import {
  FunnelCaseState,
  FunnelStep,
  FunnelSchema,
  FunnelStepFigureSchema,
  ReleaseType,
  TimeToStepSchema,
} from '../oversight/funnel.schemas';
import { LedgerStatus, LedgerSummaryRowSchema } from '../oversight/ledger.schemas';
import { ReconvictionGroupSchema } from '../oversight/outcomes.schemas';

/**
 * A filter the dashboard's form may send empty (`name=`, a field left blank): no filter, not an
 * invalid one.
 */
const blankable = <T extends z.ZodType<string>>(schema: T) =>
  z
    .union([schema, z.literal('')])
    .optional()
    .transform((v) => (v === '' ? undefined : v) as z.output<T> | undefined);

/**
 * The dashboard's filters, in its URL so a view can be shared: one period (`from`, `to`: clocks due
 * in it, people received in it), and where, which pathway and how released.
 */
export const DashboardFilterShape = {
  from: blankable(IsoDate).describe('Period start (UTC day): clocks due, people received, on or after it'),
  to: blankable(IsoDate).describe('Period end (UTC day), inclusive'),
  establishment: blankable(
    z
      .string()
      .max(10)
      .transform((v) => v.trim().toUpperCase())
      .pipe(EstablishmentCode),
  ).describe('An establishment code (upper or lower case)'),
  localAuthority: blankable(LocalAuthorityCode),
  pathway: blankable(Pathway),
  releaseType: blankable(ReleaseType).describe(
    'The funnel and time to step only (a clock has no release type)',
  ),
};
const period = {
  check: (q: { from?: string; to?: string }) => !q.from || !q.to || q.from <= q.to,
  issue: { message: 'from must not be after to', path: ['from'] },
};

export const DashboardQueryObject = z.object(DashboardFilterShape).strict();
export const DashboardQuerySchema = DashboardQueryObject.refine(period.check, period.issue);
export type DashboardQuery = z.output<typeof DashboardQuerySchema>;

/** The cases behind a figure: the clocks of the SLA ledger, or the journeys of the funnel. */
export const DashboardCasesQueryObject = z
  .object({
    ...DashboardFilterShape,
    view: z.enum(['clocks', 'journeys']),
    /** view=clocks */
    agencyId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'must be an agency id')
      .optional(),
    status: z
      .string()
      .transform((raw) => raw.split(','))
      .pipe(z.array(LedgerStatus).min(1))
      .optional(),
    /** view=journeys */
    step: FunnelStep.optional(),
    state: FunnelCaseState.optional(),
    // A cursor the ledger or the funnel issued (base64url, at most 500 characters as theirs): checked
    // again by theirs. ASCII only: 2,000 multi-byte characters, percent-encoded, passed Node's 16 KiB
    // request-line limit (fresh-clone fuzzing of stop 47: a 431 before any code ran).
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,500}$/, 'must be the next-page cursor this page issued')
      .optional(),
  })
  .strict();
export const DashboardCasesQuerySchema = DashboardCasesQueryObject.refine(period.check, period.issue).refine(
  (q) => q.view !== 'journeys' || q.step !== undefined,
  { message: 'step is required with view=journeys', path: ['step'] },
);
export type DashboardCasesQuery = z.output<typeof DashboardCasesQuerySchema>;

/** GET /dashboard/data: every figure of the page (its charts are drawn from this). */
export const DashboardViewSchema = z.object({
  journeysByStage: z
    .record(z.enum(Stages), z.number().int())
    .describe('Running journeys per stage (Temporal)'),
  breaches: z
    .array(
      z.object({
        clock: z.string(),
        breached: z.number().int(),
        open: z.number().int(),
        metLate: z.number().int(),
        meanLatenessMinutes: z.number().nullable(),
      }),
    )
    .describe('Breaches recorded per clock, all time'),
  journeysNeedingAttention: z.number().int(),
  attention: z.array(z.object({ mustAct: z.string(), open: z.number().int(), oldestSince: z.string() })),
  filters: DashboardQueryObject.describe('The filters the figures are for'),
  ledger: z.object({
    byAgency: z.array(LedgerSummaryRowSchema).describe('Clocks owed by each agency, most breaches first'),
    byMonth: z.array(LedgerSummaryRowSchema).describe('Clocks by the UTC month they were due, in order'),
  }),
  funnel: z
    .array(FunnelStepFigureSchema)
    .describe('The attrition funnel of the people received in the period'),
  funnelCompleteSince: FunnelSchema.shape.completeSince,
  timeToStep: TimeToStepSchema.shape.intervals,
  outcomes: z
    .array(ReconvictionGroupSchema)
    .describe(
      'Reconviction within two years of release, by agency received (null: none), of the people released in the period whose two years have passed',
    ),
});
export type DashboardView = z.infer<typeof DashboardViewSchema>;
