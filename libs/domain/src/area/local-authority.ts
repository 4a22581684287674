import type { Jurisdiction } from '@throughcare/contracts';

import type { PlanningIssue } from '../planning/planning-range';

/**
 * The 32 Scottish council areas by their current ONS/GSS codes (S12, as the directory seeds them).
 * Codes terminated in 2018-2019 (Fife S12000015, Perth and Kinross S12000024, Glasgow S12000046,
 * North Lanarkshire S12000044) are not in it: upstream systems send the current ones.
 */
export const SCOTTISH_COUNCIL_CODES: readonly string[] = [
  'S12000005',
  'S12000006',
  'S12000008',
  'S12000010',
  'S12000011',
  'S12000013',
  'S12000014',
  'S12000017',
  'S12000018',
  'S12000019',
  'S12000020',
  'S12000021',
  'S12000023',
  'S12000026',
  'S12000027',
  'S12000028',
  'S12000029',
  'S12000030',
  'S12000033',
  'S12000034',
  'S12000035',
  'S12000036',
  'S12000038',
  'S12000039',
  'S12000040',
  'S12000041',
  'S12000042',
  'S12000045',
  'S12000047',
  'S12000048',
  'S12000049',
  'S12000050',
];
const SCOTTISH = new Set(SCOTTISH_COUNCIL_CODES);

/**
 * GSS entity codes of the councils a person can live in: English unitary authorities (E06),
 * non-metropolitan districts (E07), metropolitan districts (E08) and London boroughs (E09);
 * Welsh unitary authorities (W06); Scottish councils (S12). No full English or Welsh list is
 * carried, so those are checked by shape.
 */
const ENGLISH_AUTHORITY = /^E0[6-9]\d{6}$/;
const WELSH_AUTHORITY = /^W06\d{6}$/;
const SCOTTISH_COUNCIL = /^S12\d{6}$/;

/**
 * Whether `code` is a home local authority the journey can be planned for in `jurisdiction`:
 * a known Scottish council for SCOTLAND, an English or Welsh authority code for
 * ENGLAND_AND_WALES. Whether an agency serves it is the directory's business, not this check's.
 * Undefined codes are skipped; [] when fine.
 */
export function localAuthorityIssues(
  jurisdiction: Jurisdiction,
  field: string,
  code: string | undefined,
): PlanningIssue[] {
  if (code === undefined) return [];
  const scottish = SCOTTISH_COUNCIL.test(code);
  const englishOrWelsh = ENGLISH_AUTHORITY.test(code) || WELSH_AUTHORITY.test(code);
  if (!scottish && !englishOrWelsh) {
    return [
      {
        field,
        message: `${field} "${code}" is not a local-authority GSS code: Scottish councils are S12…, English authorities E06…, E07…, E08… or E09…, Welsh ones W06… (e.g. S12000036, City of Edinburgh)`,
      },
    ];
  }
  if (jurisdiction === 'SCOTLAND' && englishOrWelsh) {
    return [
      { field, message: `${field} ${code} is an English or Welsh authority, outside jurisdiction SCOTLAND` },
    ];
  }
  if (jurisdiction === 'ENGLAND_AND_WALES' && scottish) {
    return [
      { field, message: `${field} ${code} is a Scottish council, outside jurisdiction ENGLAND_AND_WALES` },
    ];
  }
  if (scottish && !SCOTTISH.has(code)) {
    return [
      {
        field,
        message: `${field} ${code} is not one of the 32 current Scottish council codes (S12000005 to S12000050)`,
      },
    ];
  }
  return [];
}
