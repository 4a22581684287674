import type { Jurisdiction } from '@throughcare/contracts';
import { isBankHoliday } from '../calendar/bank-holidays';
import { addDays, dayOfWeek, isWeekend, type LocalDate } from '../calendar/local-date';
import { isWorkingDay, previousWorkingDay } from '../calendar/working-days';
import { scottishLiberation } from './liberation-date';

/**
 * Release-day rules (issue 10): the day a person due for release on a given day actually leaves,
 * by jurisdiction and by the rule in force on that day, each answer with the rule, its source and
 * the discretion the law gives to release earlier.
 *
 * - England & Wales, Criminal Justice Act 1961 s.23(3) (as amended by LASPO 2012 Sch.10 para 2):
 *   a release that would fall on a day that is not a working day (a Saturday, a Sunday, Christmas
 *   Day, Good Friday or a bank holiday) takes place on the last preceding working day. The
 *   Offenders (Day of Release from Detention) Act 2023 s.1 inserted s.23(3B)–(3D), in force
 *   12 December 2023 (S.I. 2023/1329 reg.2): a release that would fall on a working day followed by
 *   a day that is not one (a Friday, or the day before a bank holiday) may be brought forward by
 *   up to two working days, to an "eligible working day" (a working day not followed by a
 *   non-working day). HMPPS's Friday release policy framework (from 30 November 2023) presumes one
 *   working day earlier for adults who have served at least 28 days from sentence (not on HDC,
 *   not indeterminate, not released by the Parole Board), and a second on the community offender
 *   manager's application for resettlement needs. That presumption needs the sentence record, so
 *   the answer gives the window (`discretion`) and the statutory day, not the presumed one.
 *   Not modelled: the special rule for sentences of 5 days or less (a written answer of 2018 says
 *   those are released on the Saturday; its provision was not found here).
 * - Scotland, Prisoners and Criminal Proceedings (Scotland) Act 1993 s.27(7) as enacted: a release
 *   due on a Saturday, a Sunday or a public holiday is brought forward to the last preceding day
 *   which is none of those. The Bail and Release from Custody (Scotland) Act 2023 s.8 substitutes
 *   the Friday / day-before-a-holiday / Thursday rule of `liberation-date.ts`, but s.8 is
 *   prospective: it commences by regulations under s.18(2), and none commencing it were found
 *   (legislation.gov.uk shows it "not in force"; SSI 2025/52 commences ss.1-4 only). So the 1993
 *   rule governs, and the s.8 commencement is policy data (`SCOTTISH_S8_COMMENCES_ON`, null until
 *   it is known). The 1993 Act s.26C (inserted by the Prisoners (Control of Release) (Scotland) Act
 *   2015 s.2, in force 1 February 2016, SSI 2015/409) lets the Scottish Ministers bring a release
 *   forward by up to 2 days for re-integration, not for a sentence of less than 15 days.
 *
 * Public holidays are the bank holidays of the jurisdiction's calendar. England & Wales: s.23(3)
 * names the bank holidays in England and Wales, so the area released to does not change them.
 * Scotland: the 1993 Act's "public holiday" (described in s.27(8), whose text was not read here)
 * is read as the holidays of the area the person is likely to be in on release (so the Custodial
 * Sentences and Weapons (Scotland) Act 2007's explanatory notes, para 98, read the same term). The
 * platform plans a person only where their home area is in the prison's jurisdiction (a home area
 * across the border is refused at reception, `localAuthorityIssues`), so the jurisdiction's bank
 * holidays are the area's; its local holidays (they vary by council) are not in the calendar, and
 * each answer says so (`caveats`).
 *
 * A release that has happened is never moved: callers pass the day it happened, not a due day
 * (the journey does since v3).
 */

export type ReleaseDayRuleId = 'SCOTLAND_1993_S27_7' | 'SCOTLAND_2023_S8' | 'ENGLAND_AND_WALES_1961_S23_3';

export interface ReleaseDayRule {
  readonly id: ReleaseDayRuleId;
  readonly jurisdiction: Jurisdiction;
  /**
   * The first day a release may be due for the rule to govern it; null: from the start of the
   * records, or, for a rule that replaces another (`replaces`), not commenced.
   */
  readonly inForceFrom: LocalDate | null;
  /** The rule this one substitutes from its commencement. */
  readonly replaces?: ReleaseDayRuleId;
  readonly source: string;
  readonly url: string;
  /** What could not be verified about it, if anything. */
  readonly unverified?: string;
}

/**
 * The release-day rules as policy data, per jurisdiction in order of commencement.
 *
 * Scotland's s.8 is not known to be in force (legislation.gov.uk shows it as prospective; the
 * commencement regulations found, SSI 2025/52, commence ss.1–4): the 1993 rule governs every
 * Scottish release, and `inForceFrom` of s.8 stays null (not commenced). Journeys before
 * `scotland-release-day-1` applied s.8 throughout (the planner's patch). When the commencement is
 * known, set `SCOTTISH_S8_COMMENCES_ON` behind a new journey patch: it moves the liberation dates
 * of running journeys due from it.
 */
export const RELEASE_DAY_RULES: readonly ReleaseDayRule[] = [
  {
    id: 'SCOTLAND_1993_S27_7',
    jurisdiction: 'SCOTLAND',
    inForceFrom: null,
    source:
      'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.27(7), before its substitution by the 2023 Act s.8',
    url: 'https://www.legislation.gov.uk/ukpga/1993/9/section/27',
  },
  {
    id: 'SCOTLAND_2023_S8',
    jurisdiction: 'SCOTLAND',
    inForceFrom: null,
    source:
      'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.27(7)-(7B), as substituted by the Bail and Release from Custody (Scotland) Act 2023 s.8',
    url: 'https://www.legislation.gov.uk/asp/2023/4/section/8',
    replaces: 'SCOTLAND_1993_S27_7',
    unverified:
      'not known to be in force: of the commencement regulations under s.18(2) only SSI 2025/52 (No. 2, ss.1-4) was read; No. 1 and any later ones were not, and the legislation.gov.uk copy seen here predates SSI 2025/52 (it still shows ss.1-4 as prospective), so it is no evidence either way; journeys before scotland-release-day-1 applied s.8 throughout',
  },
  {
    id: 'ENGLAND_AND_WALES_1961_S23_3',
    jurisdiction: 'ENGLAND_AND_WALES',
    inForceFrom: null,
    source:
      'Criminal Justice Act 1961 s.23(3) (as amended by LASPO 2012 Sch.10 para 2), with s.23(3B)-(3D) inserted by the Offenders (Day of Release from Detention) Act 2023 s.1 from 2023-12-12 (S.I. 2023/1329)',
    url: 'https://www.legislation.gov.uk/ukpga/Eliz2/9-10/39/section/23',
    unverified:
      "a sentence of 5 days or less is not moved (s.23(3) as a reviewer of this module read it, and a 2018 written answer's Saturday release); the provision's text was not seen here, and where the sentence length is not given the move is applied",
  },
];

/** When s.8 governs Scottish releases due on or after it; null: not commenced, the 1993 rule throughout. */
export const SCOTTISH_S8_COMMENCES_ON: LocalDate | null = null;

/** CJA 1961 s.23(3): a sentence of this many days or fewer is not brought forward (see the rule's `unverified`). */
export const EW_SHORT_SENTENCE_MAX_DAYS = 5;

/** The Offenders (Day of Release from Detention) Act 2023 s.1 discretion: from 12 December 2023. */
export const EW_DAY_OF_RELEASE_DISCRETION_FROM: LocalDate = '2023-12-12';

/** The 1993 Act s.26C discretion (2015 Act s.2): from 1 February 2016. */
export const SCOTTISH_REINTEGRATION_DISCRETION_FROM: LocalDate = '2016-02-01';
/**
 * The Management of Offenders (Scotland) Act 2019 s.49 (in force 11 October 2019, SSI 2019/309)
 * made s.26C(3)'s "2 days" 2 **working days**: days other than a Saturday, a Sunday or a public
 * holiday as described in s.27(8) (https://www.legislation.gov.uk/asp/2019/14/section/49).
 */
export const SCOTTISH_REINTEGRATION_WORKING_DAYS_FROM: LocalDate = '2019-10-11';

export interface ReleaseDayDiscretion {
  /** The earliest day the release may lawfully be brought forward to (it may be any eligible day from it up to `liberationDate`). */
  readonly earliest: LocalDate;
  readonly source: string;
  /** Who decides and on what condition, in words. */
  readonly condition: string;
}

export interface ReleaseDay {
  readonly jurisdiction: Jurisdiction;
  /** The day the person would otherwise fall to be released. */
  readonly dueDate: LocalDate;
  /** The day the rule gives. */
  readonly liberationDate: LocalDate;
  readonly rule: ReleaseDayRule;
  /** Why it moved, or that it did not, in words. */
  readonly explanation: string;
  /** How much earlier the law lets the release be brought forward, where it does. */
  readonly discretion: ReleaseDayDiscretion | null;
  /** What the answer assumed that the caller may know better (local holidays, a missing sentence length). */
  readonly caveats: readonly string[];
}

export interface ReleaseDayOptions {
  /** The s.8 commencement to apply (default `SCOTTISH_S8_COMMENCES_ON`); null: not commenced. */
  readonly scottishS8CommencesOn?: LocalDate | null;
  /**
   * The sentence's length in days, where known: s.26C does not apply under 15 days; in England &
   * Wales a sentence of 5 days or less is not brought forward.
   */
  readonly sentenceDays?: number;
}

const ruleOf = (id: ReleaseDayRuleId): ReleaseDayRule => RELEASE_DAY_RULES.find((r) => r.id === id)!;

const WEEKDAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const named = (date: LocalDate) => `${WEEKDAYS[dayOfWeek(date)]} ${date}`;

/** The day a person due for release on `dueDate` leaves, by the rule in force for that day. */
export function releaseDay(
  jurisdiction: Jurisdiction,
  dueDate: LocalDate,
  options: ReleaseDayOptions = {},
): ReleaseDay {
  return jurisdiction === 'SCOTLAND'
    ? scottishReleaseDay(dueDate, options)
    : englandAndWalesReleaseDay(dueDate, options.sentenceDays);
}

const LOCAL_HOLIDAYS_CAVEAT =
  "public holidays are the jurisdiction's bank holidays: local holidays of the area the person is released to are not in the calendar";

function englandAndWalesReleaseDay(dueDate: LocalDate, sentenceDays: number | undefined): ReleaseDay {
  const rule = ruleOf('ENGLAND_AND_WALES_1961_S23_3');
  const caveats = [LOCAL_HOLIDAYS_CAVEAT];
  const working = isWorkingDay('ENGLAND_AND_WALES', dueDate);
  const short = sentenceDays !== undefined && sentenceDays <= EW_SHORT_SENTENCE_MAX_DAYS;
  if (!working && sentenceDays === undefined)
    caveats.push(
      `the sentence length was not given: taken to be more than ${EW_SHORT_SENTENCE_MAX_DAYS} days (a shorter one is not brought forward)`,
    );
  const liberationDate = working || short ? dueDate : previousWorkingDay('ENGLAND_AND_WALES', dueDate);
  const explanation = working
    ? `${named(dueDate)} is a working day: released that day (s.23(3) moves only a release due on a non-working day)`
    : short
      ? `${named(dueDate)} is not a working day, but a sentence of ${sentenceDays} days (${EW_SHORT_SENTENCE_MAX_DAYS} or fewer) is not brought forward: released that day`
      : `${named(dueDate)} is not a working day (${isWeekend(dueDate) ? 'a weekend' : 'a bank holiday'}): s.23(3) brings the release forward to the last preceding working day, ${named(liberationDate)}`;
  return {
    jurisdiction: 'ENGLAND_AND_WALES',
    dueDate,
    liberationDate,
    rule,
    explanation,
    discretion:
      short || !isWorkingDay('ENGLAND_AND_WALES', liberationDate)
        ? null
        : englandAndWalesDiscretion(liberationDate),
    caveats,
  };
}

/**
 * s.23(3B)-(3D): a release falling on a working day followed by a non-working day may be brought
 * forward to an eligible working day (not itself followed by a non-working day) up to two working
 * days earlier.
 */
function englandAndWalesDiscretion(liberationDate: LocalDate): ReleaseDayDiscretion | null {
  const EW = 'ENGLAND_AND_WALES';
  if (liberationDate < EW_DAY_OF_RELEASE_DISCRETION_FROM) return null;
  const eligible = (day: LocalDate) => isWorkingDay(EW, day) && isWorkingDay(EW, addDays(day, 1));
  if (isWorkingDay(EW, addDays(liberationDate, 1))) return null;
  const oneBefore = previousWorkingDay(EW, liberationDate);
  const twoBefore = previousWorkingDay(EW, oneBefore);
  const earliest = eligible(twoBefore) ? twoBefore : eligible(oneBefore) ? oneBefore : null;
  if (earliest === null) return null;
  return {
    earliest,
    source:
      'Criminal Justice Act 1961 s.23(3B)-(3D) (Offenders (Day of Release from Detention) Act 2023 s.1)',
    condition:
      'the Secretary of State (the governor) may direct release on an eligible working day up to two working days earlier; the HMPPS Friday release policy framework presumes one working day earlier for adults who have served at least 28 days from sentence (not on HDC, not indeterminate, not released by the Parole Board), and a second on the community offender manager’s application for resettlement needs',
  };
}

/** The 1993 Act s.27(7) before 2023: a Saturday, Sunday or public holiday goes to the last preceding day that is none of them. */
function isWeekendOrPublicHoliday(date: LocalDate): boolean {
  return isWeekend(date) || isBankHoliday('SCOTLAND', date);
}

function scottishReleaseDay(dueDate: LocalDate, options: ReleaseDayOptions): ReleaseDay {
  const commencesOn =
    options.scottishS8CommencesOn === undefined ? SCOTTISH_S8_COMMENCES_ON : options.scottishS8CommencesOn;
  const s8 = commencesOn !== null && dueDate >= commencesOn;
  let liberationDate: LocalDate;
  let explanation: string;
  if (s8) {
    const moved = scottishLiberation(dueDate);
    liberationDate = moved.liberationDate;
    explanation =
      moved.adjustment === 'NONE'
        ? `${named(dueDate)} is neither an excepted day (a Friday, weekend, public holiday or the day before one) nor a Thursday: released that day`
        : moved.adjustment === 'EXCEPTED_DAY'
          ? `${named(dueDate)} is an excepted day (s.27(7B)(a)): brought forward to the last preceding day that is not one, ${named(liberationDate)} (a Thursday reached this way stays, s.27(7A))`
          : `${named(dueDate)} is an ordinary Thursday (s.27(7)(b)): brought forward to the last preceding day that is neither excepted nor a Thursday, ${named(liberationDate)}`;
  } else {
    let day = dueDate;
    while (isWeekendOrPublicHoliday(day)) day = addDays(day, -1);
    liberationDate = day;
    explanation =
      day === dueDate
        ? `${named(dueDate)} is not a Saturday, Sunday or public holiday: released that day (s.27(7) as enacted; ${s8From(commencesOn)})`
        : `${named(dueDate)} is a Saturday, Sunday or public holiday: s.27(7) as enacted brings the release forward to the last preceding day that is none of them, ${named(day)} (${s8From(commencesOn)})`;
  }
  return {
    jurisdiction: 'SCOTLAND',
    dueDate,
    liberationDate,
    rule: ruleOf(s8 ? 'SCOTLAND_2023_S8' : 'SCOTLAND_1993_S27_7'),
    explanation,
    discretion: scottishDiscretion(liberationDate, options.sentenceDays),
    caveats: [LOCAL_HOLIDAYS_CAVEAT, ...s8Caveat(dueDate, liberationDate, s8)],
  };
}

/**
 * Where the 1993 rule and s.8 answer differ, the answer says so: s.8's commencement is unverified
 * (see the rule's `unverified`), and staff should confirm it before relying on the date.
 */
function s8Caveat(dueDate: LocalDate, liberationDate: LocalDate, s8: boolean): string[] {
  if (s8) return [];
  const underS8 = scottishLiberation(dueDate).liberationDate;
  return underS8 === liberationDate
    ? []
    : [
        `if s.8 of the Bail and Release from Custody (Scotland) Act 2023 has commenced, the release is brought forward to ${named(underS8)}: its commencement is unverified here (only SSI 2025/52, commencing ss.1-4, was read); confirm it before relying on this date`,
      ];
}

const s8From = (commencesOn: LocalDate | null) =>
  commencesOn === null
    ? 's.8 of the 2023 Act, the Friday and Thursday rule, is not in force'
    : `s.8 of the 2023 Act governs releases due from ${commencesOn}`;

/** s.26C: up to 2 days earlier for re-integration (not a sentence of less than 15 days). */
function scottishDiscretion(
  liberationDate: LocalDate,
  sentenceDays: number | undefined,
): ReleaseDayDiscretion | null {
  if (liberationDate < SCOTTISH_REINTEGRATION_DISCRETION_FROM) return null;
  if (sentenceDays !== undefined && sentenceDays < 15) return null;
  // s.26C(3): "by more than 2 days" as enacted, 2 working days since the 2019 Act s.49 (a Saturday,
  // Sunday or public holiday is not counted), counted back from the day s.27(7) gives (s.26C(4)).
  // Which day within the window is chosen is the Ministers' (the prison's) operational call.
  const workingDays = liberationDate >= SCOTTISH_REINTEGRATION_WORKING_DAYS_FROM;
  const back = (day: LocalDate) => {
    let d = addDays(day, -1);
    while (isWeekendOrPublicHoliday(d)) d = addDays(d, -1);
    return d;
  };
  return {
    earliest: workingDays ? back(back(liberationDate)) : addDays(liberationDate, -2),
    source: workingDays
      ? 'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.26C (Prisoners (Control of Release) (Scotland) Act 2015 s.2), 2 working days since the Management of Offenders (Scotland) Act 2019 s.49 (from 11 October 2019)'
      : 'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.26C (Prisoners (Control of Release) (Scotland) Act 2015 s.2), 2 days as enacted',
    condition: `the Scottish Ministers may bring the release forward by up to 2 ${workingDays ? 'working days' : 'days'} where it would be better for the person’s re-integration into the community${sentenceDays === undefined ? ' (not for a sentence of less than 15 days; the sentence length was not given)' : ''}`,
  };
}
