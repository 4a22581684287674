import type { Jurisdiction } from '@throughcare/contracts';

import { addDays, addMonths, type LocalDate } from '../calendar/local-date';
import { workingDayDeadline } from '../calendar/working-day-deadline';
import { isWorkingDay, previousWorkingDay, subtractWorkingDays } from '../calendar/working-days';
import { ClockNotInPolicyError, InvalidArgumentError } from '../errors';
import { endOfLocalDay, localDateOf, startOfLocalDay, type LocalTimeOfDay } from '../time/london';

/** Clocks every policy must define. */
export type CoreClockName = 'coreScreen' | 'referralAcknowledgement' | 'firstAppointment' | 'followUpWindow';

/** Clocks a policy may define when its jurisdiction has a sourced value. */
export type OptionalClockName =
  | 'comprehensiveScreen'
  | 'firstStandardReview'
  | 'standardReview'
  | 'summaryReview'
  | 'preReleaseMeeting'
  | 'missedAppointmentFollowUp'
  | 'inductionMeeting'
  | 'designationLetter'
  | 'throughcareAllocation'
  | 'firstSupervisionMeeting'
  | 'addictionServiceFirstContact'
  | 'offenderManagerFirstContact'
  | 'accommodationAssessment'
  | 'accommodationAssessmentShortNotice'
  | 'accommodationAssessmentEmergency'
  | 'cas2AssessmentCourtBail'
  | 'cas2AssessmentPrisonBail'
  | 'cas2AssessmentHdc';

export type ClockName = CoreClockName | OptionalClockName;

/** Who owes or is owed the work a clock measures. */
export type ClockParty =
  | 'PRISON'
  | 'CJSW'
  | 'PROBATION'
  | 'HOME_LOCAL_AUTHORITY'
  | 'ADDICTION_SERVICE'
  | 'ACCOMMODATION_SERVICE'
  | 'PERSON'
  | 'PRISON_AND_CJSW';

interface ClockRuleDetails {
  readonly owedBy: ClockParty;
  readonly owedTo: ClockParty;
  readonly description: string;
  /** Citation for the value, or a statement that it is a platform default awaiting one. */
  readonly source: string;
}

/**
 * How long a clock runs from its base instant:
 * - `workingDays`: to the end of the Nth working day (see `workingDayDeadline`), using the
 *   policy's jurisdiction, cut-off and day start;
 * - `calendarDays`: to 23:59:59.999 Europe/London on the Nth calendar day after the base's local date;
 * - `hours`: exactly N elapsed hours after the base instant;
 * - `calendarMonths`: to 23:59:59.999 on the same day of the month N months after the base's
 *   local date (clamped to a shorter month's last day);
 * - `workingDaysBefore` / `calendarDaysBefore`: clocks that count back from a future base date
 *   (the liberation date): to the end of the Nth working / calendar day before it.
 */
export type ClockRule = ClockRuleDetails &
  (
    | { readonly kind: 'workingDays'; readonly value: number }
    | { readonly kind: 'calendarDays'; readonly value: number }
    | { readonly kind: 'hours'; readonly value: number }
    | { readonly kind: 'calendarMonths'; readonly value: number }
    | { readonly kind: 'workingDaysBefore'; readonly value: number }
    | {
        readonly kind: 'calendarDaysBefore';
        readonly value: number;
        /**
         * When the day counted back is not a working day (a weekend or bank holiday), the clock
         * falls due at the end of the working day before it (policy versions since 2026 v3).
         */
        readonly onNonWorkingDay?: 'previousWorkingDay';
      }
  );

/** A policy number with its citation (or the statement that it is a platform default). */
export interface SourcedValue {
  readonly value: number;
  readonly description: string;
  readonly source: string;
}

export type PolicyClocks = { readonly [K in CoreClockName]: ClockRule } & {
  readonly [K in OptionalClockName]?: ClockRule;
};

/**
 * A versioned set of SLA clocks for one jurisdiction. A running workflow records
 * `id` + `version` when it starts and keeps using that version (`policyById`), so
 * publishing a new version never changes deadlines already promised.
 */
export interface SlaPolicy {
  readonly id: string;
  readonly version: number;
  readonly jurisdiction: Jurisdiction;
  /** First local date on which `policyFor` hands this version out. */
  readonly effectiveFrom: LocalDate;
  readonly cutOff: LocalTimeOfDay;
  readonly dayStart: LocalTimeOfDay;
  /** Citation for `cutOff` and `dayStart`. */
  readonly workingHoursSource: string;
  readonly clocks: PolicyClocks;
  /** CJSW contacts (visits) in custody before the pre-release meeting (absent in older versions). */
  readonly custodyContactsBeforePreRelease?: SourcedValue;
  /** Minutes a movement (release, transfer) must stand before agencies are told of it. */
  readonly movementSettleMinutes?: SourcedValue;
  /** Lead time, in calendar days, between a stage opening and its due date (release-relative stages). */
  readonly releaseStageLeadDays?: SourcedValue;
  /**
   * The pre-release meeting's clock (in place of `clocks.preReleaseMeeting`) for a person whose
   * latest risk assessment is a high or very high risk of serious harm, or a MAPPA case (journeys
   * since `risk-assessed-1`): an earlier meeting. Unset in every seed policy: no public source
   * this project holds gives an earlier timescale for high-risk or MAPPA cases (docs/clocks.md has
   * none), so a policy that sets it must cite one in the rule's `source`.
   */
  readonly preReleaseMeetingElevatedRisk?: ClockRule & {
    readonly kind: 'workingDaysBefore' | 'calendarDaysBefore';
  };
}

/** The rule for `clock` in `policy`; throws {@link ClockNotInPolicyError} when it has none. */
export function clockRule(policy: SlaPolicy, clock: ClockName): ClockRule {
  const rule = policy.clocks[clock];
  if (!rule) throw new ClockNotInPolicyError(policy.id, policy.version, clock);
  return rule;
}

/** The due instant of `clock` under `policy` for work whose clock starts at `base`. */
export function deadlineFor(policy: SlaPolicy, clock: ClockName, base: Date): Date {
  const rule = clockRule(policy, clock);
  if (!(rule.value >= 0)) throw new InvalidArgumentError(`Clock ${clock} has a negative value ${rule.value}`);
  switch (rule.kind) {
    case 'workingDays':
      return workingDayDeadline(policy.jurisdiction, base, rule.value, policy);
    case 'calendarDays':
      return endOfLocalDay(addDays(localDateOf(base), rule.value));
    case 'hours':
      return new Date(base.getTime() + rule.value * 3_600_000);
    case 'calendarMonths':
      return endOfLocalDay(addMonths(localDateOf(base), rule.value));
    case 'workingDaysBefore':
      return endOfLocalDay(subtractWorkingDays(policy.jurisdiction, localDateOf(base), rule.value));
    case 'calendarDaysBefore': {
      const day = addDays(localDateOf(base), -rule.value);
      return endOfLocalDay(
        rule.onNonWorkingDay === 'previousWorkingDay' && !isWorkingDay(policy.jurisdiction, day)
          ? previousWorkingDay(policy.jurisdiction, day)
          : day,
      );
    }
  }
}

/** A release-relative deadline, and the policy's own due instant when short notice moved it. */
export interface ReleaseRelativeDeadline {
  dueAt: Date;
  /** Set when the policy's due instant fell before release planning could start (a short sentence). */
  policyDueAt?: Date;
}

/**
 * The due instant of a clock counted back from the liberation date (summary review, pre-release
 * meeting), for a case whose release planning starts at `planningStart` (the later of reception
 * and the policy's planning window). A policy due instant that falls before `planningStart`
 * cannot be met by anyone: it moves to the end of the day `leadDays` after the start (the
 * policy's usual lead time), and never later than the end of the day before liberation. A due
 * instant that a later change of release date moved into the past is not moved: that is a
 * breach (or, for the meeting, an impossibility) the journey records.
 */
export function releaseRelativeDeadline(
  policy: SlaPolicy,
  clock: ClockName,
  liberationDate: LocalDate,
  planningStart: Date,
  leadDays: number,
): ReleaseRelativeDeadline {
  const rule = clockRule(policy, clock);
  if (rule.kind !== 'workingDaysBefore' && rule.kind !== 'calendarDaysBefore') {
    throw new InvalidArgumentError(`Clock ${clock} is not counted back from a release date`);
  }
  const policyDueAt = deadlineFor(policy, clock, startOfLocalDay(liberationDate));
  if (policyDueAt.getTime() >= planningStart.getTime()) return { dueAt: policyDueAt };
  const lastDay = addDays(liberationDate, -1);
  const shortNotice = addDays(localDateOf(planningStart), leadDays);
  return { dueAt: endOfLocalDay(shortNotice < lastDay ? shortNotice : lastDay), policyDueAt };
}
