import { addWorkingDays } from '../calendar/working-days';
import { addMonths } from '../calendar/local-date';
import { BANK_HOLIDAY_YEARS } from '../calendar/bank-holidays';
import { SLA_POLICIES } from '../policy/seed-policies';
import { deadlineFor, subtractWorkingDays, localDateOf, startOfLocalDay, type ClockName } from '../index';
import {
  planningRange,
  planningRangeIssues,
  planningRangeIssuesInEveryJurisdiction,
  type PlannedDateRole,
} from './planning-range';

const JURISDICTIONS = ['SCOTLAND', 'ENGLAND_AND_WALES'] as const;
const one = (role: PlannedDateRole, value: string | undefined, field = 'd') => [{ field, value, role }];

describe('planningRange', () => {
  it.each(JURISDICTIONS)('%s: the calendar less a year each end; receptions from the first policy', (j) => {
    expect(planningRange(j)).toMatchObject({
      calendarFirst: `${BANK_HOLIDAY_YEARS.first}-01-01`,
      calendarLast: `${BANK_HOLIDAY_YEARS.last}-12-31`,
      first: `${BANK_HOLIDAY_YEARS.first + 1}-01-01`,
      last: `${BANK_HOLIDAY_YEARS.last - 1}-12-31`,
      firstReception: '2026-01-01',
    });
    expect(planningRange(j).firstPolicy.jurisdiction).toBe(j);
    expect(planningRange(j).firstPolicy.effectiveFrom).toBe(
      SLA_POLICIES.filter((p) => p.jurisdiction === j)
        .map((p) => p.effectiveFrom)
        .sort()[0],
    );
  });

  // Reads the real clock on purpose: fails the year a release date ten years ahead can no longer be
  // planned, which is the signal to raise BANK_HOLIDAY_YEARS.last.
  it.each(JURISDICTIONS)('%s: a release ten years from today is plannable (the calendar margin)', (j) => {
    const tenYearsAhead = addMonths(localDateOf(new Date()), 120);
    expect(planningRangeIssues(j, one('release', tenYearsAhead))).toEqual([]);
    expect(planningRangeIssues(j, one('event', `${tenYearsAhead}T12:00:00Z`))).toEqual([]);
  });

  // The year of room is enough: every clock any policy starts from the end of a follow-up window
  // that began on the last plannable release day, and every clock counted back from the first
  // plannable liberation day, stays inside the calendar (the calendar throws otherwise).
  it.each(SLA_POLICIES.map((p) => [`${p.id} v${p.version}`, p] as const))(
    '%s: all its clocks fit between the plannable window and the calendar ends',
    (_, policy) => {
      const range = planningRange(policy.jurisdiction);
      const followUpEnds = deadlineFor(policy, 'followUpWindow', startOfLocalDay(range.last));
      for (const [clock, rule] of Object.entries(policy.clocks)) {
        const name = clock as ClockName;
        if (rule.kind === 'workingDaysBefore' || rule.kind === 'calendarDaysBefore') {
          expect(() => deadlineFor(policy, name, startOfLocalDay(range.first))).not.toThrow();
        } else {
          expect(() => deadlineFor(policy, name, followUpEnds)).not.toThrow();
        }
      }
      // Release planning opens 12 weeks before liberation.
      expect(() => subtractWorkingDays(policy.jurisdiction, range.first, 60)).not.toThrow();
      expect(() => addWorkingDays(policy.jurisdiction, localDateOf(followUpEnds), 20)).not.toThrow();
    },
  );
});

describe('planningRangeIssues', () => {
  it('answers [] for plannable dates and skips undefined values', () => {
    expect(
      planningRangeIssues('SCOTLAND', [
        { field: 'receivedAt', value: '2026-03-02T10:00:00Z', role: 'reception' },
        { field: 'expectedReleaseDate', value: '2027-06-01', role: 'release' },
        { field: 'transferredAt', value: '2026-05-01T09:00:00+01:00', role: 'event' },
        { field: 'heldAt', value: undefined, role: 'event' },
      ]),
    ).toEqual([]);
    expect(planningRangeIssues('ENGLAND_AND_WALES', [])).toEqual([]);
  });

  it('refuses a release in 2099, naming the field and the last plannable date', () => {
    expect(planningRangeIssues('SCOTLAND', one('release', '2099-01-01', 'expectedReleaseDate'))).toEqual([
      {
        field: 'expectedReleaseDate',
        message:
          'expectedReleaseDate 2099-01-01 is after the last date this build can plan (2044-12-31): the clocks that ' +
          'follow it (a follow-up window of 119 days, working-day deadlines) must end inside the bank-holiday ' +
          'calendar (2024-01-01 to 2045-12-31)',
      },
    ]);
  });

  describe.each(JURISDICTIONS)('%s', (j) => {
    it.each([
      ['release', '2044-12-31', true],
      ['release', '2045-01-01', false],
      ['release', '2025-01-01', true],
      ['release', '2024-12-31', false],
      ['event', '2044-12-31T23:59:59.999Z', true],
      ['event', '2045-01-01T00:00:00Z', false],
      ['event', '2025-01-01T00:00:00Z', true],
      ['event', '2024-12-31T23:59:59Z', false],
      ['event', '2044-12-31', true],
      ['event', '2045-01-01', false],
      ['reception', '2026-01-01T00:00:00Z', true],
      ['reception', '2026-01-01', true],
      ['reception', '2025-12-31T23:59:59Z', false],
      ['reception', '2025-12-31', false],
      ['reception', '2044-12-31T12:00:00Z', true],
      ['reception', '2045-01-01T12:00:00Z', false],
    ] as const)('%s %s plannable: %s', (role, value, plannable) => {
      const issues = planningRangeIssues(j, one(role, value, 'when'));
      expect(issues).toHaveLength(plannable ? 0 : 1);
      if (!plannable) {
        expect(issues[0]?.field).toBe('when');
        expect(issues[0]?.message).toMatch(
          new RegExp(`^when ${value.replace(/[.+]/g, '\\$&')} is (before|after) `),
        );
      }
    });

    it('names the first policy when a reception predates it', () => {
      const policy = planningRange(j).firstPolicy;
      expect(planningRangeIssues(j, one('reception', '2025-06-01T10:00:00Z', 'receivedAt'))).toEqual([
        {
          field: 'receivedAt',
          message: `receivedAt 2025-06-01T10:00:00Z is before the first SLA policy for ${j} (${policy.id} v${policy.version}, in force from 2026-01-01): no clock can be set for it`,
        },
      ]);
    });
  });

  it('reads an instant by both its own date and its London date, refusing if either is out of range', () => {
    // 00:30 at +01:00 on 1 January is 23:30 GMT on 31 December: London's date is before the policy.
    expect(planningRangeIssues('SCOTLAND', one('reception', '2026-01-01T00:30:00+01:00'))).toHaveLength(1);
    // 23:30 at -01:00 on 31 December 2044 is 00:30 on 1 January 2045 in London.
    expect(planningRangeIssues('SCOTLAND', one('event', '2044-12-31T23:30:00-01:00'))).toHaveLength(1);
    expect(planningRangeIssues('SCOTLAND', one('event', '2044-12-31T22:30:00-01:00'))).toEqual([]);
  });

  it.each([
    '2026-02-30',
    '2026-13-01',
    'tomorrow',
    '',
    '2026-03-02T10:00:00',
    '2026-03-02T25:00:00Z',
    '2026-02-30T10:00:00Z',
    '20260302',
    '2026-3-2',
  ])('refuses the malformed %j', (value) => {
    expect(planningRangeIssues('ENGLAND_AND_WALES', one('event', value, 'transferredAt'))).toEqual([
      {
        field: 'transferredAt',
        message: `transferredAt "${value}" is not a date (YYYY-MM-DD) or an instant with an offset (e.g. 2026-03-02T10:00:00Z)`,
      },
    ]);
  });

  it('reports one issue per bad date, in the order given', () => {
    const issues = planningRangeIssues('SCOTLAND', [
      { field: 'receivedAt', value: '2025-01-01T10:00:00Z', role: 'reception' },
      { field: 'sentenceDate', value: '2026-01-01', role: 'event' },
      { field: 'expectedReleaseDate', value: '2099-01-01', role: 'release' },
      { field: 'other', value: 'x', role: 'event' },
    ]);
    expect(issues.map((i) => i.field)).toEqual(['receivedAt', 'expectedReleaseDate', 'other']);
  });

  it('is deterministic: the same input gives the same answer', () => {
    const input = one('release', '2045-06-01', 'expectedReleaseDate');
    expect(planningRangeIssues('SCOTLAND', input)).toEqual(planningRangeIssues('SCOTLAND', input));
  });
});

describe('planningRangeIssuesInEveryJurisdiction', () => {
  it('reports each bad field once, and nothing for plannable dates', () => {
    expect(
      planningRangeIssuesInEveryJurisdiction([
        { field: 'expectedReleaseDate', value: '2099-01-01', role: 'release' },
        { field: 'transferredAt', value: '2027-01-01T10:00:00Z', role: 'event' },
        { field: 'heldAt', value: 'yesterday', role: 'event' },
      ]),
    ).toEqual([
      planningRangeIssues('SCOTLAND', one('release', '2099-01-01', 'expectedReleaseDate'))[0],
      planningRangeIssues('ENGLAND_AND_WALES', one('event', 'yesterday', 'heldAt'))[0],
    ]);
    expect(planningRangeIssuesInEveryJurisdiction(one('release', '2044-12-31'))).toEqual([]);
  });
});
