import type { Jurisdiction } from '@throughcare/contracts';
import type { LocalDate } from '../calendar/local-date';
import type { Rational } from './rational';

/**
 * Release points and HDC windows as append-only policy data (issue 10).
 *
 * A record is never edited once released (libs/domain/src/released-data.spec.ts locks what each
 * one decides; its `source` prose may be corrected). A change in the law is a NEW record with its
 * own `inForceFrom`. The calculation takes the table as an argument, so a bulk re-plan can compute
 * old and new dates for a cohort by passing two tables (e.g. without and with a new record).
 *
 * `commencement`:
 * - `BASELINE`: the rule in force before the first change recorded here (`inForceFrom` is the date
 *   the rule began, where verified, or null);
 * - `VERIFIED`: `inForceFrom` was read in the instrument or an official notice (see `source`);
 * - `UNVERIFIED`: the change exists but its commencement date was not found. Such a record is NEVER
 *   applied; every calculation it could concern carries a warning naming it. To apply it, add a new
 *   record with the verified date (do not edit this one).
 */

/** Offence facts the release rules turn on. Each names the statutory list it stands for. */
export type OffenceCategory =
  /** Scotland: an offence listed in paras 36–60 of Sch.3 to the Sexual Offences Act 2003 (1993 Act s.1(1ZA)(a)). */
  | 'SCOTLAND_SEXUAL_SOA2003_SCH3'
  /** Scotland: a "domestic abuse offence" (1993 Act s.1(1ZA)(b); includes the statutory aggravation). */
  | 'SCOTLAND_DOMESTIC_ABUSE'
  /** England & Wales: an offence listed in the Schedule to S.I. 2024/844 (as amended by S.I. 2024/1331): sexual, stalking, coercive control, strangulation, breach of protective orders, national security … */
  | 'EW_SDS40_SCHEDULE_OFFENCE'
  /** England & Wales: an offence in Part 1 of Sch.15 to the Criminal Justice Act 2003 (violent). */
  | 'EW_SCH15_PART1_VIOLENT'
  /** England & Wales: the sentence is an SDS+ (two-thirds release, CJA 2003 s.244ZA): refused. */
  | 'EW_SDS_PLUS'
  /** Either jurisdiction: a terrorist prisoner (1993 Act s.1AB; CJA 2003 s.247A): refused. */
  | 'TERRORISM';

/** Every offence category, for input schemas (the type check below keeps the list complete). */
export const OFFENCE_CATEGORIES = [
  'SCOTLAND_SEXUAL_SOA2003_SCH3',
  'SCOTLAND_DOMESTIC_ABUSE',
  'EW_SDS40_SCHEDULE_OFFENCE',
  'EW_SCH15_PART1_VIOLENT',
  'EW_SDS_PLUS',
  'TERRORISM',
] as const satisfies readonly OffenceCategory[];
const everyOffenceCategoryListed: Exclude<OffenceCategory, (typeof OFFENCE_CATEGORIES)[number]> extends never
  ? true
  : never = true;
void everyOffenceCategoryListed;

export type SentenceClass = 'SCOTLAND_SHORT_TERM' | 'ENGLAND_AND_WALES_SDS';

export interface PolicySource {
  readonly citation: string;
  readonly url: string;
  /** What could not be verified, in words. */
  readonly unverified?: string;
}

/** Which sentences a change of release point reaches. */
export type ReleasePointApplicability =
  /**
   * Everyone serving a sentence of the class when it commences (not yet released under the older
   * point) and everyone sentenced afterwards. Nobody is released before the commencement day.
   */
  | { readonly kind: 'ALL_SERVING' }
  /**
   * As ALL_SERVING, except that a sentence imposed before `inForceFrom` which is not "relevant"
   * (some term of 5 years or more: S.I. 2024/844 art.1(2), 2(2)) is reached only from `laterFrom`.
   */
  | {
      readonly kind: 'ALL_SERVING_STAGGERED';
      readonly laterFrom: LocalDate;
      readonly relevantIfEveryTermUnderYears: number;
    }
  /** Only sentences imposed on or after `inForceFrom`. */
  | { readonly kind: 'SENTENCED_ON_OR_AFTER' };

export interface OffenceExclusion {
  readonly category: OffenceCategory;
  /** Excluded only when that sentence's own term is at least this many years (e.g. 4). */
  readonly onlyIfTermAtLeastYears?: number;
}

export interface ReleasePointPolicy {
  readonly id: string;
  readonly version: number;
  readonly jurisdiction: Jurisdiction;
  readonly sentenceClass: SentenceClass;
  /** Automatic (Scotland: unconditional) or conditional (E&W: on licence) release after serving this proportion. */
  readonly proportion: Rational;
  readonly inForceFrom: LocalDate | null;
  readonly commencement: 'BASELINE' | 'VERIFIED' | 'UNVERIFIED';
  readonly appliesTo: ReleasePointApplicability;
  /** Sentences for these offences stay at the previous point (the record does not reach them). */
  readonly excludedOffenceCategories: readonly OffenceExclusion[];
  readonly source: PolicySource;
  /**
   * Made law by an applied re-plan (the liberation service's adopted records): applied from its
   * own `inForceFrom` to every release it reaches on or after that day (`appliesTo`), even when
   * the calculation reads the table as it stands before then. Other records are applied only once
   * in force on `asAt`.
   */
  readonly adopted?: boolean;
}

export const RELEASE_POINT_POLICIES: readonly ReleasePointPolicy[] = [
  {
    id: 'SCOTLAND_ST_HALF_1993',
    version: 1,
    jurisdiction: 'SCOTLAND',
    sentenceClass: 'SCOTLAND_SHORT_TERM',
    proportion: { num: 1, den: 2 },
    inForceFrom: '1993-10-01',
    commencement: 'BASELINE',
    appliesTo: { kind: 'ALL_SERVING' },
    excludedOffenceCategories: [],
    source: {
      citation:
        'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.1(1) (short-term prisoner released unconditionally on serving one-half); s.1 in force 1 October 1993 (1993 commencement order, per HL written answer 7 Nov 1995)',
      url: 'https://www.legislation.gov.uk/ukpga/1993/9/section/1',
    },
  },
  {
    id: 'SCOTLAND_ST_TWO_FIFTHS_2025',
    version: 1,
    jurisdiction: 'SCOTLAND',
    sentenceClass: 'SCOTLAND_SHORT_TERM',
    proportion: { num: 2, den: 5 },
    inForceFrom: '2025-02-11',
    commencement: 'VERIFIED',
    appliesTo: { kind: 'ALL_SERVING' },
    excludedOffenceCategories: [
      { category: 'SCOTLAND_SEXUAL_SOA2003_SCH3' },
      { category: 'SCOTLAND_DOMESTIC_ABUSE' },
    ],
    source: {
      citation:
        'Prisoners (Early Release) (Scotland) Act 2025 s.1, substituting 1993 Act s.1(1)(a)/(b) and inserting s.1(1ZA): two-fifths, except one-half where the sentence (or a single term under s.27(5) that includes one) is for a listed sexual offence or a domestic abuse offence. In force 11 February 2025 for prisoners already serving and those sentenced after (Scottish Government notice of 30 January 2025; legislation.gov.uk version dated 2025-02-11)',
      url: 'https://www.legislation.gov.uk/asp/2025/1/section/1',
      unverified:
        'the commencement regulations themselves (their SSI number) were not read; the transitional tranche release of Sch. para 3 (those past 40% on commencement released in Tuesday–Thursday windows) is not modelled: such a person is shown released on the commencement day',
    },
  },
  {
    id: 'SCOTLAND_ST_THREE_TENTHS_2026',
    version: 1,
    jurisdiction: 'SCOTLAND',
    sentenceClass: 'SCOTLAND_SHORT_TERM',
    proportion: { num: 3, den: 10 },
    inForceFrom: null,
    commencement: 'UNVERIFIED',
    appliesTo: { kind: 'ALL_SERVING' },
    excludedOffenceCategories: [
      { category: 'SCOTLAND_SEXUAL_SOA2003_SCH3' },
      { category: 'SCOTLAND_DOMESTIC_ABUSE' },
    ],
    source: {
      citation:
        'Prisoners (Early Release) (Miscellaneous Amendment and Transitional Provisions) (Scotland) Regulations 2026 (under 1993 Act s.27A): automatic release point 40% → 30% for short-term prisoners, domestic abuse and sexual offences excluded (gov.scot "Short-term prisoner release" monitoring page; Scottish Government notice of 5 February 2026 said "would come into force during May" if approved)',
      url: 'https://www.gov.scot/publications/short-term-prisoner-release/pages/monitoring/',
      unverified:
        'SSI number, commencement date and transitional provisions not found: not applied until a record with a verified date is added',
    },
  },
  {
    id: 'EW_SDS_HALF_2003',
    version: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    sentenceClass: 'ENGLAND_AND_WALES_SDS',
    proportion: { num: 1, den: 2 },
    inForceFrom: null,
    commencement: 'BASELINE',
    appliesTo: { kind: 'ALL_SERVING' },
    excludedOffenceCategories: [],
    source: {
      citation:
        'Criminal Justice Act 2003 s.244(1), (3)(a): release on licence once the requisite custodial period (one-half of the sentence) is served; s.264(2), (6)(d) for consecutive terms',
      url: 'https://www.legislation.gov.uk/ukpga/2003/44/section/244',
    },
  },
  {
    id: 'EW_SDS_FORTY_PERCENT_2024',
    version: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    sentenceClass: 'ENGLAND_AND_WALES_SDS',
    proportion: { num: 2, den: 5 },
    inForceFrom: '2024-09-10',
    commencement: 'VERIFIED',
    appliesTo: { kind: 'ALL_SERVING_STAGGERED', laterFrom: '2024-10-22', relevantIfEveryTermUnderYears: 5 },
    excludedOffenceCategories: [
      { category: 'EW_SDS40_SCHEDULE_OFFENCE' },
      { category: 'EW_SCH15_PART1_VIOLENT', onlyIfTermAtLeastYears: 4 },
    ],
    source: {
      citation:
        'Criminal Justice Act 2003 (Requisite and Minimum Custodial Periods) Order 2024, S.I. 2024/844, art.3(1)-(3) (one-half read as 40 per cent in ss.243A(3)(a), 244(3)(a), 264(6)(d)); art.3(6) exclusions (Schedule offences; 4 years or more for a CJA 2003 Sch.15 Pt 1 offence), Schedule extended by S.I. 2024/1331 art.3 from 16 December 2024; art.1(2): from 10 September 2024 for sentences imposed on or after it and "relevant" (under 5 years) earlier sentences, from 22 October 2024 for the others',
      url: 'https://www.legislation.gov.uk/uksi/2024/844/article/3',
      unverified:
        'art.2(2) "relevant sentence" read only through the explanatory note (under 5 years; every concurrent sentence under 5 years): applied as "every sentence in the calculation under 5 years"; how it treats an aggregate of consecutive terms was not read. art.3(4)-(5) (not applied to someone already out on HDC or compassionate release at commencement) is not modelled. The six offences S.I. 2024/1331 added to the Schedule on 16 December 2024 are one category here, without their own date',
    },
  },
];

export interface HdcPolicy {
  readonly id: string;
  readonly version: number;
  readonly jurisdiction: Jurisdiction;
  readonly inForceFrom: LocalDate | null;
  readonly commencement: 'BASELINE' | 'VERIFIED' | 'UNVERIFIED';
  /** Scotland: release not before this proportion of the sentence has been served. */
  readonly minServedProportionOfSentence: Rational | null;
  /** E&W: release not before this proportion of the requisite custodial period has been served. */
  readonly minServedProportionOfCustodialPeriod: Rational | null;
  /** E&W: at least this many days of the custodial period served (4 weeks). */
  readonly minServedDays: number;
  /** Release no earlier than this many days before the automatic / conditional release day. */
  readonly maxDaysBeforeRelease: number;
  /** Scotland: at least this many days on HDC (release no later than this many days before the release day). */
  readonly minDaysOnHdc: number;
  /** E&W: no HDC unless the requisite custodial period is at least this many days (6 weeks). */
  readonly minCustodialPeriodDays: number;
  /** Scotland: no HDC for a sentence (single term) of less than this many months. */
  readonly minTermMonths: number;
  readonly source: PolicySource;
}

export const HDC_POLICIES: readonly HdcPolicy[] = [
  {
    id: 'SCOTLAND_HDC_QUARTER_180',
    version: 1,
    jurisdiction: 'SCOTLAND',
    inForceFrom: null,
    commencement: 'BASELINE',
    minServedProportionOfSentence: { num: 1, den: 4 },
    minServedProportionOfCustodialPeriod: null,
    minServedDays: 0,
    maxDaysBeforeRelease: 180,
    minDaysOnHdc: 14,
    minCustodialPeriodDays: 0,
    minTermMonths: 3,
    source: {
      citation:
        'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.3AA (HDC licence): eligibility after one-quarter of the sentence, at most 180 days before the release date (Scottish Parliament Criminal Justice Committee report of 17 June 2025 on the 2025 amendment order); at least two weeks on HDC (SPS "Home Detention Curfew" page); not for sentences of less than three months (Scottish Government HDC guidance 2008, Annex 2)',
      url: 'https://www.sps.gov.uk/Corporate/Information/HomeDetentionCurfew.aspx',
      unverified:
        's.3AA text itself not read (the values come from the committee report, SPS and the 2008 guidance at https://www.gov.scot/Publications/2008/07/23112256/9); of the s.3AA statutory exclusions only sex-offender notification (given, or implied by a Sch.3 offence) is modelled; extended sentence, supervised release order, hospital direction, previous recall and awaiting deportation are not',
    },
  },
  {
    id: 'SCOTLAND_HDC_FIFTEEN_PERCENT_210',
    version: 1,
    jurisdiction: 'SCOTLAND',
    inForceFrom: null,
    commencement: 'UNVERIFIED',
    minServedProportionOfSentence: { num: 3, den: 20 },
    minServedProportionOfCustodialPeriod: null,
    minServedDays: 0,
    maxDaysBeforeRelease: 210,
    minDaysOnHdc: 14,
    minCustodialPeriodDays: 0,
    minTermMonths: 3,
    source: {
      citation:
        'Home Detention Curfew (Amendment of Specified Time Periods) (Scotland) Order 2025 (draft, under 1993 Act s.3AA): eligibility from 15% (was 25%), maximum 210 days (was 180); considered by the Criminal Justice Committee on 11 June 2025, report 17 June 2025',
      url: 'https://www.parliament.scot/chamber-and-committees/committees/committee-reports/cj/2025/6/17/report-on-the-home-detention-curfew-amendment-of-specified-time-periods-scotland-order-2025-draft',
      unverified:
        'SSI number and commencement date not found: not applied until a record with a verified date is added',
    },
  },
  {
    id: 'EW_HDC_135',
    version: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    inForceFrom: null,
    commencement: 'BASELINE',
    minServedProportionOfSentence: null,
    minServedProportionOfCustodialPeriod: { num: 1, den: 2 },
    minServedDays: 28,
    maxDaysBeforeRelease: 135,
    minDaysOnHdc: 0,
    minCustodialPeriodDays: 42,
    minTermMonths: 0,
    source: {
      citation:
        'Criminal Justice Act 2003 s.246(1)(a) (release during the period of 135 days ending with the day the requisite custodial period is served) and s.246(2) (custodial period at least 6 weeks; at least 4 weeks and one-half of it served)',
      url: 'https://www.legislation.gov.uk/ukpga/2003/44/section/246',
      unverified:
        "of the s.246(4) exclusions (Halsbury's Laws para 715) only a term of 4 years or more and sex-offender notification are modelled; the paragraph letters of s.246(4) were not read here",
    },
  },
  {
    id: 'EW_HDC_180',
    version: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    inForceFrom: '2023-06-06',
    commencement: 'VERIFIED',
    minServedProportionOfSentence: null,
    minServedProportionOfCustodialPeriod: { num: 1, den: 2 },
    minServedDays: 28,
    maxDaysBeforeRelease: 180,
    minDaysOnHdc: 0,
    minCustodialPeriodDays: 42,
    minTermMonths: 0,
    source: {
      citation:
        'Criminal Justice Act 2003 (Home Detention Curfew) Order 2023, S.I. 2023/390, art.2 (135 → 180 in s.246(1)(a)), in force 6 June 2023',
      url: 'https://www.legislation.gov.uk/uksi/2023/390/article/2',
      unverified:
        'of the s.246(4) exclusions only a term of 4 years or more and sex-offender notification are modelled',
    },
  },
  {
    id: 'EW_HDC_365',
    version: 1,
    jurisdiction: 'ENGLAND_AND_WALES',
    inForceFrom: '2025-06-03',
    commencement: 'VERIFIED',
    minServedProportionOfSentence: null,
    minServedProportionOfCustodialPeriod: { num: 1, den: 2 },
    minServedDays: 28,
    maxDaysBeforeRelease: 365,
    minDaysOnHdc: 0,
    minCustodialPeriodDays: 42,
    minTermMonths: 0,
    source: {
      citation:
        'Home Detention Curfew and Requisite and Minimum Custodial Periods (Amendment) Order 2024, S.I. 2024/1331, art.2 (180 → 365 in s.246(1)(a)), in force 3 June 2025 (art.1(2))',
      url: 'https://www.legislation.gov.uk/uksi/2024/1331/article/2',
      unverified:
        'of the s.246(4) exclusions only a term of 4 years or more and sex-offender notification are modelled',
    },
  },
];
