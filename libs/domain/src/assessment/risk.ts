import type { RiskOfSeriousHarm } from '@throughcare/contracts';
import { type LocalDate, parseLocalDate } from '../calendar/local-date';
import { DomainError } from '../errors';

/**
 * Risk as recorded with an assessment (docs/domain.md "Vocabulary": likelihood of reoffending, risk
 * of serious harm, MAPPA; seeds 001 and 003). Pure: what a risk says and what rose between two of
 * them. Who may see it, and what a rise escalates to, are the services' business.
 */

export const LIKELIHOODS_OF_REOFFENDING = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type LikelihoodOfReoffending = (typeof LIKELIHOODS_OF_REOFFENDING)[number];

export type MappaCategory = 1 | 2 | 3 | 4;
export type MappaLevel = 1 | 2 | 3;

/** Multi-Agency Public Protection Arrangements: who qualifies (category) and how managed (level). */
export interface MappaStatus {
  readonly category: MappaCategory;
  readonly level: MappaLevel;
}

export interface RiskAssessment {
  readonly likelihoodOfReoffending: LikelihoodOfReoffending;
  readonly riskOfSeriousHarm: RiskOfSeriousHarm;
  /** Why, in words: required. */
  readonly reasons: string;
  readonly assessedOn: LocalDate;
  /** null: not a MAPPA case. */
  readonly mappa: MappaStatus | null;
}

/** What rose between two risk assessments. */
export type RiskRise = 'RISK_OF_SERIOUS_HARM' | 'MAPPA_LEVEL' | 'LIKELIHOOD_OF_REOFFENDING';

/** The longest `reasons` accepted (a paragraph or two; the detail lives in the agencies' records). */
export const RISK_REASONS_MAX_LENGTH = 4000;

/**
 * MAPPA categories and levels, as this module understands them. What they mean is reference text,
 * not behaviour: the module checks only that a category is 1-4 and a level 1-3.
 */
export const MAPPA_REFERENCE = {
  categories: {
    1: 'Registered sexual offenders (subject to notification requirements)',
    2: 'E&W: violent offenders sentenced to 12 months or more, or detained under a hospital order, and other sexual offenders not subject to notification; Scotland: restricted patients (mentally disordered offenders)',
    3: 'Other offenders assessed as posing a risk of serious harm who need multi-agency management (E&W: "other dangerous offenders")',
    4: 'Terrorist and terrorism-connected offenders (England and Wales, later amendments)',
  },
  levels: {
    1: 'Ordinary agency management',
    2: 'Active multi-agency management',
    3: 'Active multi-agency management with senior staff involved (special resources)',
  },
  source: {
    citation:
      'Seed 001 (Management of Offenders etc. (Scotland) Act 2005 ss.10-11: MAPPA in Scotland for sexual and violent offenders); E&W categories 1-3 and levels 1-3 under the Criminal Justice Act 2003, as local MAPPA pages describe them (e.g. gwentmappa.org.uk "MAPPA process", norfolkmappa.org.uk); seed 003 (use of MAPPA in probation)',
    unverified:
      "Not checked against the current MAPPA Guidance (E&W) or the Scottish MAPPA National Guidance. Category 4 (terrorist offenders) is this project's recollection of post-2021 E&W changes and may not exist in that form, nor at all in Scotland; Scotland's category 2 (restricted patients) and category 3 are from memory. The module accepts category 4 in both jurisdictions rather than refuse a record the services may receive",
  },
} as const;

/** A risk assessment that does not hold together: `field` names what is wrong. */
export class InvalidRiskError extends DomainError {
  readonly code = 'DOMAIN_INVALID_RISK';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Lowest first; the contracts' enum order (a spec checks it: the domain imports only types from contracts). */
export const RISK_OF_SERIOUS_HARM_ORDER: readonly RiskOfSeriousHarm[] = [
  'LOW',
  'MEDIUM',
  'HIGH',
  'VERY_HIGH',
];
const ROSH_ORDER = RISK_OF_SERIOUS_HARM_ORDER;

/** Refuses a risk assessment whose values are outside their scales, with no reasons, or an invalid date. */
export function validateRisk(risk: RiskAssessment): void {
  if (!(LIKELIHOODS_OF_REOFFENDING as readonly string[]).includes(risk.likelihoodOfReoffending))
    throw new InvalidRiskError('likelihoodOfReoffending', `one of ${LIKELIHOODS_OF_REOFFENDING.join(', ')}`);
  if (!(ROSH_ORDER as readonly string[]).includes(risk.riskOfSeriousHarm))
    throw new InvalidRiskError('riskOfSeriousHarm', `one of ${ROSH_ORDER.join(', ')}`);
  if (typeof risk.reasons !== 'string' || risk.reasons.trim() === '')
    throw new InvalidRiskError('reasons', 'say why, in words: required');
  if (risk.reasons.length > RISK_REASONS_MAX_LENGTH)
    throw new InvalidRiskError('reasons', `at most ${RISK_REASONS_MAX_LENGTH} characters`);
  try {
    parseLocalDate(risk.assessedOn);
  } catch {
    throw new InvalidRiskError('assessedOn', `not a calendar date in YYYY-MM-DD form: "${risk.assessedOn}"`);
  }
  if (risk.mappa !== null) {
    if (![1, 2, 3, 4].includes(risk.mappa.category))
      throw new InvalidRiskError('mappa.category', 'a MAPPA category is 1, 2, 3 or 4');
    if (![1, 2, 3].includes(risk.mappa.level))
      throw new InvalidRiskError('mappa.level', 'a MAPPA level is 1, 2 or 3');
  }
}

/**
 * What rose from `previous` to `next`, in the order RISK_OF_SERIOUS_HARM, MAPPA_LEVEL,
 * LIKELIHOOD_OF_REOFFENDING. No previous assessment: nothing rose (a first assessment is no rise).
 * MAPPA: a new MAPPA status (none before) is a rise of MAPPA_LEVEL, as is a higher level; leaving
 * MAPPA, a lower level or a change of category alone is not a rise. A fall is never reported.
 */
export function riskRises(previous: RiskAssessment | null, next: RiskAssessment): RiskRise[] {
  if (previous === null) return [];
  const rises: RiskRise[] = [];
  if (ROSH_ORDER.indexOf(next.riskOfSeriousHarm) > ROSH_ORDER.indexOf(previous.riskOfSeriousHarm))
    rises.push('RISK_OF_SERIOUS_HARM');
  if (next.mappa !== null && (previous.mappa === null || next.mappa.level > previous.mappa.level))
    rises.push('MAPPA_LEVEL');
  if (
    LIKELIHOODS_OF_REOFFENDING.indexOf(next.likelihoodOfReoffending) >
    LIKELIHOODS_OF_REOFFENDING.indexOf(previous.likelihoodOfReoffending)
  )
    rises.push('LIKELIHOOD_OF_REOFFENDING');
  return rises;
}
