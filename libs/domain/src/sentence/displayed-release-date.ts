import type { LocalDate } from '../calendar/local-date';

/**
 * The release date to show, by the precedence hmpps-resettlement-passport-api uses
 * (vocabulary.md): a confirmed release date, else the approved parole date (APD), else the approved
 * HDC date (HDCAD), else the conditional release date (CRD), else the automatic release date (ARD).
 * Eligibility dates (HDCED, PED) are never displayed as the release date: they are not decisions.
 */
export type DisplayedReleaseDateType = 'CONFIRMED' | 'APD' | 'HDCAD' | 'CRD' | 'ARD';

export const DISPLAYED_RELEASE_DATE_PRECEDENCE: readonly DisplayedReleaseDateType[] = [
  'CONFIRMED',
  'APD',
  'HDCAD',
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
