import { keysetCursor } from '@throughcare/platform-http';
import { z } from 'zod';
import {
  EstablishmentCode,
  IsoDate,
  Jurisdiction,
  type ReplanCursor,
  type ReplanProgress,
  IsoInstant,
} from '@throughcare/contracts';
import { OFFENCE_CATEGORIES } from '@throughcare/domain';
import type { ProposedReleasePoint, ReplanApplyFailureStatus, ReplanItemStatus } from './replan.entities';

// Issue 10: bulk re-plan of a cohort when the law moves a release point.

const ProportionSchema = z
  .object({
    num: z.number().int().min(1).max(99).describe('Numerator, e.g. 3 for 3/10'),
    den: z.number().int().min(2).max(100).describe('Denominator, e.g. 10 for 3/10'),
  })
  .strict()
  .refine((p) => p.num < p.den, { message: 'a release point is a proportion below one (num < den)' });

export const ReleasePointRecordSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[A-Z][A-Z0-9_]{2,59}$/,
        'an id in capitals, digits and underscores, e.g. SCOTLAND_ST_THREE_TENTHS_2026',
      )
      .describe(
        'The record id. A record of the table whose commencement is unverified is replaced by this version; an id adopted by an applied re-plan, or being applied, takes only the same law again (its sentence class, proportion, commencement, reach and exclusions; the source may differ): other values are 422 REPLAN_POLICY_CONFLICT',
      ),
    sentenceClass: z.enum(['SCOTLAND_SHORT_TERM', 'ENGLAND_AND_WALES_SDS']),
    proportion: ProportionSchema,
    inForceFrom: IsoDate.describe('The day the change commences (verified: the instrument says so)'),
    appliesTo: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('ALL_SERVING') }).strict(),
        z.object({ kind: z.literal('SENTENCED_ON_OR_AFTER') }).strict(),
      ])
      .describe(
        'ALL_SERVING: everyone serving at commencement (never released before it); SENTENCED_ON_OR_AFTER: new sentences only',
      ),
    excludedOffenceCategories: z
      .array(
        z
          .object({
            category: z.enum(OFFENCE_CATEGORIES),
            onlyIfTermAtLeastYears: z.number().int().min(1).max(99).optional(),
          })
          .strict(),
      )
      .max(OFFENCE_CATEGORIES.length)
      .default([]),
    source: z
      .object({
        citation: z
          .string()
          .trim()
          .min(1)
          .max(1000)
          .describe('The instrument and provision, e.g. "S.S.I. 2026/123 reg.2"'),
        url: z.url({ protocol: /^https$/ }).max(500),
        unverified: z.string().trim().min(1).max(1000).optional().describe('What could not be verified'),
      })
      .strict(),
  })
  .strict();

export const CreateReplanBodySchema = z
  .object({
    reason: z.string().trim().min(1).max(500).describe('Why: the law change, for the record'),
    policy: ReleasePointRecordSchema,
    establishments: z
      .array(EstablishmentCode)
      .min(1)
      .max(200)
      .optional()
      .describe("Only these of the caller's establishments (default: all of the caller's)"),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(200)
      .default(100)
      .describe('Episodes per step (at most 200: a step is one activity, heartbeating per episode)'),
    pauseMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(200)
      .describe('Pause between steps, so the platform stays responsive'),
    pagesPerRun: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(50)
      .describe('Steps per workflow run before it continues as new (a bounded history)'),
  })
  .strict();
export type CreateReplanBody = z.output<typeof CreateReplanBodySchema>;

/**
 * The apply's body. Adopting a record is a change of law for every later calculation in the
 * jurisdiction, at every establishment, while the run re-plans its own establishments only.
 */
export const ApplyReplanBodySchema = z
  .object({
    adoptForAllEstablishments: z
      .boolean()
      .default(false)
      .describe(
        "Adopt the record although open episodes whose calculation uses a release point of its sentence class are held outside the run's establishments (dryRun.outsideScope, counted again at the apply): they move at their next recalculation, or when a re-plan of their establishments applies. Without it the apply is refused while there are any (409 REPLAN_COHORT_INCOMPLETE)",
      ),
  })
  .strict()
  // No body at all is the default (as before the option existed).
  .default({ adoptForAllEstablishments: false });
export type ApplyReplanBody = z.output<typeof ApplyReplanBodySchema>;

export const ReplanPathSchema = z.object({ id: z.uuid() });
export type ReplanPath = z.output<typeof ReplanPathSchema>;

/**
 * Derived from the run's timestamps (`statusOf` in replan.service.ts). FAILED: the apply's
 * workflow stopped without completing (failed, terminated, cancelled or timed out), found when the
 * run was read; resume it (POST …/resume) to go on from where it stopped.
 */
export const ReplanStatus = z.enum(['DRY_RUN_RUNNING', 'DRY_RUN_DONE', 'APPLYING', 'APPLIED', 'FAILED']);
export type ReplanStatus = z.infer<typeof ReplanStatus>;

export const ReplanRunCursor = keysetCursor(z.object({ requestedAt: IsoInstant, id: z.uuid() }));
export const ListReplansQuerySchema = z
  .object({
    status: ReplanStatus.optional().describe(
      'Only runs in this status now (DRY_RUN_RUNNING, DRY_RUN_DONE, APPLYING, APPLIED or FAILED: an apply stopped without completing, as last found when a run was read); a cursor continues the filtered list',
    ),
    jurisdiction: Jurisdiction.optional().describe(
      'Only runs of this jurisdiction (SCOTLAND or ENGLAND_AND_WALES)',
    ),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ReplanRunCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListReplansQuery = z.output<typeof ListReplansQuerySchema>;

export const ReplanItemCursor = keysetCursor(
  z.object({ personId: z.string().max(100), episode: z.number().int() }),
);
export const ListReplanItemsQuerySchema = z
  .object({
    status: z
      .enum(['PROPOSED', 'NEEDS_REVIEW', 'APPLIED', 'SKIPPED'])
      .optional()
      .describe('Only items in this status'),
    differsFromDryRun: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .describe(
        'true: only items the apply decided otherwise than the dry run showed (another release date, or a person the dry run did not show); false: only the others; absent: every item',
      ),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: ReplanItemCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListReplanItemsQuery = z.output<typeof ListReplanItemsQuerySchema>;

export const ListUncalculatedQuerySchema = z
  .object({
    establishmentCode: EstablishmentCode.optional().describe(
      "Only episodes held at this establishment (one of the run's and the caller's; another answers an empty page); a cursor continues the filtered list",
    ),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: ReplanItemCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListUncalculatedQuery = z.output<typeof ListUncalculatedQuerySchema>;

/** An open episode in a re-plan's scope that no re-plan can move: no sentence calculation, and no recorded official dates. */
export interface UncalculatedEpisodeView {
  personId: string;
  episode: number;
  /** Where the person is held now. */
  establishmentCode: string;
  /** The expected release date as it stands (given by hand: at reception or changed since). */
  expectedReleaseDate: string | null;
}

export interface UncalculatedEpisodePage {
  items: UncalculatedEpisodeView[];
  nextCursor: string | null;
}

export interface ReplanRunView {
  id: string;
  status: ReplanStatus;
  jurisdiction: Jurisdiction;
  reason: string;
  policy: ProposedReleasePoint;
  establishments: string[];
  /** The day the dry run read the law at (the day it was requested); the proposed record applies from its own commencement. */
  asAt: string;
  requestedAt: string;
  requestedBy: string;
  dryRun: {
    workflowId: string;
    doneAt: string | null;
    /** Open episodes with a sentence calculation looked at; null until done. */
    scanned: number | null;
    /** Of those, the ones whose dates the change moves. */
    affected: number | null;
    /**
     * Of those, the ones whose expected release date an HDC, parole or early-release decision
     * stands on (items NEEDS_REVIEW): their calculation is recorded and the date kept, or, when
     * the decision cannot stand against it, the decision set aside and the date moved.
     */
    needsReview: number | null;
    /**
     * Open episodes in scope with no sentence calculation and no recorded official dates (dates
     * given by hand): not looked at, and no re-plan moves them; record their sentences or their
     * official dates (…/recorded-dates), or change their dates by hand. Listed
     * live by GET /release-point-replans/:id/uncalculated. Null until done.
     */
    uncalculated: number | null;
    /**
     * Open episodes of the jurisdiction held outside the run's establishments whose calculation
     * uses a release point of the record's sentence class: once adopted, the record may reach them at
     * their next recalculation, with no dry run of theirs (at most these: its reach, exclusions and
     * commencement may leave some unmoved). A count (never who), across every
     * establishment, taken when the dry run finished (null until then, and for runs before
     * liberation migration 3400). The apply counts again, and is refused while the count is above
     * 0 unless the caller adopts the record for all establishments.
     */
    outsideScope: number | null;
  };
  apply: {
    workflowId: string;
    requestedAt: string;
    requestedBy: string;
    doneAt: string | null;
    /** Recorded and the expected release date moved (items APPLIED). */
    applied: number | null;
    /**
     * The ones the apply step skipped (released, recalculated since, no longer moving, out of
     * scope). The dry run's own skips (items it could not calculate) are not counted here, so
     * `applied + skipped + needsReview` is the dry run's `affected`, plus any episode that came
     * into the run's scope after the dry run.
     */
    skipped: number | null;
    /** Recorded, with a decision standing on the date kept or set aside, for review (items NEEDS_REVIEW). */
    needsReview: number | null;
    /**
     * Items the apply decided otherwise than the dry run showed: another release date (the person's
     * sentences changed since), or a person the dry run did not show (received, or newly moving,
     * since). Listed by GET …/items?differsFromDryRun=true. Counted live when the run is read
     * (null in the list of runs).
     */
    differsFromDryRun: number | null;
    /** The last episode a finished page reached, and the counts to it: where a resume starts. */
    cursor: ReplanCursor | null;
    /**
     * The last time the apply's workflow stopped without completing (null: never): how, why, and
     * the cursor and counts it had reached. The run is FAILED while this is after `resumedAt`.
     */
    failure: {
      at: string;
      workflowStatus: ReplanApplyFailureStatus;
      workflowRunId: string;
      reason: string;
      cursor: ReplanCursor | null;
      progress: ReplanProgress | null;
    } | null;
    /** The last resume (POST …/resume): when, by whom, and how many so far. */
    resumedAt: string | null;
    resumedBy: string | null;
    resumes: number;
    /**
     * The same count when the apply was asked: 0, or more when the caller adopted the record for
     * all establishments (null: a run applied before this was asked).
     */
    outsideScope: number | null;
  } | null;
  /** Live counts of the phase running now (from its workflow), null when none runs or it cannot be read. */
  progress: (ReplanProgress & { phase: 'DRY_RUN' | 'APPLY' }) | null;
}

export interface ReplanRunPage {
  items: ReplanRunView[];
  nextCursor: string | null;
}

export interface ReplanItemView {
  personId: string;
  episode: number;
  establishmentCode: string;
  status: ReplanItemStatus;
  /** Why it was skipped (released, recalculated since, no longer moves, cannot be recalculated). */
  skipReason: string | null;
  releaseDateType: 'CRD' | 'ARD';
  oldReleaseDate: string;
  newReleaseDate: string;
  /** Every calculated date by type, before and after (e.g. the HDCED moves too). */
  oldDates: Record<string, string>;
  newDates: Record<string, string>;
  /** The sentence calculation version the dry run read, and the one the apply step recorded. */
  versionBefore: number;
  appliedVersion: number | null;
  decidedAt: string | null;
  /** The new release date the dry run showed (null: the dry run did not show this person, or not known). */
  dryRunReleaseDate: string | null;
  /**
   * The apply decided otherwise than the dry run showed (another release date, or a person it did
   * not show); false until then; null: not known (a run from before this was kept).
   */
  differsFromDryRun: boolean | null;
  /**
   * Why the new calculation does not move the person's expected release date (an HDC, parole or
   * early-release decision stands on it): recorded, but the journey keeps the decision's date.
   * Followed by the effect's `decisionCaveat` when there is one (an HDC date passed without a
   * release, a decision whose sentences are not recorded): NEEDS_REVIEW either way.
   */
  releaseDateKeptBecause: string | null;
  /**
   * Why a decision standing on the expected release date was set aside and the date moved to the
   * new calculation's (its date was after the new release date, or HDC is no longer available by
   * it): NEEDS_REVIEW, for someone to review the decision. A parole or early-release decision is
   * made on the sentences, which a re-plan does not change, so a new release point alone never
   * sets one aside (it is kept unless its date is after the new release date). Null otherwise.
   */
  releaseDateDecisionSetAsideBecause: string | null;
}

export interface ReplanItemPage {
  items: ReplanItemView[];
  nextCursor: string | null;
}
