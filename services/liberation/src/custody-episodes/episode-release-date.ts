import type { Jurisdiction, ReleaseDateChangeReason } from '@throughcare/contracts';
import {
  displayedReleaseDate,
  type DisplayedReleaseDate,
  type DisplayedReleaseDateType,
  type ReleaseDateCandidates,
} from '@throughcare/domain';

// Issue 10: which release date the episode shows, and of what type, by the precedence of
// `displayedReleaseDate` (confirmed › APD › HDCAD › early release › other › CRD › ARD), from what
// the episode holds.

/** The release date a sentence calculation gives: the CRD (England and Wales) or the ARD (Scotland). */
export interface CalculatedReleaseDate {
  type: 'CRD' | 'ARD';
  date: string;
}

/** The release date recorded official dates give: their PRRD, else CRD, else ARD (recorded-dates.ts). */
export interface RecordedReleaseDate {
  type: 'PRRD' | 'CRD' | 'ARD';
  date: string;
}

/** The type of date a sentence calculation gives in a jurisdiction (the calculator's `releaseDate`). */
export const CALCULATED_RELEASE_DATE_TYPE: Readonly<Record<Jurisdiction, CalculatedReleaseDate['type']>> = {
  ENGLAND_AND_WALES: 'CRD',
  SCOTLAND: 'ARD',
};

/**
 * The type of date a release-date change sets, by its reason. Exhaustive: a new reason fails
 * compilation here until it is mapped.
 * - HDC_APPROVED: the approved HDC date (HDCAD).
 * - PAROLE: the approved parole date (APD).
 * - EARLY_RELEASE: an early-release scheme's date (e.g. a tranche), entered by hand: its own type,
 *   not a confirmed release date (review stop 41, M3).
 * - OTHER: a date of no known type entered by hand (it may be a PED or a long-term date): `OTHER`,
 *   never shown as a confirmed release date.
 * - RECALCULATION: a sentence calculation's date (or an upstream system's recalculation), the CRD
 *   in England and Wales, the ARD in Scotland; a change a recording of official dates made, the
 *   type of the recorded date it moved to (PRRD, CRD or ARD), kept on the change: typed by what
 *   wrote it, not by the latest recording (review stop 42, N5); any other RECALCULATION while a
 *   recording gives a release date takes that date's type (it replaces the recorded date).
 */
export function releaseDateTypeOfChange(
  reason: ReleaseDateChangeReason,
  jurisdiction: Jurisdiction,
  recordedType?: RecordedReleaseDate['type'],
): DisplayedReleaseDateType {
  switch (reason) {
    case 'HDC_APPROVED':
      return 'HDCAD';
    case 'PAROLE':
      return 'APD';
    case 'EARLY_RELEASE':
      return 'EARLY_RELEASE';
    case 'OTHER':
      return 'OTHER';
    case 'RECALCULATION':
      return recordedType ?? CALCULATED_RELEASE_DATE_TYPE[jurisdiction];
    default: {
      const unmapped: never = reason;
      throw new Error(`release-date change reason not mapped to a date type: ${String(unmapped)}`);
    }
  }
}

/**
 * The release date the episode shows and its type: the latest release-date change (its date, typed
 * by its reason), else the recorded official release date (PRRD/CRD/ARD), else the latest sentence
 * calculation's CRD/ARD, chosen by the precedence of `displayedReleaseDate`. Null when the episode
 * holds none: a date given only at reception is of no known type (still the `expectedReleaseDate`).
 *
 * Recorded over calculated (README "Recorded sentence dates"): a recorded release date replaces
 * the calculated one whatever their types. It is the official calculation (the prison's own
 * system, or a decision) for a sentence this platform does not calculate or calculates only as a
 * planning aid; keeping the calculated date beside it would let the precedence show a CRD the
 * official calculation does not give (e.g. a calculated CRD over a recorded ARD). The calculated
 * date stays recorded with its explanation (GET …/sentence-calculations/current) and is shown
 * beside it (`releaseDateSources`).
 */
export function displayedReleaseDateOf(
  jurisdiction: Jurisdiction,
  latestChange:
    | {
        reason: ReleaseDateChangeReason;
        expectedReleaseDate: string;
        recordedReleaseDateType?: RecordedReleaseDate['type'] | null;
      }
    | undefined,
  calculated: CalculatedReleaseDate | null,
  recorded: RecordedReleaseDate | null = null,
): DisplayedReleaseDate | null {
  const candidates: ReleaseDateCandidates = {};
  const official = recorded ?? calculated;
  if (official) candidates[official.type] = official.date;
  // The latest change is the date in force: it replaces a calculated or recorded date of the same type.
  if (latestChange)
    candidates[
      // Typed by what wrote it (a recording keeps its type on the change: review stop 42, N5);
      // another RECALCULATION while official dates stand (by hand, upstream) replaces the recorded
      // date and takes its type, as the recorded calculation in force (review stop 43, M1).
      releaseDateTypeOfChange(
        latestChange.reason,
        jurisdiction,
        latestChange.recordedReleaseDateType ?? recorded?.type,
      )
    ] = latestChange.expectedReleaseDate;
  return displayedReleaseDate(candidates);
}
