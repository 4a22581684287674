import type { Jurisdiction } from '@throughcare/contracts';
import { addDays, addMonths, daysBetween, type LocalDate, parseLocalDate } from '../calendar/local-date';
import { DomainError, InvalidLocalDateError, UnknownPolicyError } from '../errors';
import { AdjustmentNotApplicableError, InvalidSentenceInputError, UnsupportedSentenceError } from './errors';
import {
  HDC_POLICIES,
  type HdcPolicy,
  type OffenceCategory,
  RELEASE_POINT_POLICIES,
  type ReleasePointPolicy,
  type SentenceClass,
} from './policies';
import { ceilProportionOfDays, describeRational, type Rational } from './rational';
import {
  describeTerm,
  type SentenceTerm,
  termAtLeastMonths,
  termAtLeastYears,
  termEndDate,
  validateTerm,
} from './term';

/**
 * Sentence calculation (issue 10, first slice): Scottish short-term sentences and England & Wales
 * standard determinate sentences. Pure: the policy table is an argument, nothing is read from a
 * clock, a store or the network. Every date carries the rule, its citation, the inputs and the
 * arithmetic in words. Anything outside the supported classes is refused with
 * {@link UnsupportedSentenceError}, never guessed.
 *
 * Day-counting conventions (see the module README for sources and what is unverified):
 * - The start day is day 1 served. A term ends on the day before the same date `term` later
 *   ({@link termEndDate}).
 * - A release "as soon as the prisoner has served P of the sentence" falls on day ⌈P × days⌉ of the
 *   sentence: the first whole day by which at least P has been served (release happens on the day
 *   the period is completed, the day of release counting as a day served). This is the HMPPS
 *   calculate-release-dates convention (`RoundingMode.CEILING`, start + days − 1); no Scottish
 *   guidance stating SPS's convention was found, so the same is used there (flagged).
 * - England & Wales: remand days (CJA 2003 s.240ZA) and tagged-bail credit (s.240A: half the
 *   qualifying curfew days, rounded up) count as time served: every date moves earlier by the credit.
 *   Days unlawfully at large do not (Prison Act 1952 s.49(2)): every date of the sentences being
 *   served then moves later by them (not a concurrent sentence imposed after).
 *   Additional days awarded, less those restored, extend the period to be served before release
 *   and eligibility (s.257(2)(a)): the CRD and HDCED move later, not the SLED or TUSED.
 * - Scotland: remand is reflected by the court backdating the start (Criminal Procedure (Scotland)
 *   Act 1995 s.210(1)(b)): pass the court's start date; remand days are refused.
 */

export type SentenceType = 'STANDARD_DETERMINATE' | 'EXTENDED' | 'INDETERMINATE' | 'RECALL';

export interface SentenceInput {
  readonly id: string;
  /** The day the court imposed the sentence. */
  readonly sentenceDate: LocalDate;
  /**
   * The day the sentence starts. Scotland: the date of commencement the court specified (s.210(1)(b)),
   * which may be backdated for remand. England & Wales: normally the sentence date. Omitted for a
   * consecutive sentence (it starts the day after the one it follows ends); defaults to the sentence date.
   */
  readonly startDate?: LocalDate;
  readonly term: SentenceTerm;
  readonly offenceCategories?: readonly OffenceCategory[];
  /** England & Wales: date of the offence (TUSED needs an offence on or after 1 February 2015). */
  readonly offenceDate?: LocalDate;
  /** The id of the sentence this one is consecutive to. */
  readonly consecutiveTo?: string;
  /** Default STANDARD_DETERMINATE; anything else is refused. */
  readonly sentenceType?: SentenceType;
}

export interface SentenceCalculationInput {
  readonly jurisdiction: Jurisdiction;
  readonly sentences: readonly SentenceInput[];
  /** England & Wales: days remanded in custody that count as time served (s.240ZA), as already determined. */
  readonly remandDays?: number;
  /** England & Wales: days on bail under a qualifying curfew and electronic monitoring (s.240A, counted per its step 1). */
  readonly taggedBailCurfewDays?: number;
  /**
   * England & Wales: additional days awarded for offences against prison discipline (Prison Rules
   * 1999 r.55A(1)(b); CJA 2003 s.257), in all, as already adjudicated. Not remitted, they extend
   * the period to be served before release or eligibility for release (s.257(2)(a)): the CRD and
   * the HDCED move later; the SLED and the TUSED do not (see the module README). Refused in Scotland.
   */
  readonly additionalDaysAwarded?: number;
  /** England & Wales: of those, the days restored (remitted in accordance with prison rules, s.257(2)): at most `additionalDaysAwarded`. */
  readonly restoredDays?: number;
  /**
   * England & Wales: days unlawfully at large during these sentences before release (escape,
   * failure to return from temporary release), as already determined: they do not count as time
   * served (Prison Act 1952 s.49(2)), so every date of the sentences being served then moves later
   * by them (see `unlawfullyAtLargePeriod`). Refused in Scotland.
   */
  readonly unlawfullyAtLargeDays?: number;
  /**
   * England & Wales: when the time at large was, from the first day at large (of the earliest time
   * at large) to the last (of the latest). The days count only against the sentences being served
   * then (s.49(2): the period "liable to be detained in pursuance of the sentence"): a concurrent
   * group whose first sentence was imposed on or before `from` takes them, one imposed after `to`
   * does not, one imposed in between is refused. Required with `unlawfullyAtLargeDays` when
   * concurrent groups were imposed on different days; without it (all imposed the same day) every
   * group takes them.
   */
  readonly unlawfullyAtLargePeriod?: { readonly from: LocalDate; readonly to: LocalDate };
  /** England & Wales: for the age test of TUSED (s.256AA(1)(a)); without it the person is taken to be an adult (flagged). */
  readonly dateOfBirth?: LocalDate;
  /**
   * Whether the person is subject to the notification requirements of Part 2 of the Sexual
   * Offences Act 2003 (the sex offenders' register): excluded from HDC in both jurisdictions (CJA
   * 2003 s.246(4); 1993 Act s.3AA). An assertion by staff either way (`false` is never a default:
   * it calculates HDC even for a Sch.3 offence). Not given: in Scotland a sentence for an offence in
   * Sch.3 to the 2003 Act is taken as notification (not eligible for HDC, stated in the HDCED's
   * not-applicable reason and a warning); otherwise taken not to be, and the HDCED says so.
   */
  readonly sexOffenderNotification?: boolean;
  /** The day the policy is read at: records in force after it are not applied. */
  readonly asAt: LocalDate;
}

export interface SentencePolicyTable {
  readonly releasePoints: readonly ReleasePointPolicy[];
  readonly hdc: readonly HdcPolicy[];
}

/** The released table. A re-plan passes its own (e.g. this one plus a new record). */
export const SENTENCE_POLICIES: SentencePolicyTable = {
  releasePoints: RELEASE_POINT_POLICIES,
  hdc: HDC_POLICIES,
};

/**
 * Date types, named as calculate-release-dates-api names them (vocabulary.md):
 * SED sentence expiry; ARD automatic release (Scotland: unconditional release under the 1993 Act
 * s.1(1) — SPS's "liberation date" is this day after the release-day rule of release-day.ts);
 * CRD conditional release (E&W, on licence); SLED sentence and licence expiry (E&W SDS: the licence
 * runs to the end of the sentence); HDCED HDC eligibility; TUSED top-up supervision expiry.
 */
export type CalculatedDateType = 'SED' | 'ARD' | 'CRD' | 'SLED' | 'HDCED' | 'TUSED' | 'LED';

export interface DateExplanation {
  readonly ruleId: string;
  readonly citation: string;
  readonly url: string;
  readonly inputs: Readonly<Record<string, string | number>>;
  /** The arithmetic in words, in order. */
  readonly steps: readonly string[];
  /** What this date rests on that could not be verified. */
  readonly unverified: readonly string[];
}

export interface CalculatedDate {
  readonly type: CalculatedDateType;
  readonly date: LocalDate;
  readonly explanation: DateExplanation;
}

export interface NotApplicableDate {
  readonly type: CalculatedDateType;
  readonly reason: string;
}

export interface SentenceCalculation {
  readonly jurisdiction: Jurisdiction;
  readonly asAt: LocalDate;
  readonly dates: readonly CalculatedDate[];
  readonly notApplicable: readonly NotApplicableDate[];
  /** Release-point and HDC records that decided a date, by id. */
  readonly policyIds: readonly string[];
  /**
   * Records in the table that were not applied and might concern this person (unverified
   * commencement, or in force after `asAt`), and assumptions made for inputs not given that
   * decided a date (staff to confirm).
   */
  readonly warnings: readonly string[];
}

/** The date of `type` in a calculation, if it has one. */
export function calculatedDate(
  calculation: SentenceCalculation,
  type: CalculatedDateType,
): LocalDate | undefined {
  return calculation.dates.find((d) => d.type === type)?.date;
}

// ---------------------------------------------------------------------------------------------
// Input checking and resolution of start dates

interface Resolved {
  readonly input: SentenceInput;
  readonly start: LocalDate;
  readonly end: LocalDate;
  readonly days: number;
  readonly categories: ReadonlySet<OffenceCategory>;
}

function checkDate(value: string | undefined, field: string): void {
  if (value === undefined) return;
  try {
    parseLocalDate(value);
  } catch (e) {
    if (e instanceof InvalidLocalDateError) throw new InvalidSentenceInputError(field, e.message);
    throw e;
  }
}

function checkCount(value: number | undefined, field: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidSentenceInputError(field, `must be a non-negative whole number of days, got ${value}`);
  return value;
}

function validate(input: SentenceCalculationInput): void {
  checkDate(input.asAt, 'asAt');
  checkDate(input.dateOfBirth, 'dateOfBirth');
  const awarded = checkCount(input.additionalDaysAwarded, 'additionalDaysAwarded');
  const restored = checkCount(input.restoredDays, 'restoredDays');
  const atLarge = checkCount(input.unlawfullyAtLargeDays, 'unlawfullyAtLargeDays');
  // Scotland: refused as not applicable (refuseUnsupported), whatever it holds.
  if (input.jurisdiction === 'ENGLAND_AND_WALES')
    validateAtLargePeriod(input.unlawfullyAtLargePeriod, atLarge);
  if (restored > awarded)
    throw new InvalidSentenceInputError(
      'restoredDays',
      `${restored} days restored, more than the ${awarded} additional days awarded: only days awarded can be restored`,
    );
  if (input.sentences.length === 0)
    throw new InvalidSentenceInputError('sentences', 'at least one sentence is needed');
  validateSentences(input.sentences);
}

function validateAtLargePeriod(period: SentenceCalculationInput['unlawfullyAtLargePeriod'], atLarge: number) {
  if (period === undefined) return;
  const field = 'unlawfullyAtLargePeriod';
  checkDate(period.from, `${field}.from`);
  checkDate(period.to, `${field}.to`);
  if (period.to < period.from)
    throw new InvalidSentenceInputError(
      `${field}.to`,
      `${period.to} is before the first day at large ${period.from}`,
    );
  if (atLarge === 0)
    throw new InvalidSentenceInputError(field, 'given without unlawfullyAtLargeDays above 0');
  const span = daysBetween(period.from, period.to) + 1;
  if (atLarge > span)
    throw new InvalidSentenceInputError(
      'unlawfullyAtLargeDays',
      `${atLarge} days, more than the ${span} days from ${period.from} to ${period.to} (unlawfullyAtLargePeriod)`,
    );
}

/** Each sentence's own fields and its consecutive link (what resolving the sentences needs). */
function validateSentences(sentences: readonly SentenceInput[]): void {
  const ids = new Set<string>();
  sentences.forEach((s, i) => {
    const f = `sentences[${i}]`;
    if (!s.id) throw new InvalidSentenceInputError(`${f}.id`, 'required');
    if (ids.has(s.id)) throw new InvalidSentenceInputError(`${f}.id`, `duplicate id "${s.id}"`);
    ids.add(s.id);
    checkDate(s.sentenceDate, `${f}.sentenceDate`);
    checkDate(s.startDate, `${f}.startDate`);
    checkDate(s.offenceDate, `${f}.offenceDate`);
    validateTerm(s.term, `${f}.term`);
  });
  sentences.forEach((s, i) => {
    if (s.consecutiveTo !== undefined && !ids.has(s.consecutiveTo))
      throw new InvalidSentenceInputError(
        `sentences[${i}].consecutiveTo`,
        `no sentence "${s.consecutiveTo}"`,
      );
    if (s.consecutiveTo === s.id)
      throw new InvalidSentenceInputError(`sentences[${i}].consecutiveTo`, 'a sentence cannot follow itself');
  });
}

function refuseUnsupported(input: SentenceCalculationInput): void {
  for (const s of input.sentences) {
    const type = s.sentenceType ?? 'STANDARD_DETERMINATE';
    if (type === 'RECALL')
      throw new UnsupportedSentenceError('RECALL', `Sentence ${s.id}: recalls are not calculated here`, [
        s.id,
      ]);
    if (type !== 'STANDARD_DETERMINATE')
      throw new UnsupportedSentenceError(
        'NOT_STANDARD_DETERMINATE',
        `Sentence ${s.id}: ${type.toLowerCase()} sentences are not calculated here (standard determinate only)`,
        [s.id],
      );
    const cats = s.offenceCategories ?? [];
    if (cats.includes('TERRORISM'))
      throw new UnsupportedSentenceError(
        'TERRORIST_PRISONER',
        `Sentence ${s.id}: terrorist prisoners are released under their own rules (1993 Act s.1AB; CJA 2003 s.247A), not calculated here`,
        [s.id],
      );
    if (input.jurisdiction === 'ENGLAND_AND_WALES') {
      if (cats.includes('EW_SDS_PLUS'))
        throw new UnsupportedSentenceError(
          'ENGLAND_AND_WALES_SDS_PLUS',
          `Sentence ${s.id}: SDS+ (two-thirds release, CJA 2003 s.244ZA) is not calculated here`,
          [s.id],
        );
      if (s.offenceDate !== undefined && s.offenceDate < ORA_2014_COMMENCEMENT)
        throw new UnsupportedSentenceError(
          'ENGLAND_AND_WALES_OFFENCE_BEFORE_ORA_2014',
          `Sentence ${s.id}: offences before 1 February 2015 (Offender Rehabilitation Act 2014) have other release rules, not calculated here`,
          [s.id],
        );
    }
  }
  if (input.jurisdiction === 'SCOTLAND') {
    if (checkCount(input.remandDays, 'remandDays') > 0)
      throw new UnsupportedSentenceError(
        'REMAND_DAYS_IN_SCOTLAND',
        'Scotland: remand is reflected by the court backdating the start of the sentence (Criminal Procedure (Scotland) Act 1995 s.210(1)(b)); pass the start date the court specified, not remand days',
      );
    if (checkCount(input.taggedBailCurfewDays, 'taggedBailCurfewDays') > 0)
      throw new UnsupportedSentenceError(
        'SCOTLAND_BAIL_CREDIT',
        'Scotland: credit for electronically monitored bail (1995 Act s.210ZA, inserted by the Bail and Release from Custody (Scotland) Act 2023 s.5) is not calculated here: its commencement was not verified',
      );
    for (const [field, why] of SCOTTISH_ADJUSTMENTS_NOT_APPLIED)
      if ((input[field] ?? 0) > 0) throw new AdjustmentNotApplicableError(field, why);
    if (input.unlawfullyAtLargePeriod !== undefined)
      throw new AdjustmentNotApplicableError(
        'unlawfullyAtLargePeriod',
        SCOTTISH_ADJUSTMENTS_NOT_APPLIED.find(([f]) => f === 'unlawfullyAtLargeDays')![1],
      );
  }
}

/** The England & Wales adjustments refused for a Scottish calculation, and why (see the module README). */
const SCOTTISH_ADJUSTMENTS_NOT_APPLIED: readonly (readonly [
  'additionalDaysAwarded' | 'restoredDays' | 'unlawfullyAtLargeDays',
  string,
])[] = [
  [
    'additionalDaysAwarded',
    'Scotland: additional days are a punishment of the Prison Rules 1999 for England and Wales (CJA 2003 s.257); the Scottish Prison Service suspended new awards of added days in June 2001, and whether any Scottish power to award them remains was not verified: not applicable to a Scottish calculation',
  ],
  [
    'restoredDays',
    'Scotland: restoration of additional days belongs to the England and Wales award of additional days, which is not applicable to a Scottish calculation',
  ],
  [
    'unlawfullyAtLargeDays',
    'Scotland: time unlawfully at large is not calculated here: the Scottish provision (Prisons (Scotland) Act 1989 s.40) was not verified, and Prison Act 1952 s.49(2) is the England and Wales one',
  ],
];

/** Start and end of each sentence; a consecutive one starts the day after the one it follows ends. */
function resolveSentences(sentences: readonly SentenceInput[]): Resolved[] {
  const byId = new Map(sentences.map((s) => [s.id, s] as const));
  const followers = new Map<string, string>();
  for (const s of sentences) {
    if (s.consecutiveTo === undefined) continue;
    const already = followers.get(s.consecutiveTo);
    if (already !== undefined)
      throw new UnsupportedSentenceError(
        'CONSECUTIVE_BRANCHING',
        `Sentences ${already} and ${s.id} are both consecutive to ${s.consecutiveTo}: only a chain is calculated here`,
        [already, s.id],
      );
    followers.set(s.consecutiveTo, s.id);
  }
  const resolved = new Map<string, Resolved>();
  const resolve = (id: string, seen: Set<string>): Resolved => {
    const done = resolved.get(id);
    if (done) return done;
    if (seen.has(id))
      throw new InvalidSentenceInputError('sentences', `consecutive sentences form a cycle at "${id}"`);
    seen.add(id);
    const s = byId.get(id)!;
    let start: LocalDate;
    if (s.consecutiveTo !== undefined) {
      start = addDays(resolve(s.consecutiveTo, seen).end, 1);
      if (s.startDate !== undefined && s.startDate !== start)
        throw new InvalidSentenceInputError(
          `sentences[${sentences.indexOf(s)}].startDate`,
          `a consecutive sentence starts the day after ${s.consecutiveTo} ends (${start}), not ${s.startDate}`,
        );
    } else start = s.startDate ?? s.sentenceDate;
    const end = termEndDate(start, s.term);
    const r: Resolved = {
      input: s,
      start,
      end,
      days: daysBetween(start, end) + 1,
      categories: new Set(s.offenceCategories ?? []),
    };
    resolved.set(id, r);
    return r;
  };
  return sentences.map((s) => resolve(s.id, new Set()));
}

/** A sentence's span as the calculator works it out: day 1 served, its last day, and its days. */
export interface ResolvedSentenceSpan {
  readonly start: LocalDate;
  readonly end: LocalDate;
  readonly days: number;
}

/**
 * Each sentence's start, end and days by id, resolved exactly as {@link calculateSentenceDates}
 * resolves them (a consecutive sentence starts the day after the one it follows ends), for
 * comparing two sets of sentences. Pure and total: `null` where the calculator would refuse to
 * resolve them (malformed fields, an unknown or cyclic consecutive link, a branch, a date out of
 * range); it never throws a domain error. Whether the sentences are otherwise calculated here
 * (sentence type, offence categories, overlap) is not checked.
 */
export function resolvedSentenceSpans(
  sentences: readonly SentenceInput[],
): ReadonlyMap<string, ResolvedSentenceSpan> | null {
  try {
    validateSentences(sentences);
    return new Map(
      resolveSentences(sentences).map((r) => [r.input.id, { start: r.start, end: r.end, days: r.days }]),
    );
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
}

/** Consecutive chains: each starts at a sentence that follows none, in order of service. */
function chainsOf(sentences: readonly Resolved[]): Resolved[][] {
  const byParent = new Map<string, Resolved>();
  for (const s of sentences) if (s.input.consecutiveTo !== undefined) byParent.set(s.input.consecutiveTo, s);
  return sentences
    .filter((s) => s.input.consecutiveTo === undefined)
    .map((root) => {
      const chain = [root];
      for (let next = byParent.get(root.input.id); next; next = byParent.get(next.input.id)) chain.push(next);
      return chain;
    });
}

/** Refuses concurrent groups that do not overlap (a gap between them: not one period of custody). */
function requireOverlap(
  spans: readonly { start: LocalDate; end: LocalDate; ids: readonly string[] }[],
): void {
  const sorted = [...spans].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let maxEnd = sorted[0]!.end;
  for (const span of sorted.slice(1)) {
    if (span.start > maxEnd)
      throw new UnsupportedSentenceError(
        'NON_OVERLAPPING_SENTENCES',
        `Sentence(s) ${span.ids.join(', ')} start on ${span.start}, after the others end (${maxEnd}), and are not consecutive to them: not calculated here`,
        span.ids,
      );
    if (span.end > maxEnd) maxEnd = span.end;
  }
}

// ---------------------------------------------------------------------------------------------
// Release points by date in force

/** A unit released as one: a Scottish single term, or an E&W consecutive chain. */
interface ReleaseUnit {
  /** Day 1 of time served (E&W: moved earlier by the credit, later by time unlawfully at large). */
  readonly servedFrom: LocalDate;
  /** E&W: additional days (net of those restored) added to the days to be served before release (CJA 2003 s.257(2)(a)). */
  readonly addedDays?: number;
  /**
   * E&W: the last day of the sentence, past which nobody is held (additional days beyond it are not
   * served): a release point that would fall later is due on this day, under the law then in force.
   */
  readonly endsOn?: LocalDate;
  /** Parts whose proportions add up; a part is reached by a record unless one of its sentences is excluded. */
  readonly parts: readonly {
    readonly label: string;
    readonly days: number;
    readonly sentences: readonly Resolved[];
  }[];
  /** Every sentence in the calculation (for the "relevant sentence" test). */
  readonly allSentences: readonly Resolved[];
}

interface ReleasePointResult {
  readonly date: LocalDate;
  readonly dayCount: number;
  /**
   * The requisite custodial period in days: the proportions applied for this date, without the
   * additional days and without moving to a commencement date (s.244(3) defines the period as a
   * proportion; a release due on a commencement day is later than its end).
   */
  readonly requisiteDays: number;
  readonly policies: readonly ReleasePointPolicy[];
  readonly steps: readonly string[];
  readonly unverified: readonly string[];
}

function excludedBy(policy: ReleasePointPolicy, s: Resolved): OffenceCategory | null {
  for (const exclusion of policy.excludedOffenceCategories) {
    if (!s.categories.has(exclusion.category)) continue;
    if (
      exclusion.onlyIfTermAtLeastYears !== undefined &&
      !termAtLeastYears(s.start, s.days, exclusion.onlyIfTermAtLeastYears)
    )
      continue;
    return exclusion.category;
  }
  return null;
}

function recordsFor(
  table: SentencePolicyTable,
  jurisdiction: Jurisdiction,
  sentenceClass: SentenceClass,
  asAt: LocalDate,
  warnings: string[],
): { baseline: ReleasePointPolicy; changes: ReleasePointPolicy[] } {
  const mine = table.releasePoints.filter(
    (p) => p.jurisdiction === jurisdiction && p.sentenceClass === sentenceClass,
  );
  const baseline = mine.find((p) => p.commencement === 'BASELINE');
  if (!baseline)
    throw new UnknownPolicyError(`No baseline release point for ${jurisdiction} ${sentenceClass}`);
  const changes: ReleasePointPolicy[] = [];
  for (const p of mine) {
    if (p === baseline) continue;
    if (p.commencement === 'UNVERIFIED' || p.inForceFrom === null)
      warnings.push(
        `${p.id} (${describeRational(p.proportion)}) not applied: commencement unverified (${p.source.unverified ?? p.source.citation})`,
      );
    else if (p.inForceFrom > asAt && p.adopted !== true)
      warnings.push(
        `${p.id} (${describeRational(p.proportion)}) not applied: in force from ${p.inForceFrom}, after ${asAt}`,
      );
    // An adopted record commencing after asAt is law made: it reaches only releases on or after
    // its commencement (releasePoint: an earlier release is not moved, a later one not before it).
    else changes.push(p);
  }
  changes.sort((a, b) => (a.inForceFrom! < b.inForceFrom! ? -1 : a.inForceFrom! > b.inForceFrom! ? 1 : 0));
  return { baseline, changes };
}

/** The day from which a change reaches this unit. */
function reachesFrom(policy: ReleasePointPolicy, unit: ReleaseUnit, steps: string[]): LocalDate | null {
  const from = policy.inForceFrom!;
  const applies = policy.appliesTo;
  const sentencedBefore = unit.parts.flatMap((p) => p.sentences).filter((s) => s.input.sentenceDate < from);
  if (applies.kind === 'SENTENCED_ON_OR_AFTER') {
    if (sentencedBefore.length > 0) {
      steps.push(`${policy.id} reaches only sentences imposed on or after ${from}: not this one`);
      return null;
    }
    return from;
  }
  if (applies.kind === 'ALL_SERVING_STAGGERED' && sentencedBefore.length > 0) {
    const relevant = unit.allSentences.every(
      (s) => !termAtLeastYears(s.start, s.days, applies.relevantIfEveryTermUnderYears),
    );
    if (!relevant) {
      steps.push(
        `a sentence imposed before ${from} with a term of ${applies.relevantIfEveryTermUnderYears} years or more in the calculation: ${policy.id} reaches it from ${applies.laterFrom}`,
      );
      return applies.laterFrom;
    }
  }
  return from;
}

function releasePoint(
  unit: ReleaseUnit,
  baseline: ReleasePointPolicy,
  changes: readonly ReleasePointPolicy[],
  label: string,
): ReleasePointResult {
  const steps: string[] = [];
  const unverified: string[] = [];
  const partProportions: Rational[] = unit.parts.map(() => baseline.proportion);
  const compute = (proportions: readonly Rational[], words: string[]) => {
    let total = 0;
    unit.parts.forEach((part, i) => {
      const p = proportions[i]!;
      const n = ceilProportionOfDays(part.days, p);
      total += n;
      words.push(
        `${part.label}: ${describeRational(p)} of ${part.days} days = ${n} days (a part day rounded up)`,
      );
    });
    const added = unit.addedDays ?? 0;
    const date = addDays(unit.servedFrom, total + added - 1);
    if (unit.parts.length > 1) words.push(`aggregate custodial period ${total} days`);
    if (added > 0)
      words.push(
        `${total} days + ${added} additional days (CJA 2003 s.257(2)(a)) = day ${total + added} counting ${unit.servedFrom} as day 1 is ${date}`,
      );
    else words.push(`day ${total} counting ${unit.servedFrom} as day 1 is ${date}`);
    return { total: total + added, date, requisite: total };
  };
  steps.push(`${baseline.id}: ${baseline.source.citation}`);
  let current = compute(partProportions, steps);
  const applied: ReleasePointPolicy[] = [baseline];
  if (baseline.source.unverified) unverified.push(`${baseline.id}: ${baseline.source.unverified}`);
  for (const change of changes) {
    const reach = reachesFrom(change, unit, steps);
    if (reach === null) continue;
    const next = unit.parts.map((part, i) => {
      const excluded = part.sentences
        .map((s) => [s, excludedBy(change, s)] as const)
        .find(([, category]) => category !== null);
      if (excluded) {
        steps.push(
          `${change.id} does not reach ${part.label}: sentence ${excluded[0].input.id} is for an excluded offence (${excluded[1]})`,
        );
        return partProportions[i]!;
      }
      return change.proportion;
    });
    if (next.every((p, i) => p === partProportions[i])) continue;
    if (current.date < reach) {
      steps.push(
        `${change.id} (in force for this ${label} from ${reach}) does not change it: the ${label} date ${current.date} was before then (a release that has happened is not moved)`,
      );
      continue;
    }
    // Released at the end of the sentence before the change reached it (the additional days took
    // the date past the end): the change never applied (found by the property spec, seed -1752042208).
    if (unit.endsOn !== undefined && current.date > unit.endsOn && unit.endsOn < reach) {
      steps.push(
        `${change.id} (in force for this ${label} from ${reach}) does not change it: the sentence ends on ${unit.endsOn}, before then, and nobody is held past the end of the sentence`,
      );
      continue;
    }
    steps.push(`${change.id} reaches this ${label} from ${reach}: ${change.source.citation}`);
    const moved = compute(next, steps);
    const date = moved.date < reach ? reach : moved.date;
    if (moved.date < reach)
      steps.push(
        `${moved.date} is before ${reach}, when the change reached this ${label}: due on ${reach} (released as soon as the law required)`,
      );
    current = { total: daysBetween(unit.servedFrom, date) + 1, date, requisite: moved.requisite };
    next.forEach((p, i) => (partProportions[i] = p));
    applied.push(change);
    if (change.source.unverified) unverified.push(`${change.id}: ${change.source.unverified}`);
  }
  return {
    date: current.date,
    dayCount: current.total,
    requisiteDays: current.requisite,
    policies: applied,
    steps,
    unverified,
  };
}

function hdcRecord(
  table: SentencePolicyTable,
  jurisdiction: Jurisdiction,
  asAt: LocalDate,
  warnings: string[],
): HdcPolicy {
  const mine = table.hdc.filter((p) => p.jurisdiction === jurisdiction);
  let chosen = mine.find((p) => p.commencement === 'BASELINE');
  if (!chosen) throw new UnknownPolicyError(`No baseline HDC policy for ${jurisdiction}`);
  for (const p of mine) {
    if (p.commencement === 'BASELINE') continue;
    if (p.commencement === 'UNVERIFIED' || p.inForceFrom === null)
      warnings.push(
        `${p.id} not applied: commencement unverified (${p.source.unverified ?? p.source.citation})`,
      );
    else if (p.inForceFrom > asAt)
      warnings.push(`${p.id} not applied: in force from ${p.inForceFrom}, after ${asAt}`);
    else if (chosen.inForceFrom === null || p.inForceFrom >= chosen.inForceFrom) chosen = p;
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// The calculation

const ORA_2014_COMMENCEMENT: LocalDate = '2015-02-01';

/**
 * Calculates the dates of a person's current sentences in one jurisdiction as the law in `table`
 * stood on `input.asAt`. Throws {@link UnsupportedSentenceError} for what it does not calculate and
 * {@link InvalidSentenceInputError} for malformed input.
 */
export function calculateSentenceDates(
  input: SentenceCalculationInput,
  table: SentencePolicyTable = SENTENCE_POLICIES,
): SentenceCalculation {
  validate(input);
  refuseUnsupported(input);
  const sentences = resolveSentences(input.sentences);
  return input.jurisdiction === 'SCOTLAND'
    ? scotland(input, sentences, table)
    : englandAndWales(input, sentences, table);
}

function sentenceLine(s: Resolved): string {
  const follows = s.input.consecutiveTo ? `, consecutive to ${s.input.consecutiveTo}` : '';
  return `sentence ${s.input.id}: ${describeTerm(s.input.term)} from ${s.start} to ${s.end} (${s.days} days${follows})`;
}

function scotland(
  input: SentenceCalculationInput,
  sentences: Resolved[],
  table: SentencePolicyTable,
): SentenceCalculation {
  const warnings: string[] = [];
  requireOverlap(
    chainsOf(sentences).map((chain) => ({
      start: chain[0]!.start,
      end: chain[chain.length - 1]!.end,
      ids: chain.map((s) => s.input.id),
    })),
  );
  for (const s of sentences)
    if (s.categories.has('SCOTLAND_SEXUAL_SOA2003_SCH3') && termAtLeastMonths(s.start, s.days, 6))
      throw new UnsupportedSentenceError(
        'SCOTLAND_SEX_OFFENDER_LICENCE_S1AA',
        `Sentence ${s.input.id}: 6 months or more for a Sexual Offences Act 2003 Sch.3 offence is released on licence under the 1993 Act s.1AA, not calculated here`,
        [s.input.id],
      );
  const start = sentences.map((s) => s.start).reduce((a, b) => (a < b ? a : b));
  const end = sentences.map((s) => s.end).reduce((a, b) => (a > b ? a : b));
  const days = daysBetween(start, end) + 1;
  if (termAtLeastYears(start, days, 4))
    throw new UnsupportedSentenceError(
      'SCOTLAND_LONG_TERM',
      `A single term of ${days} days from ${start} is 4 years or more: a long-term prisoner (1993 Act s.27(1)), not calculated here`,
      sentences.map((s) => s.input.id),
    );

  const singleTerm = sentences.length > 1;
  const termSteps = [
    ...sentences.map(sentenceLine),
    singleTerm
      ? `1993 Act s.27(5): the terms are treated as a single term from the earliest start ${start} to the latest end ${end} = ${days} days (taken to be passed at the same time or without a release in between)`
      : `term ${days} days from ${start} to ${end}`,
    `short-term: the term is less than 4 years (1993 Act s.27(1))`,
  ];
  const inputs: Record<string, string | number> = {
    start,
    end,
    termDays: days,
    sentences: sentences.map((s) => s.input.id).join(', '),
  };

  const sed: CalculatedDate = {
    type: 'SED',
    date: end,
    explanation: {
      ruleId: 'SCOTLAND_TERM_END',
      citation:
        'Criminal Procedure (Scotland) Act 1995 s.210(1)(b) (the court specifies the date of commencement); 1993 Act s.27(5) (single term)',
      url: 'https://www.legislation.gov.uk/ukpga/1995/46/section/210',
      inputs,
      steps: [...termSteps, `the term ends on ${end}: the day before the same date the term later`],
      unverified: [],
    },
  };

  const { baseline, changes } = recordsFor(table, 'SCOTLAND', 'SCOTLAND_SHORT_TERM', input.asAt, warnings);
  const unit: ReleaseUnit = {
    servedFrom: start,
    parts: [{ label: singleTerm ? 'the single term' : 'the term', days, sentences }],
    allSentences: sentences,
  };
  const point = releasePoint(unit, baseline, changes, 'release');
  const ard: CalculatedDate = {
    type: 'ARD',
    date: point.date,
    explanation: {
      ruleId: point.policies[point.policies.length - 1]!.id,
      citation: point.policies.map((p) => p.source.citation).join(' | '),
      url: point.policies[point.policies.length - 1]!.source.url,
      inputs,
      steps: [
        ...termSteps,
        ...point.steps,
        'released unconditionally (1993 Act s.1(1)); the day of liberation then follows the release-day rule (s.27(7), release-day.ts)',
      ],
      unverified: [
        ...point.unverified,
        'rounding up a part day and releasing on the day the proportion is completed follow the HMPPS convention; no SPS statement of its convention was found',
      ],
    },
  };

  const dates: CalculatedDate[] = [sed, ard];
  const notApplicable: NotApplicableDate[] = [
    {
      type: 'LED',
      reason: 'release of a short-term prisoner under the 1993 Act s.1(1) is unconditional: no licence',
    },
  ];
  const hdc = hdcRecord(table, 'SCOTLAND', input.asAt, warnings);
  const hdcSteps = [`${hdc.id}: ${hdc.source.citation}`];
  const result = (): SentenceCalculation => ({
    jurisdiction: 'SCOTLAND',
    asAt: input.asAt,
    dates,
    notApplicable,
    policyIds: [...point.policies.map((p) => p.id), hdc.id],
    warnings,
  });
  const excluded = scottishHdcExclusion(input, sentences, warnings, hdcSteps);
  if (excluded !== null) {
    notApplicable.push({ type: 'HDCED', reason: `${excluded} (${hdc.id})` });
    return result();
  }
  if (!termAtLeastMonths(start, days, hdc.minTermMonths)) {
    notApplicable.push({
      type: 'HDCED',
      reason: `a term of ${days} days from ${start} is under ${hdc.minTermMonths} months: not eligible for HDC (${hdc.id})`,
    });
    return result();
  }
  hdcSteps.push(`term of ${days} days is at least ${hdc.minTermMonths} months`);
  const earliestByProportion = addDays(
    start,
    ceilProportionOfDays(days, hdc.minServedProportionOfSentence!) - 1,
  );
  hdcSteps.push(
    `${describeRational(hdc.minServedProportionOfSentence!)} of ${days} days = ${ceilProportionOfDays(days, hdc.minServedProportionOfSentence!)} days served: ${earliestByProportion}`,
  );
  const earliestByMax = addDays(point.date, -hdc.maxDaysBeforeRelease);
  hdcSteps.push(
    `at most ${hdc.maxDaysBeforeRelease} days before the release date ${point.date}: ${earliestByMax}`,
  );
  const hdced = earliestByProportion > earliestByMax ? earliestByProportion : earliestByMax;
  const latest = addDays(point.date, -hdc.minDaysOnHdc);
  hdcSteps.push(`the later of the two: ${hdced}`);
  if (hdced > latest)
    notApplicable.push({
      type: 'HDCED',
      reason: `${hdced} leaves fewer than ${hdc.minDaysOnHdc} days on HDC before the release date ${point.date} (${hdc.id})`,
    });
  else {
    hdcSteps.push(`${hdced} leaves at least ${hdc.minDaysOnHdc} days on HDC before ${point.date}`);
    dates.push({
      type: 'HDCED',
      date: hdced,
      explanation: {
        ruleId: hdc.id,
        citation: hdc.source.citation,
        url: hdc.source.url,
        inputs: { ...inputs, releaseDate: point.date },
        steps: hdcSteps,
        unverified: [
          ...(hdc.source.unverified ? [hdc.source.unverified] : []),
          ...(input.sexOffenderNotification === undefined ? [NOTIFICATION_ASSUMED] : []),
        ],
      },
    });
  }
  return result();
}

const NOTIFICATION_ASSUMED =
  'whether the person is subject to sex-offender notification requirements (SOA 2003 Part 2) was not given: taken not to be (those who are are not eligible for HDC)';

/**
 * Why a Scottish short-term prisoner is excluded from HDC by the 1993 Act s.3AA, as far as the
 * inputs tell (null: not excluded by them). Modelled: subject to the notification requirements of
 * Part 2 of the Sexual Offences Act 2003. `sexOffenderNotification` given by staff decides, either
 * way: true excludes; false (staff say the person is not subject, e.g. a Sch.3 offence whose
 * threshold (age, sentence or victim) is not met, so no notification follows) does not, and a
 * sentence for a Sch.3 offence is then only noted in `hdcSteps`. Not given, a sentence for an
 * offence of the Sch.3 list (paras 36-60, the Scottish offences) implies notification: it still
 * excludes (conservative: HDC wrongly offered to a notifiable offender is the worse error, and
 * most Sch.3 convictions do carry notification), but as an assumption, said in the reason and in
 * `warnings`, asking staff to confirm. Not modelled (the inputs do not carry them; see the HDC
 * record's `unverified`): extended sentence, supervised release order, hospital direction,
 * previous recall, awaiting deportation.
 */
function scottishHdcExclusion(
  input: SentenceCalculationInput,
  sentences: readonly Resolved[],
  warnings: string[],
  hdcSteps: string[],
): string | null {
  if (input.sexOffenderNotification === true)
    return 'subject to the notification requirements of Part 2 of the Sexual Offences Act 2003: not eligible for HDC (1993 Act s.3AA)';
  const sexual = sentences.filter((s) => s.categories.has('SCOTLAND_SEXUAL_SOA2003_SCH3'));
  if (sexual.length === 0) return null;
  const ids = sexual.map((s) => s.input.id).join(', ');
  if (input.sexOffenderNotification === false) {
    hdcSteps.push(
      `a sentence for an offence in Sch.3 to the Sexual Offences Act 2003 (${ids}), but sexOffenderNotification given as false: not subject to the notification requirements, not excluded by them (1993 Act s.3AA)`,
    );
    return null;
  }
  warnings.push(
    `HDCED: sexOffenderNotification was not given; a sentence for an offence in Sch.3 to the Sexual Offences Act 2003 (${ids}) is taken to mean the person is subject to its notification requirements, so HDC is not applicable. Unverified: staff to confirm, and send sexOffenderNotification false if the person is not subject (then HDC is calculated)`,
  );
  return `a sentence for an offence in Sch.3 to the Sexual Offences Act 2003 (${ids}), sexOffenderNotification not given: taken to be subject to its notification requirements (unverified: staff to confirm), not eligible for HDC (1993 Act s.3AA)`;
}

/**
 * Why an England & Wales prisoner is excluded from HDC by CJA 2003 s.246(4), as far as the inputs
 * tell (null: not excluded by them): a term of 4 years or more (consecutive terms as one, s.264;
 * concurrent groups each), or subject to sex-offender notification. The other s.246(4) exclusions
 * (extended sentence, offender of particular concern, recall, deportation, and the rest) are
 * outside the inputs: the sentence types are refused, the rest are flagged on the HDCED.
 */
function englandAndWalesHdcExclusion(
  input: SentenceCalculationInput,
  terms: readonly { readonly start: LocalDate; readonly days: number; readonly ids: readonly string[] }[],
): string | null {
  const long = terms.find((t) => termAtLeastYears(t.start, t.days, 4));
  if (long)
    return `a term of 4 years or more (${long.ids.join(' + ')}, ${long.days} days${long.ids.length > 1 ? ' in all, consecutive terms taken as one' : ''}): not eligible for HDC (CJA 2003 s.246(4))`;
  if (input.sexOffenderNotification === true)
    return 'subject to the notification requirements of Part 2 of the Sexual Offences Act 2003: not eligible for HDC (CJA 2003 s.246(4))';
  return null;
}

function englandAndWales(
  input: SentenceCalculationInput,
  sentences: Resolved[],
  table: SentencePolicyTable,
): SentenceCalculation {
  const warnings: string[] = [];
  for (const s of sentences)
    if (s.days <= 1)
      throw new UnsupportedSentenceError(
        'SENTENCE_OF_ONE_DAY_OR_LESS',
        `Sentence ${s.input.id}: a term of 1 day is released under its own rule (CJA 2003 s.243A), not calculated here`,
        [s.input.id],
      );
  const chains = chainsOf(sentences);
  const spans = chains.map((chain) => ({
    start: chain[0]!.start,
    end: chain[chain.length - 1]!.end,
    ids: chain.map((s) => s.input.id),
  }));
  requireOverlap(spans);

  const remand = checkCount(input.remandDays, 'remandDays');
  const curfew = checkCount(input.taggedBailCurfewDays, 'taggedBailCurfewDays');
  const taggedCredit = Math.ceil(curfew / 2);
  const credit = remand + taggedCredit;
  const creditSteps: string[] = [];
  if (remand > 0) creditSteps.push(`remand: ${remand} days count as time served (CJA 2003 s.240ZA)`);
  if (curfew > 0)
    creditSteps.push(
      `tagged bail: ${curfew} qualifying curfew days, one-half = ${curfew / 2}, rounded up = ${taggedCredit} days count as time served (CJA 2003 s.240A)`,
    );
  if (credit > 0) creditSteps.push(`every date moves ${credit} days earlier`);
  const adjustments = englandAndWalesAdjustments(input);
  const { added, atLarge } = adjustments;
  const atLargeByChain = unlawfullyAtLargeByChain(input, chains, adjustments);

  const { baseline, changes } = recordsFor(
    table,
    'ENGLAND_AND_WALES',
    'ENGLAND_AND_WALES_SDS',
    input.asAt,
    warnings,
  );

  interface ChainResult {
    readonly chain: readonly Resolved[];
    readonly servedFrom: LocalDate;
    readonly sled: LocalDate;
    readonly totalDays: number;
    readonly point: ReleasePointResult;
    /** Days unlawfully at large counted against this chain (s.49(2)), and the step saying so. */
    readonly atLarge: number;
    readonly atLargeStep: string | null;
    /**
     * The last day of the requisite custodial period: its days under the proportions the CRD
     * applied, without the additional days and not moved to a commencement date.
     */
    readonly requisiteEnd: LocalDate;
  }
  const results: ChainResult[] = chains.map((chain, i) => {
    const { days: chainAtLarge, step: atLargeStep } = atLargeByChain[i]!;
    const servedFrom = addDays(chain[0]!.start, chainAtLarge - credit);
    const totalDays = chain.reduce((n, s) => n + s.days, 0);
    const sled = addDays(servedFrom, totalDays - 1);
    const unit: ReleaseUnit = {
      servedFrom,
      parts: chain.map((s) => ({ label: `sentence ${s.input.id}`, days: s.days, sentences: [s] })),
      allSentences: sentences,
    };
    const point = releasePoint(
      { ...unit, addedDays: added, endsOn: sled },
      baseline,
      changes,
      'conditional release',
    );
    // One release point: the period the HDCED and TUSED count on is the CRD's own (S1 of the
    // stop-41 review: a second call without the added days could choose another proportion).
    const requisiteEnd = addDays(servedFrom, point.requisiteDays - 1);
    return {
      chain,
      servedFrom,
      sled,
      totalDays,
      atLarge: chainAtLarge,
      atLargeStep,
      requisiteEnd,
      // Nobody is held past the end of the sentence: additional days beyond it are not served.
      point:
        point.date > sled
          ? {
              ...point,
              date: sled,
              steps: [
                ...point.steps,
                `${point.date} is after the end of the sentence ${sled}: additional days beyond it are not served, released at the end of the sentence`,
              ],
            }
          : point,
    };
  });
  // Concurrent terms (s.263): released only when due for release from each; licence to the last expiry.
  const governing = results.reduce((a, b) => (b.point.date > a.point.date ? b : a));
  const lastExpiry = results.reduce((a, b) => (b.sled > a.sled ? b : a));
  const concurrentNote =
    results.length > 1
      ? [
          `concurrent terms (CJA 2003 s.263): ${results.length} groups; released when due from each, so the latest conditional release date governs`,
        ]
      : [];
  const chainSteps = (r: ChainResult) => [
    ...r.chain.map(sentenceLine),
    ...(r.chain.length > 1
      ? [`consecutive terms (CJA 2003 s.264): ${r.totalDays} days in all, custodial periods added together`]
      : []),
    ...creditSteps,
    ...(r.atLargeStep === null ? [] : [r.atLargeStep]),
    `time served counts from ${r.servedFrom}`,
  ];
  const inputs: Record<string, string | number> = {
    sentences: sentences.map((s) => s.input.id).join(', '),
    remandDays: remand,
    taggedBailCurfewDays: curfew,
    creditDays: credit,
    additionalDaysAwarded: adjustments.awarded,
    restoredDays: adjustments.restored,
    unlawfullyAtLargeDays: atLarge,
    ...(input.unlawfullyAtLargePeriod === undefined
      ? {}
      : {
          unlawfullyAtLargeFrom: input.unlawfullyAtLargePeriod.from,
          unlawfullyAtLargeTo: input.unlawfullyAtLargePeriod.to,
        }),
  };
  /** A date's citation, with the provisions of the adjustments that moved it (`atLarge`: the days counted against its chain). */
  const citing = (citation: string, moves: { added: boolean; atLarge: number }) =>
    [
      citation,
      ...(moves.added && added > 0 ? [ADA_CITATION] : []),
      ...(moves.atLarge > 0 ? [UAL_CITATION] : []),
    ].join(' | ');
  const unverifiedFor = (moves: { added: boolean; atLarge: number }) => [
    ...(moves.added && adjustments.awarded > 0 ? [RESTORATION_UNVERIFIED] : []),
    ...(moves.atLarge > 0 ? [UAL_UNVERIFIED] : []),
  ];

  const sled: CalculatedDate = {
    type: 'SLED',
    date: lastExpiry.sled,
    explanation: {
      ruleId: 'ENGLAND_AND_WALES_SDS_EXPIRY',
      citation: citing(
        'Criminal Justice Act 2003 s.249(1) (licence in force for the remainder of the sentence), ss.240ZA, 240A (time served), s.263-264',
        { added: false, atLarge: lastExpiry.atLarge },
      ),
      url: 'https://www.legislation.gov.uk/ukpga/2003/44/section/249',
      inputs,
      steps: [
        ...concurrentNote,
        ...chainSteps(lastExpiry),
        `${lastExpiry.totalDays} days counting ${lastExpiry.servedFrom} as day 1 end on ${lastExpiry.sled}: sentence and licence expiry`,
        ...(adjustments.awarded > 0
          ? [
              `the ${added} additional days (${adjustments.awarded} awarded, ${adjustments.restored} restored) do not move the sentence and licence expiry date`,
            ]
          : []),
      ],
      unverified: [
        ...unverifiedFor({ added: false, atLarge: lastExpiry.atLarge }),
        ...(adjustments.awarded > 0 ? [SLED_NOT_EXTENDED_UNVERIFIED] : []),
      ],
    },
  };
  const crd: CalculatedDate = {
    type: 'CRD',
    date: governing.point.date,
    explanation: {
      ruleId: governing.point.policies[governing.point.policies.length - 1]!.id,
      citation: citing(governing.point.policies.map((p) => p.source.citation).join(' | '), {
        added: true,
        atLarge: governing.atLarge,
      }),
      url: governing.point.policies[governing.point.policies.length - 1]!.source.url,
      inputs,
      steps: [
        ...concurrentNote,
        ...chainSteps(governing),
        ...(adjustments.awarded > 0 ? [adjustments.addedStep] : []),
        ...governing.point.steps,
        'released on licence (CJA 2003 s.244); a release due on a weekend or bank holiday moves under the Criminal Justice Act 1961 s.23(3) (release-day.ts)',
      ],
      unverified: [
        ...governing.point.unverified,
        ...unverifiedFor({ added: true, atLarge: governing.atLarge }),
        ...(governing.chain.length > 1
          ? [
              'each consecutive sentence is rounded up on its own before adding; HMPPS adds the days of sentences sharing a proportion before rounding, which can differ by a day',
            ]
          : []),
        ...(results.length > 1 && credit + added > 0
          ? ['remand and tagged-bail credit and additional days are applied to every concurrent group alike']
          : []),
      ],
    },
  };
  const dates: CalculatedDate[] = [sled, crd];
  const notApplicable: NotApplicableDate[] = [];

  // HDC (s.246): window of N days ending with the last day of the requisite custodial period, after
  // 4 weeks and one-half of that period.
  const hdc = hdcRecord(table, 'ENGLAND_AND_WALES', input.asAt, warnings);
  // The custodial period is the governing group's (for concurrent groups starting on different
  // days, the one whose CRD is latest), under the proportions its CRD applied, without the
  // additional days: they extend the period to be served before eligibility (s.257(2)(a)), so they
  // are added to the day found.
  const servedFrom = governing.servedFrom;
  const requisiteEnd = governing.requisiteEnd;
  const custodial = daysBetween(servedFrom, requisiteEnd) + 1;
  /** The CRD was moved to a commencement day later than the period's end plus the additional days. */
  const movedToCommencement = addDays(requisiteEnd, added) < governing.point.date;
  const requisiteWords =
    requisiteEnd === crd.date
      ? `the CRD ${crd.date}`
      : `${requisiteEnd}, the day the proportion applied for the CRD ${crd.date} is served${
          added > 0 ? ` without the ${added} additional days` : ''
        }${movedToCommencement ? ' (the CRD is the later day on which that proportion reached the sentence)' : ''}${
          addDays(requisiteEnd, added) > crd.date ? ' (the CRD is the end of the sentence)' : ''
        }`;
  const requisiteUnverified = movedToCommencement ? [REQUISITE_BEFORE_COMMENCEMENT_UNVERIFIED] : [];
  const excluded = englandAndWalesHdcExclusion(
    input,
    results.map((r) => ({
      start: r.chain[0]!.start,
      days: r.totalDays,
      ids: r.chain.map((x) => x.input.id),
    })),
  );
  if (excluded !== null) notApplicable.push({ type: 'HDCED', reason: `${excluded} (${hdc.id})` });
  else if (custodial < hdc.minCustodialPeriodDays)
    notApplicable.push({
      type: 'HDCED',
      reason: `the requisite custodial period is ${custodial} days, under the ${hdc.minCustodialPeriodDays} days (6 weeks) s.246(2)(a) requires (${hdc.id})`,
    });
  else {
    const half = ceilProportionOfDays(custodial, hdc.minServedProportionOfCustodialPeriod!);
    const windowStart = custodial - hdc.maxDaysBeforeRelease + 1;
    const day = Math.max(hdc.minServedDays, half, windowStart, 1);
    const hdced = addDays(servedFrom, day + added - 1);
    // Additional days the sentence's end leaves unserved before the CRD (review M1): all are added
    // here (s.257(2)(a) as written); HMPPS's HdcedCalculator takes them off.
    const unused = Math.max(0, custodial + added - governing.totalDays);
    const addedDaysUnverified =
      added === 0
        ? []
        : unused === 0
          ? [HDCED_ADDED_DAYS_UNVERIFIED]
          : [
              `the CRD is the end of the sentence, so ${unused} of the ${added} additional days are not served before release; all ${added} are added to the HDCED (s.257(2)(a) read as written). HMPPS calculate-release-dates (HdcedCalculator) takes the unused days off, which would give day ${day + added - unused}, ${addDays(servedFrom, day + added - unused - 1)}; which is right was not verified`,
            ];
    if (hdced >= crd.date)
      notApplicable.push({
        type: 'HDCED',
        reason: `no day before the CRD ${crd.date} meets s.246 (${hdc.id})`,
      });
    else {
      if (atLarge > 0) warnings.push(`HDCED ${hdced}: ${HDC_AFTER_AT_LARGE_UNVERIFIED}`);
      dates.push({
        type: 'HDCED',
        date: hdced,
        explanation: {
          ruleId: hdc.id,
          citation: citing(hdc.source.citation, { added: true, atLarge: governing.atLarge }),
          url: hdc.source.url,
          inputs: { ...inputs, crd: crd.date, custodialDays: custodial, requisiteEnd },
          steps: [
            ...(governing.atLargeStep === null ? [] : [governing.atLargeStep]),
            `requisite custodial period: ${custodial} days from ${servedFrom} to ${requisiteWords} (at least ${hdc.minCustodialPeriodDays})`,
            `at least ${hdc.minServedDays} days served: day ${hdc.minServedDays}`,
            `at least one-half of the custodial period served: ${describeRational(hdc.minServedProportionOfCustodialPeriod!)} of ${custodial} = day ${half}`,
            `within the ${hdc.maxDaysBeforeRelease} days ending with the last day of the requisite custodial period: day ${windowStart} onwards`,
            ...(added > 0
              ? [
                  `the latest of these is day ${day}; ${adjustments.addedStep}: day ${day} + ${added} = day ${day + added}, counting ${servedFrom} as day 1, is ${hdced}`,
                ]
              : [`the latest of these, day ${day}, counting ${servedFrom} as day 1, is ${hdced}`]),
          ],
          unverified: [
            ...unverifiedFor({ added: true, atLarge: governing.atLarge }),
            ...addedDaysUnverified,
            ...(atLarge > 0 ? [HDC_AFTER_AT_LARGE_UNVERIFIED] : []),
            ...requisiteUnverified,
            ...(hdc.source.unverified ? [hdc.source.unverified] : []),
            'the window is read as the N days ending with (and including) the last day of the requisite custodial period; HMPPS practice was not checked',
            's.246(4) exclusions outside the inputs (extended sentence, offender of particular concern, previous recall or HDC curfew breach, liable to deportation, and others) are not checked',
            ...(input.sexOffenderNotification === undefined ? [NOTIFICATION_ASSUMED] : []),
            ...(results.length > 1
              ? [
                  'concurrent groups: the custodial period is counted from the start of the group whose CRD governs',
                ]
              : []),
          ],
        },
      });
    }
  }

  // TUSED (s.256AA): sentence of more than 1 day and less than 2 years; adult on the last day of the requisite custodial period; offence on or after 1 Feb 2015.
  const unverifiedTused: string[] = [];
  const twoYearsOrMore = results.find((r) => termAtLeastYears(r.chain[0]!.start, r.totalDays, 2));
  // s.256AA(1)(a): "aged under 18 on the last day of the requisite custodial period", which is
  // not moved by additional days (nor by the end of the sentence capping them).
  const custodialEnd = governing.requisiteEnd;
  const adult = input.dateOfBirth === undefined || addMonths(input.dateOfBirth, 12 * 18) <= custodialEnd;
  if (!adult)
    notApplicable.push({
      type: 'TUSED',
      reason: `aged under 18 on ${custodialEnd}, the last day of the requisite custodial period (s.256AA(1)(a))`,
    });
  if (input.dateOfBirth === undefined)
    unverifiedTused.push(
      'no date of birth given: taken to be 18 or over on the last day of the requisite custodial period',
    );
  if (sentences.some((s) => s.input.offenceDate === undefined))
    unverifiedTused.push(
      'offence date not given for every sentence: taken to be on or after 1 February 2015',
    );
  if (twoYearsOrMore)
    notApplicable.push({
      type: 'TUSED',
      reason: `a term of 2 years or more (${twoYearsOrMore.chain.map((s) => s.input.id).join(' + ')}): no top-up supervision (s.256AA(1))`,
    });
  else if (adult) {
    // 12 months from the end of the requisite custodial period: additional days extend the time to
    // release (s.257(2)(a)), not that period, so they do not move the TUSED.
    const tused = addDays(addMonths(addDays(custodialEnd, 1), 12), -1);
    if (tused <= sled.date)
      notApplicable.push({
        type: 'TUSED',
        reason: `12 months after the requisite custodial period (${tused}) is not after the SLED ${sled.date}`,
      });
    else
      dates.push({
        type: 'TUSED',
        date: tused,
        explanation: {
          ruleId: 'ENGLAND_AND_WALES_S256AA',
          citation: citing(
            'Criminal Justice Act 2003 s.256AA(1), (4) (inserted by the Offender Rehabilitation Act 2014 s.2, in force 1 February 2015): supervision from the end of the sentence to the end of 12 months beginning immediately after the requisite custodial period',
            { added: false, atLarge: governing.atLarge },
          ),
          url: 'https://www.legislation.gov.uk/ukpga/2003/44/section/256AA',
          inputs: { ...inputs, crd: crd.date, sled: sled.date, requisiteEnd: custodialEnd },
          steps: [
            `term under 2 years and more than 1 day`,
            ...(governing.atLargeStep === null ? [] : [governing.atLargeStep]),
            custodialEnd === crd.date
              ? `12 months beginning ${addDays(crd.date, 1)} (the day after the CRD) end on ${tused}`
              : `12 months beginning ${addDays(custodialEnd, 1)} (the day after the requisite custodial period ends on ${requisiteWords}${
                  added > 0 ? ': additional days extend the time to release, not that period' : ''
                }) end on ${tused}`,
            `after the SLED ${sled.date}: top-up supervision until ${tused}`,
          ],
          unverified: [
            ...unverifiedTused,
            ...unverifiedFor({ added: false, atLarge: governing.atLarge }),
            ...(adjustments.awarded > 0 ? [TUSED_NOT_EXTENDED_UNVERIFIED] : []),
            ...requisiteUnverified,
          ],
        },
      });
  }
  const policyIds = [...new Set([...results.flatMap((r) => r.point.policies.map((p) => p.id)), hdc.id])];
  return { jurisdiction: 'ENGLAND_AND_WALES', asAt: input.asAt, dates, notApplicable, policyIds, warnings };
}

// ---------------------------------------------------------------------------------------------
// England & Wales adjustments beyond remand: additional days awarded, restored, unlawfully at large

const ADA_URL = 'https://www.legislation.gov.uk/ukpga/2003/44/section/257';
const UAL_URL = 'https://www.legislation.gov.uk/ukpga/Geo6and1Eliz2/15-16/52/section/49';
const ADA_CITATION =
  'Criminal Justice Act 2003 s.257(2)(a) (additional days awarded under prison rules and not remitted extend the period to be served before release or eligibility for release)';
const UAL_CITATION =
  'Prison Act 1952 s.49(2) (time unlawfully at large is not taken into account in the period for which the prisoner is liable to be detained)';
const RESTORATION_UNVERIFIED =
  'restored days are checked only to be no more than the days awarded: the rule of the Prison Rules 1999 under which days are restored and any limit the HMPPS adjudication policy sets on restoration were not read';
const UAL_UNVERIFIED =
  'unlawfully-at-large days are taken as given: days at large during these sentences before release, none of them spent detained under a sentence (s.49(2)(a)), no direction of the Secretary of State that they count; time at large while on licence (a recall) is not calculated here';
const SLED_NOT_EXTENDED_UNVERIFIED =
  'the SLED is not moved by additional days, as HMPPS calculate-release-dates does (adjustmentsForLicenceExpiry: remand, tagged bail and unlawfully at large only); CJA 2003 s.257(2)(c) as enacted extends "any period for which a licence ... remains in force" by the additional days, and how it applies to a licence to the end of the sentence (s.249) was not verified';
const TUSED_NOT_EXTENDED_UNVERIFIED =
  'the TUSED is counted from the end of the requisite custodial period without the additional days (s.257(2)(a) extends the period to be served before release, not that period), as HMPPS calculate-release-dates does; not confirmed in published guidance';
const REQUISITE_BEFORE_COMMENCEMENT_UNVERIFIED =
  'the requisite custodial period is the proportion the CRD applied (s.244(3) defines it as a proportion), ending before the day that proportion reached the sentence, on which release was due; HMPPS calculate-release-dates counts the HDCED and TUSED on the unadjusted proportion the same way; published guidance for sentences straddling a commencement was not read';
const HDC_AFTER_AT_LARGE_UNVERIFIED =
  'time unlawfully at large was given: CJA 2003 s.246(4) excludes from HDC a prisoner serving a sentence for failing to return to custody (Prisoners (Return to Custody) Act 1995 s.1; the paragraph of s.246(4) was not verified), which no input here says, and the HDC policy framework (not read) treats escape or abscond as a concern for suitability: check before HDC is considered';
const HDCED_ADDED_DAYS_UNVERIFIED =
  'the HDCED is found on the custodial period without the additional days and then moved by them (s.257(2)(a): the period to be served before eligibility for release), as HMPPS calculate-release-dates does; the HDC policy framework on additional days was not read';

/** The additional days, restored days and days unlawfully at large of an England & Wales calculation, and their steps. */
function englandAndWalesAdjustments(input: SentenceCalculationInput) {
  const awarded = checkCount(input.additionalDaysAwarded, 'additionalDaysAwarded');
  const restored = checkCount(input.restoredDays, 'restoredDays');
  const atLarge = checkCount(input.unlawfullyAtLargeDays, 'unlawfullyAtLargeDays');
  const added = awarded - restored;
  return {
    awarded,
    restored,
    /** Net of those restored: the days that extend the period to be served. */
    added,
    atLarge,
    addedStep: `additional days: ${awarded} awarded (Prison Rules 1999 r.55A)${
      restored > 0 ? ` less ${restored} restored (remitted in accordance with prison rules)` : ''
    } = ${added} days extend the period to be served before release and before eligibility for release (CJA 2003 s.257(2)(a), ${ADA_URL})`,
    atLargeStep: `unlawfully at large: ${atLarge} days do not count as time served (Prison Act 1952 s.49(2), ${UAL_URL}): every date moves ${atLarge} days later`,
  };
}

/**
 * The days unlawfully at large counted against each consecutive chain (Prison Act 1952 s.49(2):
 * not taken into account in the period the prisoner is "liable to be detained in pursuance of the
 * sentence"), and the step saying so. They count against the chains being served when the time at
 * large began, as a whole (a sentence made consecutive later moves with its chain), not against
 * concurrent sentences imposed after it (HMPPS calculate-release-dates: "Previous UAL does not
 * apply to new sentences"). A chain is taken to be served from its first sentence's imposition.
 * Without `unlawfullyAtLargePeriod` that can only be told when every chain was imposed on the same
 * day; otherwise the period is required (InvalidSentenceInputError naming it).
 */
function unlawfullyAtLargeByChain(
  input: SentenceCalculationInput,
  chains: readonly (readonly Resolved[])[],
  adjustments: { readonly atLarge: number; readonly atLargeStep: string },
): { days: number; step: string | null }[] {
  const { atLarge } = adjustments;
  if (atLarge === 0) return chains.map(() => ({ days: 0, step: null }));
  const imposed = chains.map((chain) => chain[0]!.input.sentenceDate);
  const ids = (chain: readonly Resolved[]) => chain.map((s) => s.input.id).join(' + ');
  const period = input.unlawfullyAtLargePeriod;
  if (period === undefined) {
    if (new Set(imposed).size > 1)
      throw new InvalidSentenceInputError(
        'unlawfullyAtLargePeriod',
        `required with unlawfullyAtLargeDays when concurrent sentences were imposed on different days (${chains
          .map((c, i) => `${ids(c)} on ${imposed[i]}`)
          .join(
            ', ',
          )}): time at large counts only against the sentences being served then (Prison Act 1952 s.49(2)), not those imposed after it`,
      );
    return chains.map(() => ({ days: atLarge, step: adjustments.atLargeStep }));
  }
  const result = chains.map((chain, i) => {
    const day = imposed[i]!;
    if (day <= period.from)
      return {
        days: atLarge,
        step: `unlawfully at large from ${period.from} to ${period.to}, during ${ids(chain)} (imposed ${day}): ${atLarge} days do not count as time served (Prison Act 1952 s.49(2), ${UAL_URL}): its dates move ${atLarge} days later`,
      };
    if (day > period.to)
      return {
        days: 0,
        step: `unlawfully at large from ${period.from} to ${period.to}: not counted against ${ids(chain)}, imposed on ${day} after the time at large ended (Prison Act 1952 s.49(2) extends the period of liability under the sentences being served then)`,
      };
    throw new UnsupportedSentenceError(
      'SENTENCED_WHILE_UNLAWFULLY_AT_LARGE',
      `Sentence(s) ${ids(chain)} imposed on ${day}, within the time at large ${period.from} to ${period.to}: which of the days count against them is not calculated here`,
      chain.map((s) => s.input.id),
    );
  });
  if (result.every((r) => r.days === 0))
    throw new InvalidSentenceInputError(
      'unlawfullyAtLargePeriod',
      `ends on ${period.to}, before any of these sentences was imposed: only time at large during them counts (Prison Act 1952 s.49(2))`,
    );
  return result;
}
