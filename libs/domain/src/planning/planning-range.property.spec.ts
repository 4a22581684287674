import fc from 'fast-check';

import { addDays } from '../calendar/local-date';
import { jurisdictions, localDate } from '../property-arbitraries.spec-helper';
import { localDateOf } from '../time/london';
import {
  planningRange,
  planningRangeIssues,
  planningRangeIssuesInEveryJurisdiction,
  type PlannedDateRole,
} from './planning-range';

const roles = fc.constantFrom<PlannedDateRole>('reception', 'release', 'event');

/** The first date a role may carry: receptions also wait for the first policy. */
function firstFor(j: 'SCOTLAND' | 'ENGLAND_AND_WALES', role: PlannedDateRole): string {
  const range = planningRange(j);
  return role === 'reception' ? range.firstReception : range.first;
}

/** Dates anywhere from 2020 to 2050, and many within a few days of each bound. */
const someDate = fc.oneof(
  localDate('2020-01-01', '2050-12-31'),
  fc
    .tuple(fc.constantFrom('2025-01-01', '2026-01-01', '2044-12-31'), fc.integer({ min: -3, max: 3 }))
    .map(([bound, offset]) => addDays(bound, offset)),
);

/** Instants near the bounds, written with Z or with a whole-hour offset. */
const someInstant = fc
  .tuple(
    fc.date({
      min: new Date('2024-12-29T00:00:00Z'),
      max: new Date('2026-01-03T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.date({
      min: new Date('2044-12-29T00:00:00Z'),
      max: new Date('2045-01-03T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.boolean(),
    fc.integer({ min: -12, max: 14 }),
  )
  .map(([early, late, pickEarly, offsetHours]) => {
    const instant = pickEarly ? early : late;
    const wall = new Date(instant.getTime() + offsetHours * 3_600_000).toISOString().slice(0, 19);
    const sign = offsetHours < 0 ? '-' : '+';
    const hh = String(Math.abs(offsetHours)).padStart(2, '0');
    return { instant, text: `${wall}${sign}${hh}:00` };
  });

describe('planning range (properties)', () => {
  it('accepts exactly the dates inside planningRange (receptions from firstReception)', () => {
    fc.assert(
      fc.property(jurisdictions, roles, someDate, (j, role, date) => {
        const inside = date >= firstFor(j, role) && date <= planningRange(j).last;
        const issues = planningRangeIssues(j, [{ field: 'when', value: date, role }]);
        expect(issues).toHaveLength(inside ? 0 : 1);
        if (!inside) expect(issues[0]?.field).toBe('when');
      }),
      { numRuns: 500 },
    );
  });

  it('accepts an instant exactly when both its written date and its London date are inside', () => {
    fc.assert(
      fc.property(jurisdictions, roles, someInstant, (j, role, { instant, text }) => {
        const written = text.slice(0, 10);
        const london = localDateOf(instant);
        const first = firstFor(j, role);
        const last = planningRange(j).last;
        const inside = [written, london].every((d) => d >= first && d <= last);
        expect(planningRangeIssues(j, [{ field: 'at', value: text, role }])).toHaveLength(inside ? 0 : 1);
      }),
      { numRuns: 500 },
    );
  });

  it('reports one issue per unplannable field, in order, and none for undefined values', () => {
    fc.assert(
      fc.property(
        jurisdictions,
        fc.array(fc.tuple(roles, fc.option(someDate, { nil: undefined })), { maxLength: 6 }),
        (j, entries) => {
          const dates = entries.map(([role, value], i) => ({ field: `f${i}`, value, role }));
          const expected = dates
            .filter(
              ({ value, role }) =>
                value !== undefined && !(value >= firstFor(j, role) && value <= planningRange(j).last),
            )
            .map(({ field }) => field);
          expect(planningRangeIssues(j, dates).map((issue) => issue.field)).toEqual(expected);
        },
      ),
    );
  });

  it('in every jurisdiction: accepts exactly what both jurisdictions accept', () => {
    fc.assert(
      fc.property(roles, someDate, (role, date) => {
        const dates = [{ field: 'when', value: date, role }];
        const everywhere =
          planningRangeIssues('SCOTLAND', dates).length === 0 &&
          planningRangeIssues('ENGLAND_AND_WALES', dates).length === 0;
        expect(planningRangeIssuesInEveryJurisdiction(dates)).toHaveLength(everywhere ? 0 : 1);
      }),
    );
  });
});
