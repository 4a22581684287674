import { z } from 'zod';
import { IsoDate, type Jurisdiction } from '@throughcare/contracts';
import {
  RECORDED_BECAUSE,
  RECORDED_DATE_SOURCES,
  RECORDED_DATE_TYPES,
  type RecordedBecause,
  type RecordedDateExplanation,
  type RecordedDateSource,
  type RecordedDateType,
  type RecordedReleaseType,
} from '@throughcare/domain';
import { VersionCursor } from './version-pages';

// Issue 10, recorded dates: official sentence dates this platform does not calculate, recorded by
// prison staff with their source (README "Recorded sentence dates").

export const RecordedDateSchema = z
  .object({
    type: z
      .enum(RECORDED_DATE_TYPES)
      .describe(
        'calculate-release-dates-api ReleaseDateType (vocabulary.md). APD and HDCAD are decisions: record them as a release-date change (reason PAROLE or HDC_APPROVED). A Scottish long-term non-parole (two-thirds or six-months-before-the-end) release on licence is recorded as the CRD',
      ),
    date: IsoDate,
    source: z
      .enum(RECORDED_DATE_SOURCES)
      .describe(
        "ESTABLISHMENT_CALCULATION: the establishment's own calculation system; PAROLE_BOARD: a Parole Board decision; COURT_ORDER: the court's order; OTHER (sourceReference required)",
      ),
    sourceReference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(
        "What the source calls it (e.g. the calculation's reference, the decision's date); no personal data",
      ),
  })
  .strict();

export const RecordedDatesBodySchema = z
  .object({
    recordedBecause: z
      .enum(RECORDED_BECAUSE)
      .describe(
        "Why the dates are recorded rather than calculated: a sentence this platform does not calculate (its jurisdiction must be the episode's), or OFFICIAL_CALCULATION: the prison's own calculation is the official one (its release date then takes precedence over this platform's calculation)",
      ),
    dates: z
      .array(RecordedDateSchema)
      .min(1)
      .max(RECORDED_DATE_TYPES.length)
      .describe(
        'Every official date of the current calculation, each type once: a new recording replaces the whole set',
      ),
  })
  .strict();
export type RecordedDatesBody = z.output<typeof RecordedDatesBodySchema>;

export const ListRecordedDatesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: VersionCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListRecordedDatesQuery = z.output<typeof ListRecordedDatesQuerySchema>;

export interface RecordedDateView {
  type: RecordedDateType;
  date: string;
  source: RecordedDateSource;
  sourceReference: string | null;
  /** Recorded, not calculated: with its source, who recorded it and when. */
  explanation: RecordedDateExplanation;
}

export interface RecordedDatesView {
  personId: string;
  episode: number;
  version: number;
  /** Send as If-Match to record the next version. */
  etag: string;
  jurisdiction: Jurisdiction;
  recordedBecause: RecordedBecause;
  recordedAt: string;
  recordedBy: string;
  dates: RecordedDateView[];
  /** The release date these dates give (PRRD, else CRD, else ARD); null when none (e.g. only a PED). */
  releaseDate: { type: RecordedReleaseType; date: string } | null;
  /**
   * The current sentence calculation's release date, when one is recorded: kept with its
   * explanation (GET …/sentence-calculations/{version}), and overridden by `releaseDate` when this
   * gives one (the recorded official date takes precedence). Null when there is none.
   */
  calculatedReleaseDate: { type: 'CRD' | 'ARD'; date: string; sentenceCalculationVersion: number } | null;
}

export interface RecordedDatesOutcomeView extends RecordedDatesView {
  effect: {
    expectedReleaseDateBefore: string;
    expectedReleaseDateAfter: string;
    /** Whether the expected release date moved (custody.release-date.changed, reason RECALCULATION). */
    changesExpectedReleaseDate: boolean;
    /** Why a release date that differs did not move it (a decision stands on it; or the same date as the previous version's, changed since). */
    keptBecause: string | null;
    /** Why an HDC, parole or early-release decision on the date was set aside (its date is after the official release point, or an HDC date before the recorded HDCED). */
    decisionSetAsideBecause: string | null;
  };
}

export interface RecordedDatesPage {
  items: RecordedDatesView[];
  nextCursor: string | null;
}
