import { ageOn } from '../calendar/local-date';
import type { PlanningIssue } from '../planning/planning-range';
import { localDateOf } from '../time/london';

/** The youngest and oldest a person in custody can plausibly be: a date of birth outside is a typing error. */
export const CUSTODY_AGE_RANGE = { min: 10, max: 120 } as const;

/**
 * Why `dateOfBirth` cannot be that of a person in custody at `instant` (the reception or the
 * liberation named `instantField`): not a calendar date this build reads, or an age on that day
 * (Europe/London) outside {@link CUSTODY_AGE_RANGE}. [] when it can be, or when either is absent.
 */
export function dateOfBirthIssues(
  field: string,
  dateOfBirth: string | undefined,
  instant: string | undefined,
  instantField: string,
): PlanningIssue[] {
  if (dateOfBirth === undefined || instant === undefined) return [];
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) return [];
  let age: number;
  try {
    age = ageOn(dateOfBirth, localDateOf(at));
  } catch {
    return [{ field, message: `${field} is not a calendar date` }];
  }
  if (age >= CUSTODY_AGE_RANGE.min && age <= CUSTODY_AGE_RANGE.max) return [];
  return [
    {
      field,
      message: `${field} makes the person ${age} on the day of ${instantField}; between ${CUSTODY_AGE_RANGE.min} and ${CUSTODY_AGE_RANGE.max} expected`,
    },
  ];
}
