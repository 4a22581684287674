import fc from 'fast-check';

import { workingDayClockStart } from '../calendar/working-day-deadline';
import { isWorkingDay, workingDaysBetween } from '../calendar/working-days';
import { calendarInstant } from '../property-arbitraries.spec-helper';
import { endOfLocalDay, localDateOf } from '../time/london';
import { SLA_POLICIES } from './seed-policies';
import { type ClockName, type ClockRule, deadlineFor, type SlaPolicy } from './sla-policy';

/** Every clock of every seeded policy version. */
const clocks: ReadonlyArray<{ policy: SlaPolicy; clock: ClockName; rule: ClockRule }> = SLA_POLICIES.flatMap(
  (policy) =>
    Object.entries(policy.clocks).map(([clock, rule]) => ({ policy, clock: clock as ClockName, rule })),
);
const anyClock = fc.constantFrom(...clocks);
const countedBack = (rule: ClockRule) =>
  rule.kind === 'workingDaysBefore' || rule.kind === 'calendarDaysBefore';
const later = fc.integer({ min: 0, max: 45 * 86_400_000 });

describe('deadlineFor under every seeded policy (properties)', () => {
  it('has clocks of every kind to check', () => {
    expect(new Set(clocks.map((c) => c.rule.kind))).toEqual(
      new Set([
        'workingDays',
        'calendarDays',
        'hours',
        'calendarMonths',
        'workingDaysBefore',
        'calendarDaysBefore',
      ]),
    );
  });

  it('is at or after the base for forward clocks and before it for counted-back ones', () => {
    fc.assert(
      fc.property(anyClock, calendarInstant, ({ policy, clock, rule }, base) => {
        const due = deadlineFor(policy, clock, base).getTime();
        if (countedBack(rule)) expect(due).toBeLessThan(base.getTime());
        else expect(due).toBeGreaterThanOrEqual(base.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('never moves earlier when the base moves later', () => {
    fc.assert(
      fc.property(anyClock, calendarInstant, later, ({ policy, clock }, base, ms) => {
        const moved = new Date(base.getTime() + ms);
        expect(deadlineFor(policy, clock, moved).getTime()).toBeGreaterThanOrEqual(
          deadlineFor(policy, clock, base).getTime(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('is the last millisecond of a local day, except for clocks in hours (exactly N hours on)', () => {
    fc.assert(
      fc.property(anyClock, calendarInstant, ({ policy, clock, rule }, base) => {
        const due = deadlineFor(policy, clock, base);
        if (rule.kind === 'hours') {
          expect(due.getTime() - base.getTime()).toBe(rule.value * 3_600_000);
        } else {
          expect(due.getTime()).toBe(endOfLocalDay(localDateOf(due)).getTime());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('working-day clocks end on a working day, N working days after the start day', () => {
    const workingDayClocks = clocks.filter((c) => c.rule.kind === 'workingDays');
    fc.assert(
      fc.property(fc.constantFrom(...workingDayClocks), calendarInstant, ({ policy, clock, rule }, base) => {
        const dueDay = localDateOf(deadlineFor(policy, clock, base));
        const { startDay, startsAt } = workingDayClockStart(policy.jurisdiction, base, policy);
        expect(isWorkingDay(policy.jurisdiction, dueDay)).toBe(true);
        expect(isWorkingDay(policy.jurisdiction, startDay)).toBe(true);
        expect(workingDaysBetween(policy.jurisdiction, startDay, dueDay)).toBe(rule.value);
        expect(startsAt.getTime()).toBeGreaterThanOrEqual(base.getTime());
        expect(localDateOf(startsAt)).toBe(startDay);
      }),
      { numRuns: 300 },
    );
  });

  it('counted-back working-day clocks end N working days before the base day', () => {
    const backClocks = clocks.filter((c) => c.rule.kind === 'workingDaysBefore');
    fc.assert(
      fc.property(fc.constantFrom(...backClocks), calendarInstant, ({ policy, clock, rule }, base) => {
        const dueDay = localDateOf(deadlineFor(policy, clock, base));
        const baseDay = localDateOf(base);
        expect(isWorkingDay(policy.jurisdiction, dueDay)).toBe(true);
        const onBaseDay = isWorkingDay(policy.jurisdiction, baseDay) ? 1 : 0;
        expect(workingDaysBetween(policy.jurisdiction, dueDay, baseDay)).toBe(rule.value - 1 + onBaseDay);
      }),
    );
  });
});
