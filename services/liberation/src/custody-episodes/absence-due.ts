import { addDays, localDateOf, startOfLocalDay } from '@throughcare/domain';
import type { TemporaryAbsence } from './temporary-absence.entity';

/** The time zone of a court day: a person out at court with no dueBackAt is due back by its end. */
export const COURT_DAY_TIME_ZONE = 'Europe/London';
/** A person out on ROTL with no dueBackAt is overdue this many hours after leaving. */
export const ROTL_DEFAULT_DUE_BACK_HOURS = 24;

/**
 * When an absence is due back by (review stop 37, M2: one rule for the overdue list and the
 * release's `overdueAbsence` flag): its `dueBackAt`, else the default of its kind, COURT the end
 * of the UK local day ({@link COURT_DAY_TIME_ZONE}) it left on, ROTL
 * {@link ROTL_DEFAULT_DUE_BACK_HOURS} h after it left. The overdue list's SQL (`DUE_BY` in
 * overdue-absences.ts) says the same; a spec checks that the two agree.
 */
export function absenceDueBy(a: Pick<TemporaryAbsence, 'kind' | 'leftAt' | 'dueBackAt'>): {
  dueBy: Date;
  dueBackKnown: boolean;
} {
  if (a.dueBackAt !== null) return { dueBy: a.dueBackAt, dueBackKnown: true };
  const dueBy =
    a.kind === 'COURT'
      ? startOfLocalDay(addDays(localDateOf(a.leftAt), 1))
      : new Date(a.leftAt.getTime() + ROTL_DEFAULT_DUE_BACK_HOURS * 3_600_000);
  return { dueBy, dueBackKnown: false };
}
