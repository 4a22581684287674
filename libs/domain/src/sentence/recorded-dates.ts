import type { Jurisdiction } from '@throughcare/contracts';
import { DomainError, InvalidLocalDateError } from '../errors';
import { type LocalDate, parseLocalDate } from '../calendar/local-date';

/**
 * Official sentence dates recorded by prison staff, not calculated here (issue 10, recorded
 * dates): the dates of sentences this platform does not calculate (Scottish long-term sentences
 * of 4 years or more, extended, indeterminate and SOPC sentences, recalls), or the official
 * calculation of the prison's own system where it is the calculation of record. Pure: the checks
 * below are those that hold for every sentence whatever its kind (the order of release,
 * eligibility and expiry), and the combinations no calculation gives; the dates themselves are
 * not checked against the sentences (this platform cannot calculate them), which every
 * explanation says.
 *
 * Date types are those of calculate-release-dates-api `ReleaseDateType` (vocabulary.md). APD and
 * HDCAD are decisions, recorded as release-date changes (PAROLE, HDC_APPROVED), not here. ROTL is
 * not a sentence date. vocabulary.md has no NPD (Scotland's non-parole date): a Scottish
 * long-term prisoner's release on licence without parole is recorded as the CRD (conditional
 * release, on licence), our mapping.
 */
export const RECORDED_DATE_TYPES = [
  'PED',
  'HDCED',
  'CRD',
  'ARD',
  'PRRD',
  'SED',
  'LED',
  'SLED',
  'TUSED',
] as const;
export type RecordedDateType = (typeof RECORDED_DATE_TYPES)[number];

/** Where an official date comes from. */
export const RECORDED_DATE_SOURCES = [
  /** The establishment's own calculation system (e.g. SPS's, or NOMIS/calculate-release-dates). */
  'ESTABLISHMENT_CALCULATION',
  /** A decision of the Parole Board (e.g. a post-recall release date). */
  'PAROLE_BOARD',
  /** The court's order (e.g. the custodial term of an extended sentence, a punishment part). */
  'COURT_ORDER',
  /** Anything else: `sourceReference` says what. */
  'OTHER',
] as const;
export type RecordedDateSource = (typeof RECORDED_DATE_SOURCES)[number];

/** Why the dates are recorded rather than calculated. */
export const RECORDED_BECAUSE = [
  'SCOTLAND_LONG_TERM',
  'SCOTLAND_EXTENDED',
  'SCOTLAND_INDETERMINATE',
  'ENGLAND_AND_WALES_EXTENDED',
  'ENGLAND_AND_WALES_SOPC',
  'ENGLAND_AND_WALES_INDETERMINATE',
  'RECALL',
  /** A sentence this platform calculates, whose official calculation is the prison's own. */
  'OFFICIAL_CALCULATION',
] as const;
export type RecordedBecause = (typeof RECORDED_BECAUSE)[number];

const JURISDICTION_OF_REASON: Partial<Record<RecordedBecause, Jurisdiction>> = {
  SCOTLAND_LONG_TERM: 'SCOTLAND',
  SCOTLAND_EXTENDED: 'SCOTLAND',
  SCOTLAND_INDETERMINATE: 'SCOTLAND',
  ENGLAND_AND_WALES_EXTENDED: 'ENGLAND_AND_WALES',
  ENGLAND_AND_WALES_SOPC: 'ENGLAND_AND_WALES',
  ENGLAND_AND_WALES_INDETERMINATE: 'ENGLAND_AND_WALES',
};

export interface RecordedDateInput {
  readonly type: RecordedDateType;
  readonly date: LocalDate;
  readonly source: RecordedDateSource;
  /** What the source calls it, e.g. the calculation's reference or the decision's date. */
  readonly sourceReference?: string;
}

export interface RecordedDatesInput {
  readonly jurisdiction: Jurisdiction;
  readonly recordedBecause: RecordedBecause;
  readonly dates: readonly RecordedDateInput[];
}

/** A rule the recorded dates break: `fields` name each date concerned (`dates.1.date`). */
export class RecordedDatesInvalidError extends DomainError {
  constructor(
    readonly code: 'RECORDED_DATES_INVALID' | 'RECORDED_DATES_OUT_OF_ORDER' | 'RECORDED_DATES_IMPOSSIBLE',
    readonly fields: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

/** The release points a recording can give, in the order one is chosen (see `recordedReleaseDate`). */
const RELEASE_POINTS = ['PRRD', 'CRD', 'ARD'] as const;
export type RecordedReleaseType = (typeof RELEASE_POINTS)[number];

/**
 * Date order that holds whatever the sentence (each pair: the earlier type may not be after the
 * later one). Eligibility comes before the release point it would bring forward; nobody is
 * released, or eligible, after the sentence expires; top-up supervision starts when the sentence
 * ends.
 */
const ORDER: readonly (readonly [RecordedDateType, RecordedDateType, string])[] = [
  ['PED', 'CRD', 'parole eligibility comes before the release the parole would bring forward'],
  ['PED', 'ARD', 'parole eligibility comes before the release the parole would bring forward'],
  [
    'HDCED',
    'CRD',
    'home detention curfew is release before the release point (CJA 2003 s.246; 1993 Act s.3AA)',
  ],
  [
    'HDCED',
    'ARD',
    'home detention curfew is release before the release point (CJA 2003 s.246; 1993 Act s.3AA)',
  ],
  ...(['PED', 'HDCED', 'CRD', 'ARD', 'PRRD'] as const).flatMap((early) =>
    (['SED', 'SLED'] as const).map(
      (expiry) =>
        [early, expiry, 'nobody is released, or eligible for release, after the sentence expires'] as const,
    ),
  ),
  ...(['CRD', 'PRRD'] as const).map(
    (release) => [release, 'LED', 'a licence given on release expires after the release'] as const,
  ),
  ...(['SED', 'SLED'] as const).map(
    (expiry) =>
      [
        expiry,
        'TUSED',
        'top-up supervision begins when the sentence expires (CJA 2003 s.256AA; subsection unverified)',
      ] as const,
  ),
];

/**
 * Types an indeterminate sentence does not have: it does not expire, and release is on the Parole
 * Board's direction only (Crime (Sentences) Act 1997 s.28; 1993 Act s.2: cited from knowledge, not
 * verified against the text here). HDC (CJA 2003 s.246; 1993 Act s.3AA) and TUSED are for
 * determinate sentences.
 */
const NOT_INDETERMINATE: ReadonlySet<RecordedDateType> = new Set([
  'SED',
  'SLED',
  'LED',
  'CRD',
  'ARD',
  'HDCED',
  'TUSED',
]);

/**
 * Checks recorded dates: every date a real date, each type once, the order of `ORDER`, and no
 * impossible combination. Throws {@link RecordedDatesInvalidError} naming the fields.
 */
export function validateRecordedDates(input: RecordedDatesInput): void {
  const at = new Map<RecordedDateType, number>();
  input.dates.forEach((d, i) => {
    try {
      parseLocalDate(d.date);
    } catch (e) {
      if (e instanceof InvalidLocalDateError)
        throw new RecordedDatesInvalidError('RECORDED_DATES_INVALID', [`dates.${i}.date`], e.message);
      throw e;
    }
    const first = at.get(d.type);
    if (first !== undefined)
      throw new RecordedDatesInvalidError(
        'RECORDED_DATES_INVALID',
        [`dates.${i}.type`],
        `${d.type} is recorded twice (dates.${first} and dates.${i}): record each type once`,
      );
    at.set(d.type, i);
    if (d.source === 'OTHER' && !d.sourceReference)
      throw new RecordedDatesInvalidError(
        'RECORDED_DATES_INVALID',
        [`dates.${i}.sourceReference`],
        'a date from source OTHER says where it comes from (sourceReference)',
      );
  });
  const impossible = (fields: string[], message: string) =>
    new RecordedDatesInvalidError('RECORDED_DATES_IMPOSSIBLE', fields, message);
  const reasonJurisdiction = JURISDICTION_OF_REASON[input.recordedBecause];
  if (reasonJurisdiction !== undefined && reasonJurisdiction !== input.jurisdiction)
    throw impossible(
      ['recordedBecause'],
      `${input.recordedBecause} is a sentence of ${reasonJurisdiction}, and this episode is in ${input.jurisdiction}`,
    );
  const tused = at.get('TUSED');
  if (tused !== undefined && input.jurisdiction === 'SCOTLAND')
    throw impossible(
      [`dates.${tused}.type`],
      'top-up supervision (TUSED) is England and Wales only (CJA 2003 s.256AA): a Scottish episode has none',
    );
  const sled = at.get('SLED');
  for (const other of ['SED', 'LED'] as const) {
    const i = at.get(other);
    if (sled !== undefined && i !== undefined)
      throw impossible(
        [`dates.${i}.type`],
        `SLED is the sentence and licence expiry in one date: record the SLED, or the SED and the LED, not both (dates.${sled} and dates.${i})`,
      );
  }
  const crd = at.get('CRD');
  const ard = at.get('ARD');
  if (crd !== undefined && ard !== undefined)
    throw impossible(
      [`dates.${ard}.type`],
      `a calculation gives one release point, on licence (CRD) or without (ARD): record the one the official calculation gives, not both (dates.${crd} and dates.${ard})`,
    );
  if (
    input.recordedBecause === 'SCOTLAND_INDETERMINATE' ||
    input.recordedBecause === 'ENGLAND_AND_WALES_INDETERMINATE'
  )
    input.dates.forEach((d, i) => {
      if (NOT_INDETERMINATE.has(d.type))
        throw impossible(
          [`dates.${i}.type`],
          `an indeterminate sentence has no ${d.type}: it does not expire, and release is on the Parole Board's direction only (England and Wales: Crime (Sentences) Act 1997 s.28; Scotland: 1993 Act s.2; both citations unverified here); record the PED (the end of the tariff or punishment part) or, after a recall, the PRRD`,
        );
    });
  for (const [earlyType, lateType, why] of ORDER) {
    const e = at.get(earlyType);
    const l = at.get(lateType);
    if (e === undefined || l === undefined) continue;
    const early = input.dates[e]!;
    const late = input.dates[l]!;
    if (early.date > late.date)
      throw new RecordedDatesInvalidError(
        'RECORDED_DATES_OUT_OF_ORDER',
        [`dates.${e}.date`, `dates.${l}.date`],
        `the ${earlyType} ${early.date} is after the ${lateType} ${late.date}: ${why}`,
      );
  }
}

/**
 * The release date a recording gives: its PRRD, else its CRD, else its ARD (vocabulary.md's
 * precedence puts CRD before ARD; a recording has one of them at most). A PRRD comes first, our
 * rule: a recall follows a release, so the original sentence's release point has passed. Null
 * when it gives none (e.g. only a PED: eligibility is never a release date).
 */
export function recordedReleaseDate(
  dates: readonly Pick<RecordedDateInput, 'type' | 'date'>[],
): { type: RecordedReleaseType; date: LocalDate } | null {
  for (const type of RELEASE_POINTS) {
    const d = dates.find((x) => x.type === type);
    if (d) return { type, date: d.date };
  }
  return null;
}

const SOURCE_WORDS: Record<RecordedDateSource, string> = {
  ESTABLISHMENT_CALCULATION: "the establishment's own calculation system",
  PAROLE_BOARD: 'a decision of the Parole Board',
  COURT_ORDER: "the court's order",
  OTHER: 'another source',
};

const BECAUSE_WORDS: Record<RecordedBecause, string> = {
  SCOTLAND_LONG_TERM:
    'a Scottish long-term sentence (4 years or more), which this platform does not calculate',
  SCOTLAND_EXTENDED: 'a Scottish extended sentence, which this platform does not calculate',
  SCOTLAND_INDETERMINATE:
    'a Scottish indeterminate sentence (life, OLR), which this platform does not calculate',
  ENGLAND_AND_WALES_EXTENDED:
    'an England and Wales extended sentence, which this platform does not calculate',
  ENGLAND_AND_WALES_SOPC:
    'an England and Wales sentence for offenders of particular concern, which this platform does not calculate',
  ENGLAND_AND_WALES_INDETERMINATE:
    'an England and Wales indeterminate sentence (life, IPP), which this platform does not calculate',
  RECALL: 'a recall, which this platform does not calculate',
  OFFICIAL_CALCULATION:
    "the prison's own calculation, the official one: where this platform calculates the sentence too, the recorded date is the one in force",
};

export interface RecordedDateExplanation {
  readonly kind: 'RECORDED';
  readonly source: RecordedDateSource;
  readonly sourceReference: string | null;
  readonly recordedAt: string;
  readonly recordedBy: string;
  /** In words: recorded, not calculated, from which source, and why. */
  readonly steps: readonly string[];
  readonly unverified: readonly string[];
}

/** The explanation of a recorded date: recorded, not calculated, with its source. */
export function explainRecordedDate(
  d: RecordedDateInput,
  recordedBecause: RecordedBecause,
  recorded: { at: string; by: string },
): RecordedDateExplanation {
  const reference = d.sourceReference ? ` (${d.sourceReference})` : '';
  return {
    kind: 'RECORDED',
    source: d.source,
    sourceReference: d.sourceReference ?? null,
    recordedAt: recorded.at,
    recordedBy: recorded.by,
    steps: [
      `Recorded, not calculated: the ${d.type} ${d.date} as given by ${SOURCE_WORDS[d.source]}${reference}.`,
      `Recorded by ${recorded.by} at ${recorded.at}, for ${BECAUSE_WORDS[recordedBecause]}.`,
    ],
    unverified: [
      'this platform did not calculate this date and has not checked it against the sentences: only its order against the other recorded dates is checked',
    ],
  };
}
