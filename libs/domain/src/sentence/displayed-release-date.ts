import type { LocalDate } from '../calendar/local-date';

/**
 * The release date to show, by the precedence hmpps-resettlement-passport-api uses
 * (vocabulary.md): a confirmed release date, else the approved parole date (APD), else the approved
 * HDC date (HDCAD), else the conditional release date (CRD), else the automatic release date (ARD).
 * Eligibility dates (HDCED, PED) are never displayed as the release date: they are not decisions.
 *
 * Two types are ours, not resettlement-passport's, for dates entered by hand that are not a
 * confirmed release date (review stop 41, M3): `EARLY_RELEASE` (an early-release scheme's date,
 * e.g. a tranche: decided by a scheme, not confirmed by the prison) and `OTHER` (a date of no known
 * type, e.g. a PED or a long-term date given by hand). Being the date in force, they come before
 * the calculated CRD/ARD, after the decisions. `CONFIRMED` is kept for a reason that means a
 * confirmed release date (none yet).
 *
 * `PRRD` (post-recall release date, a recorded official date: recorded-dates.ts) is placed before
 * CRD and ARD, our rule (resettlement-passport's precedence does not list it): a recall follows a
 * release, so the original sentence's CRD/ARD has passed.
 */
export type DisplayedReleaseDateType =
  | 'CONFIRMED'
  | 'APD'
  | 'HDCAD'
  | 'EARLY_RELEASE'
  | 'OTHER'
  | 'PRRD'
  | 'CRD'
  | 'ARD';

export const DISPLAYED_RELEASE_DATE_PRECEDENCE: readonly DisplayedReleaseDateType[] = [
  'CONFIRMED',
  'APD',
  'HDCAD',
  'EARLY_RELEASE',
  'OTHER',
  'PRRD',
  'CRD',
  'ARD',
];

export type ReleaseDateCandidates = Partial<Record<DisplayedReleaseDateType, LocalDate | null>>;

export interface DisplayedReleaseDate {
  readonly type: DisplayedReleaseDateType;
  readonly date: LocalDate;
}

/** The first present date in precedence order, or null when there is none. */
export function displayedReleaseDate(candidates: ReleaseDateCandidates): DisplayedReleaseDate | null {
  for (const type of DISPLAYED_RELEASE_DATE_PRECEDENCE) {
    const date = candidates[type];
    if (date) return { type, date };
  }
  return null;
}
