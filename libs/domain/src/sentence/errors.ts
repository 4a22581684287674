import { DomainError } from '../errors';

/**
 * A sentence (or a combination of sentences) this module does not calculate. It is refused rather
 * than guessed: long-term Scottish sentences, extended and indeterminate sentences, recalls, England
 * & Wales sentences outside the standard determinate sentence (SDS), and the special release
 * regimes (terrorist prisoners, SDS+, the 1993 Act s.1AA sex-offender licence).
 */
export class UnsupportedSentenceError extends DomainError {
  readonly code = 'DOMAIN_SENTENCE_UNSUPPORTED';

  constructor(
    /** Machine-readable reason, stable for API clients. */
    readonly reason: UnsupportedSentenceReason,
    message: string,
    /** The sentence ids concerned (empty when it is the combination that is refused). */
    readonly sentenceIds: readonly string[] = [],
  ) {
    super(message);
  }
}

export type UnsupportedSentenceReason =
  | 'SCOTLAND_LONG_TERM'
  | 'SCOTLAND_SEX_OFFENDER_LICENCE_S1AA'
  | 'TERRORIST_PRISONER'
  | 'NOT_STANDARD_DETERMINATE'
  | 'RECALL'
  | 'ENGLAND_AND_WALES_SDS_PLUS'
  | 'ENGLAND_AND_WALES_OFFENCE_BEFORE_ORA_2014'
  | 'SENTENCE_OF_ONE_DAY_OR_LESS'
  | 'REMAND_DAYS_IN_SCOTLAND'
  | 'SCOTLAND_BAIL_CREDIT'
  | 'NON_OVERLAPPING_SENTENCES'
  | 'CONSECUTIVE_BRANCHING'
  /** E&W: a concurrent sentence imposed within the time unlawfully at large (unlawfullyAtLargePeriod). */
  | 'SENTENCED_WHILE_UNLAWFULLY_AT_LARGE';

/** The calculation's input is malformed: a field names what is wrong. */
export class InvalidSentenceInputError extends DomainError {
  readonly code = 'DOMAIN_SENTENCE_INVALID_INPUT';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * An adjustment given that does not apply to the calculation's jurisdiction (e.g. additional days
 * awarded, a punishment of the England and Wales Prison Rules, in a Scottish calculation): `field`
 * names it. Bad input, not a sentence this module declines: the API answers 400.
 */
export class AdjustmentNotApplicableError extends DomainError {
  readonly code = 'DOMAIN_ADJUSTMENT_NOT_APPLICABLE';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
