import { keysetCursor } from '@throughcare/platform-http';
import { z } from 'zod';
import { IsoDate, type Jurisdiction } from '@throughcare/contracts';
import { OFFENCE_CATEGORIES, type CalculatedDateType } from '@throughcare/domain';
import type { LiberationDayView } from './custody-episode.schemas';

// Issue 10: sentences recorded against a custody episode, and the dates calculated from them.

const termPart = (max: number, what: string) =>
  z.number().int().min(0).max(max).optional().describe(`Whole ${what} (0–${max})`);

export const SentenceTermSchema = z
  .object({
    years: termPart(99, 'years'),
    months: termPart(1188, 'months'),
    weeks: termPart(5148, 'weeks'),
    days: termPart(36_135, 'days'),
  })
  .strict()
  .refine((t) => (t.years ?? 0) + (t.months ?? 0) + (t.weeks ?? 0) + (t.days ?? 0) > 0, {
    message: 'a term needs at least one of years, months, weeks or days above 0',
  })
  .describe('The term as the court stated it');

const SentenceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'a sentence id is 1–40 letters, digits, ".", "_" or "-"');

export const SentenceSchema = z
  .object({
    id: SentenceIdSchema.describe(
      'Your id for the sentence, unique in this request (e.g. the count or the court case line)',
    ),
    sentenceDate: IsoDate.describe('The day the court imposed the sentence'),
    startDate: IsoDate.optional().describe(
      'Scotland: the commencement date the court specified (backdated for remand, 1995 Act s.210); E&W: normally the sentence date. Omit for a consecutive sentence',
    ),
    term: SentenceTermSchema,
    offenceCategories: z
      .array(z.enum(OFFENCE_CATEGORIES))
      .max(OFFENCE_CATEGORIES.length)
      .optional()
      .describe('Categories that change or exclude the release rules (see the sentence module README)'),
    offenceDate: IsoDate.optional().describe(
      'E&W: the offence date (TUSED needs one on or after 1 Feb 2015)',
    ),
    consecutiveTo: SentenceIdSchema.optional().describe('The id of the sentence this one follows'),
    sentenceType: z
      .enum(['STANDARD_DETERMINATE', 'EXTENDED', 'INDETERMINATE', 'RECALL'])
      .optional()
      .describe('Default STANDARD_DETERMINATE; the others are refused (422) as not calculated here'),
  })
  .strict();

export const SentencesBodySchema = z
  .object({
    sentences: z.array(SentenceSchema).min(1).max(50),
    remandDays: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .optional()
      .describe('E&W: remand days that count as time served (CJA 2003 s.240ZA); refused in Scotland'),
    taggedBailCurfewDays: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .optional()
      .describe('E&W: days on qualifying curfew with a tag (s.240A: half, rounded up, is credited)'),
    additionalDaysAwarded: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .optional()
      .describe(
        'E&W: additional days awarded in all for offences against prison discipline (Prison Rules 1999 r.55A; CJA 2003 s.257), as adjudicated. Less those restored, they move the CRD and HDCED later (s.257(2)(a)); not the SLED or TUSED. Refused in Scotland (400 ADJUSTMENT_NOT_APPLICABLE)',
      ),
    restoredDays: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .optional()
      .describe(
        'E&W: of the additional days awarded, those restored (remitted in accordance with prison rules, CJA 2003 s.257(2)). At most additionalDaysAwarded (400 SENTENCE_INPUT_INVALID naming restoredDays otherwise)',
      ),
    unlawfullyAtLargeDays: z
      .number()
      .int()
      .min(0)
      .max(36_500)
      .optional()
      .describe(
        'E&W: days unlawfully at large during these sentences before release (escape, failure to return from temporary release): not time served (Prison Act 1952 s.49(2)), the dates of the sentences being served then move later by them. With concurrent sentences imposed on different days, unlawfullyAtLargePeriod is required (400 SENTENCE_INPUT_INVALID naming it otherwise). Refused in Scotland (400 ADJUSTMENT_NOT_APPLICABLE)',
      ),
    unlawfullyAtLargePeriod: z
      .object({
        from: IsoDate.describe('The first day at large (of the earliest time at large)'),
        to: IsoDate.describe('The last day at large (of the latest time at large)'),
      })
      .strict()
      .optional()
      .describe(
        'E&W: when the unlawfullyAtLargeDays were (at most to − from + 1 days). The days count only against the sentences being served then (Prison Act 1952 s.49(2)): a concurrent sentence (with any consecutive to it) imposed on or before `from` takes them; one imposed after `to` (e.g. for the escape itself) does not; one imposed in between is refused (422 SENTENCE_NOT_CALCULATED, reason SENTENCED_WHILE_UNLAWFULLY_AT_LARGE). Required with unlawfullyAtLargeDays when concurrent sentences were imposed on different days; not needed when they were all imposed on the same day (every one takes the days). 400 SENTENCE_INPUT_INVALID naming the field when `to` is before `from`, it is given without unlawfullyAtLargeDays, or it ends before any sentence was imposed. Refused in Scotland (400 ADJUSTMENT_NOT_APPLICABLE)',
      ),
    sexOffenderNotification: z
      .boolean()
      .optional()
      .describe(
        "Subject to the notification requirements of Part 2 of the Sexual Offences Act 2003: no HDC in either jurisdiction (CJA 2003 s.246(4); 1993 Act s.3AA). `true` and `false` are assertions by staff who have checked: `false` (not subject) calculates HDC even for a sentence for a Sch.3 offence, so it must never be a form default. Not given: in Scotland, a sentence for an offence in Sch.3 to the 2003 Act is taken to mean the person is subject, and HDC is not applicable (the HDCED's not-applicable reason and a warning say so, for staff to confirm); with no such sentence, taken not to be, and the HDCED lists it as unverified. In England & Wales it is never inferred from the offence: not given, the person is taken not to be subject even with a sentence for a Sch.3 offence, HDC is calculated, and the HDCED's explanation lists that assumption under `unverified` (send `true` for someone on the register)",
      ),
  })
  .strict();
export type SentencesBody = z.output<typeof SentencesBodySchema>;

/** The key of an episode's list of versions, newest first. */
export const SentenceVersionCursor = keysetCursor(z.object({ version: z.number().int().min(1) }));

export const ListSentenceCalculationsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: SentenceVersionCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListSentenceCalculationsQuery = z.output<typeof ListSentenceCalculationsQuerySchema>;

export interface DateExplanationView {
  ruleId: string;
  citation: string;
  url: string;
  inputs: Record<string, string | number>;
  steps: string[];
  unverified: string[];
}

export interface CalculatedDateView {
  type: CalculatedDateType;
  date: string;
  explanation: DateExplanationView;
}

export interface SentenceCalculationView {
  personId: string;
  episode: number;
  /** Null for a preview: nothing was recorded. */
  version: number | null;
  /** The ETag of this version (send it as If-Match to record the next one); null for a preview. */
  etag: string | null;
  jurisdiction: Jurisdiction;
  /** The day the policy table was read at (UK date of the recording). */
  asAt: string;
  recordedAt: string | null;
  recordedBy: string | null;
  /** What was entered. */
  input: SentencesBody;
  dates: CalculatedDateView[];
  notApplicable: Array<{ type: CalculatedDateType; reason: string }>;
  /** Release-point and HDC policy records that decided a date. */
  policyIds: string[];
  /** Policy records not applied that might concern this person (unverified or not yet in force). */
  warnings: string[];
  /**
   * The date the person is due out by these sentences (CRD in England & Wales, ARD in Scotland;
   * an HDC or parole decision is recorded as a release date change), and the release-day rule's
   * answer for it. Null when no date applies.
   */
  releaseDate: { type: 'CRD' | 'ARD'; date: string; liberation: LiberationDayView | null } | null;
}

/** A preview or a recording: the calculation and what it does (or would do) to the episode's release date. */
export interface SentenceCalculationOutcomeView extends SentenceCalculationView {
  effect: {
    /** The episode's expected release date before. */
    expectedReleaseDateBefore: string;
    /** After (the calculated release date, or unchanged when none applies). */
    expectedReleaseDateAfter: string;
    /** Whether the expected release date moves (a recording then emits custody.release-date.changed). */
    changesExpectedReleaseDate: boolean;
    /**
     * Why a calculated date that differs does not move it: an HDC, parole or early-release decision
     * stands on the date, or the date is the previous version's and was changed since. Null otherwise.
     */
    keptBecause: string | null;
    /**
     * Why an HDC, parole or early-release decision standing on the date was set aside and the date
     * moved to the calculated one: the decision's date is after the calculated release date;
     * (HDC) the new calculation gives no HDCED on or before it; (parole, early release) the
     * decision was made on other sentences: one was added or lengthened since the calculation
     * version recorded with it (a moved CRD/ARD alone, e.g. remand or a new release point, does not).
     * Someone must review the decision. Null otherwise.
     */
    decisionSetAsideBecause: string | null;
    /**
     * Why nothing moves: the calculated date has passed (remand longer than the custodial part, a
     * late recording, a new release point), or the date of a PAROLE or EARLY_RELEASE decision that
     * stands on the expected release date has passed (not HDC: see decisionCaveat), so the person
     * is due for immediate release. A preview says so; a recording is refused (422
     * RELEASE_DUE_NOW); a re-plan skips the person. Null otherwise.
     */
    releaseDueNowBecause: string | null;
    /**
     * A decision standing on the date is kept but needs a look: an HDC date that has passed
     * without a release (HDC is discretionary and is postponed, so nobody is due now on it), or a
     * parole or early-release decision whose sentences are not recorded here (recorded before any
     * calculation, or before the version it was made on was kept). Null otherwise.
     */
    decisionCaveat: string | null;
  };
}

export interface SentenceCalculationPage {
  items: SentenceCalculationView[];
  nextCursor: string | null;
}
