import type { Jurisdiction } from '@throughcare/contracts';

import { BANK_HOLIDAY_YEARS } from '../calendar/bank-holidays';
import { addMonths, formatLocalDate, type LocalDate, parseLocalDate } from '../calendar/local-date';
import { SLA_POLICIES } from '../policy/seed-policies';
import type { SlaPolicy } from '../policy/sla-policy';
import { localDateOf } from '../time/london';

/** How a date is used by the journey: it decides which bounds apply (see {@link planningRangeIssues}). */
export type PlannedDateRole = 'reception' | 'release' | 'event';

/** One date the journey could not plan, with the field it came from. */
export interface PlanningIssue {
  field: string;
  message: string;
}

/** The dates this build can plan for one jurisdiction (all inclusive, `YYYY-MM-DD`). */
export interface PlanningRange {
  /** First and last day of the bank-holiday calendar. */
  calendarFirst: LocalDate;
  calendarLast: LocalDate;
  /** The earliest-starting SLA policy for the jurisdiction: no reception before it has a clock. */
  firstPolicy: SlaPolicy;
  /** Earliest and latest date a release, event or reception may carry. */
  first: LocalDate;
  last: LocalDate;
  /** Earliest reception date: the later of `first` and the first policy's `effectiveFrom`. */
  firstReception: LocalDate;
}

/**
 * Every date the journey plans from starts clocks that must end inside the bank-holiday
 * calendar, or the calendar throws and the workflow task fails. After a release the follow-up
 * window runs 119 calendar days, and a missed appointment late in it starts further working-day
 * clocks (first appointment 5, missed-appointment follow-up 2); after a reception or a completion
 * the screens run 3 and 10 working days. Before a liberation date, release planning opens 12
 * weeks earlier and the meeting is counted back 10 working days. One year of room on each side
 * covers all of these with a wide margin (the longest, 119 days plus a few working days, is under
 * five months), so the plannable window is the calendar less a year at each end.
 */
const ROOM_MONTHS = 12;

const RANGES = new Map(
  (['SCOTLAND', 'ENGLAND_AND_WALES'] as const).map((jurisdiction) => {
    // The earliest in force; on a tie the lowest version (the first one ever handed out).
    const firstPolicy = SLA_POLICIES.filter((p) => p.jurisdiction === jurisdiction).reduce<
      SlaPolicy | undefined
    >(
      (first, p) =>
        !first ||
        p.effectiveFrom < first.effectiveFrom ||
        (p.effectiveFrom === first.effectiveFrom && p.version < first.version)
          ? p
          : first,
      undefined,
    );
    if (!firstPolicy) throw new Error(`No SLA policy for ${jurisdiction}`);
    const calendarFirst = formatLocalDate(BANK_HOLIDAY_YEARS.first, 1, 1);
    const calendarLast = formatLocalDate(BANK_HOLIDAY_YEARS.last, 12, 31);
    const first = addMonths(calendarFirst, ROOM_MONTHS);
    const range: PlanningRange = {
      calendarFirst,
      calendarLast,
      firstPolicy,
      first,
      last: addMonths(calendarLast, -ROOM_MONTHS),
      firstReception: firstPolicy.effectiveFrom > first ? firstPolicy.effectiveFrom : first,
    };
    return [jurisdiction, range] as const;
  }),
);

/** The plannable window of `jurisdiction` under the calendar and policies this build carries. */
export function planningRange(jurisdiction: Jurisdiction): PlanningRange {
  const range = RANGES.get(jurisdiction);
  if (!range) throw new Error(`Unknown jurisdiction ${String(jurisdiction)}`);
  return range;
}

const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/**
 * The local dates a value stands for: a `YYYY-MM-DD` date itself; an instant both by its own
 * date part (what the journey reads with `slice(0, 10)`) and by its Europe/London date (what the
 * clocks use). Undefined when the value is neither.
 */
function localDatesOf(value: string): { earliest: LocalDate; latest: LocalDate } | undefined {
  try {
    if (value.length === 10) {
      parseLocalDate(value);
      return { earliest: value, latest: value };
    }
    const match = ISO_INSTANT.exec(value);
    if (!match?.[1]) return undefined;
    parseLocalDate(match[1]);
    const instant = new Date(value);
    if (Number.isNaN(instant.getTime())) return undefined;
    const london = localDateOf(instant);
    return london < match[1]
      ? { earliest: london, latest: match[1] }
      : { earliest: match[1], latest: london };
  } catch {
    return undefined;
  }
}

/** Dates the journey cannot plan under any policy/calendar this build carries; [] when all fine. */
export function planningRangeIssues(
  jurisdiction: Jurisdiction,
  dates: ReadonlyArray<{ field: string; value: string | undefined; role: PlannedDateRole }>,
): PlanningIssue[] {
  const range = planningRange(jurisdiction);
  const issues: PlanningIssue[] = [];
  for (const { field, value, role } of dates) {
    if (value === undefined) continue;
    const local = localDatesOf(value);
    if (!local) {
      issues.push({
        field,
        message: `${field} "${value}" is not a date (YYYY-MM-DD) or an instant with an offset (e.g. 2026-03-02T10:00:00Z)`,
      });
    } else if (role === 'reception' && local.earliest < range.firstReception) {
      const policy = range.firstPolicy;
      issues.push({
        field,
        message:
          range.firstReception === policy.effectiveFrom
            ? `${field} ${value} is before the first SLA policy for ${jurisdiction} (${policy.id} v${policy.version}, in force from ${policy.effectiveFrom}): no clock can be set for it`
            : `${field} ${value} is before the first date this build can plan (${range.firstReception})`,
      });
    } else if (local.earliest < range.first) {
      issues.push({
        field,
        message: `${field} ${value} is before the first date this build can plan (${range.first}): the clocks counted back from it must start inside the bank-holiday calendar (${range.calendarFirst} to ${range.calendarLast})`,
      });
    } else if (local.latest > range.last) {
      issues.push({
        field,
        message: `${field} ${value} is after the last date this build can plan (${range.last}): the clocks that follow it (a follow-up window of 119 days, working-day deadlines) must end inside the bank-holiday calendar (${range.calendarFirst} to ${range.calendarLast})`,
      });
    }
  }
  return issues;
}

/**
 * {@link planningRangeIssues} for a date whose jurisdiction the caller does not know (a change to
 * an episode, a fact about a journey): it must be plannable in every jurisdiction, each field
 * reported once. The calendars cover the same years, so this is no stricter for release and
 * event dates; a reception is held to the later of the jurisdictions' first policies.
 */
export function planningRangeIssuesInEveryJurisdiction(
  dates: ReadonlyArray<{ field: string; value: string | undefined; role: PlannedDateRole }>,
): PlanningIssue[] {
  const issues = new Map<string, PlanningIssue>();
  for (const jurisdiction of RANGES.keys()) {
    for (const issue of planningRangeIssues(jurisdiction, dates)) {
      if (!issues.has(issue.field)) issues.set(issue.field, issue);
    }
  }
  return [...issues.values()];
}
