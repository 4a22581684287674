import { InvalidArgumentError } from '../errors';
import {
  workingDayClockStart,
  workingDayDeadline,
  type WorkingDayClockOptions,
} from './working-day-deadline';

const hours: WorkingDayClockOptions = { cutOff: '13:00', dayStart: '09:00' };
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('workingDayDeadline (09:00 start, 13:00 cut-off)', () => {
  it('1 working day from Monday 10:00 is the end of Tuesday', () => {
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', at('2026-03-16T10:00:00Z'), 1, hours))).toBe(
      '2026-03-17T23:59:59.999Z',
    );
  });

  it('counts from the next working day at or after the cut-off', () => {
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', at('2026-03-16T12:59:59Z'), 1, hours))).toBe(
      '2026-03-17T23:59:59.999Z',
    );
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', at('2026-03-16T13:00:00Z'), 1, hours))).toBe(
      '2026-03-18T23:59:59.999Z',
    );
  });

  it('from Friday 15:00 starts Monday and is due at the end of Tuesday', () => {
    const base = at('2026-03-20T15:00:00Z');
    expect(workingDayClockStart('ENGLAND_AND_WALES', base, hours)).toEqual({
      startDay: '2026-03-23',
      startsAt: at('2026-03-23T09:00:00Z'),
    });
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', base, 1, hours))).toBe('2026-03-24T23:59:59.999Z');
  });

  it('work arriving at the weekend starts on Monday; 0 days is the end of that Monday', () => {
    expect(iso(workingDayDeadline('SCOTLAND', at('2026-03-21T11:00:00Z'), 0, hours))).toBe(
      '2026-03-23T23:59:59.999Z',
    );
    expect(iso(workingDayDeadline('SCOTLAND', at('2026-03-21T11:00:00Z'), 1, hours))).toBe(
      '2026-03-24T23:59:59.999Z',
    );
  });

  it('work before the day start counts that day but the clock starts at 09:00', () => {
    const base = at('2026-03-16T07:00:00Z');
    expect(workingDayClockStart('SCOTLAND', base, hours)).toEqual({
      startDay: '2026-03-16',
      startsAt: at('2026-03-16T09:00:00Z'),
    });
    expect(workingDayClockStart('SCOTLAND', at('2026-03-16T10:15:00Z'), hours).startsAt).toEqual(
      at('2026-03-16T10:15:00Z'),
    );
  });

  it('skips a bank holiday Monday (Early May 2026), in BST', () => {
    // Friday 1 May 14:00 BST (after cut-off) → start Tuesday 5 May → due end of Wednesday 6 May BST.
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', at('2026-05-01T13:00:00Z'), 1, hours))).toBe(
      '2026-05-06T22:59:59.999Z',
    );
    // Arriving on the bank holiday itself.
    expect(iso(workingDayDeadline('SCOTLAND', at('2026-05-04T09:00:00Z'), 1, hours))).toBe(
      '2026-05-06T22:59:59.999Z',
    );
  });

  it('5 working days from Thursday 2 April 2026 skips Good Friday and Easter Monday in E&W only', () => {
    const release = at('2026-04-02T09:00:00Z'); // 10:00 BST
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', release, 5, hours))).toBe('2026-04-13T22:59:59.999Z');
    expect(iso(workingDayDeadline('SCOTLAND', release, 5, hours))).toBe('2026-04-10T22:59:59.999Z');
  });

  it('applies the cut-off in London time, not UTC, during BST', () => {
    // Monday 15 June 2026 12:30 UTC is 13:30 BST: after the cut-off.
    expect(iso(workingDayDeadline('SCOTLAND', at('2026-06-15T12:30:00Z'), 1, hours))).toBe(
      '2026-06-17T22:59:59.999Z',
    );
    expect(iso(workingDayDeadline('SCOTLAND', at('2026-06-15T11:59:00Z'), 1, hours))).toBe(
      '2026-06-16T22:59:59.999Z',
    );
  });

  it('ends in BST when the week crosses the spring change, in GMT across the autumn one', () => {
    // Friday 27 March (GMT) + 2 working days → Tuesday 31 March, clocks went forward on Sunday 29.
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', at('2026-03-27T10:00:00Z'), 2, hours))).toBe(
      '2026-03-31T22:59:59.999Z',
    );
    // Friday 23 October 10:00 BST + 1 → Monday 26 October, clocks went back on Sunday 25.
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', at('2026-10-23T09:00:00Z'), 1, hours))).toBe(
      '2026-10-26T23:59:59.999Z',
    );
  });

  it('skips Scotland’s 2 January but not in England & Wales', () => {
    const base = at('2025-12-31T10:00:00Z');
    expect(iso(workingDayDeadline('SCOTLAND', base, 1, hours))).toBe('2026-01-05T23:59:59.999Z');
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', base, 1, hours))).toBe('2026-01-02T23:59:59.999Z');
  });

  it('skips the St Andrew’s Day substitute Monday (1 Dec 2025) in Scotland only', () => {
    const base = at('2025-11-28T10:00:00Z'); // Friday
    expect(iso(workingDayDeadline('SCOTLAND', base, 1, hours))).toBe('2025-12-02T23:59:59.999Z');
    expect(iso(workingDayDeadline('ENGLAND_AND_WALES', base, 1, hours))).toBe('2025-12-01T23:59:59.999Z');
  });

  it('rejects a day start that is not before the cut-off', () => {
    expect(() =>
      workingDayDeadline('SCOTLAND', at('2026-03-16T10:00:00Z'), 1, { cutOff: '09:00', dayStart: '09:00' }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('the cut-off counts seconds', () => {
  it('work arriving 30 s after the 13:00 cut-off counts from the next working day', () => {
    // Monday 2 March 2026 (GMT): 12:59:30 counts today, 13:00:30 from Tuesday.
    expect(workingDayClockStart('ENGLAND_AND_WALES', at('2026-03-02T12:59:30Z'), hours).startDay).toBe(
      '2026-03-02',
    );
    expect(workingDayClockStart('ENGLAND_AND_WALES', at('2026-03-02T13:00:30Z'), hours).startDay).toBe(
      '2026-03-03',
    );
  });

  it('names both times when the day start is not before the cut-off', () => {
    expect(() =>
      workingDayClockStart('ENGLAND_AND_WALES', at('2026-03-02T10:00:00Z'), {
        cutOff: '09:00',
        dayStart: '09:00',
      }),
    ).toThrow(new InvalidArgumentError('dayStart 09:00 must be before cutOff 09:00'));
  });
});
