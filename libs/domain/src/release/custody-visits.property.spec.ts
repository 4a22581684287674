import fc from 'fast-check';

import { addDays } from '../calendar/local-date';
import { isWorkingDay } from '../calendar/working-days';
import { calendarDate, daysStrictlyBetween, jurisdictions } from '../property-arbitraries.spec-helper';
import { custodyVisitDates } from './custody-visits';

describe('custody visit dates (properties)', () => {
  it('are distinct working days strictly between the two dates, in order, as many as asked or as fit', () => {
    fc.assert(
      fc.property(
        jurisdictions,
        calendarDate,
        fc.integer({ min: -3, max: 40 }),
        fc.integer({ min: 0, max: 8 }),
        (j, after, span, count) => {
          const before = addDays(after, span);
          const visits = custodyVisitDates(j, after, before, count);
          const available = daysStrictlyBetween(after, before).filter((d) => isWorkingDay(j, d)).length;
          expect(visits).toHaveLength(Math.min(count, available));
          visits.forEach((visit, i) => {
            expect(isWorkingDay(j, visit)).toBe(true);
            expect(visit > after && visit < before).toBe(true);
            if (i > 0) expect(visit > (visits[i - 1] as string)).toBe(true);
          });
        },
      ),
    );
  });
});
