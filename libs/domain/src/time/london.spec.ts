import { InvalidArgumentError, InvalidLocalTimeError } from '../errors';
import {
  endOfLocalDay,
  isBritishSummerTime,
  localDateOf,
  localTimeOf,
  londonInstant,
  londonOffsetMinutes,
  minutesOfDay,
  startOfLocalDay,
} from './london';

const at = (iso: string) => new Date(iso);

describe('Europe/London time', () => {
  it.each([
    [2024, '2024-03-31', '2024-10-27'],
    [2025, '2025-03-30', '2025-10-26'],
    [2026, '2026-03-29', '2026-10-25'],
    [2027, '2027-03-28', '2027-10-31'],
  ])('%i: BST from 01:00 UTC on %s to 01:00 UTC on %s', (_year, spring, autumn) => {
    expect(isBritishSummerTime(at(`${spring}T00:59:59.999Z`))).toBe(false);
    expect(isBritishSummerTime(at(`${spring}T01:00:00Z`))).toBe(true);
    expect(isBritishSummerTime(at(`${autumn}T00:59:59.999Z`))).toBe(true);
    expect(isBritishSummerTime(at(`${autumn}T01:00:00Z`))).toBe(false);
  });

  it('reads the wall clock either side of the spring and autumn changes', () => {
    expect(localTimeOf(at('2026-03-29T00:59:59Z'))).toBe('00:59:59');
    expect(localTimeOf(at('2026-03-29T01:00:00Z'))).toBe('02:00:00');
    expect(localTimeOf(at('2026-10-25T00:59:59Z'))).toBe('01:59:59');
    expect(localTimeOf(at('2026-10-25T01:00:00Z'))).toBe('01:00:00');
    expect(londonOffsetMinutes(at('2026-07-01T12:00:00Z'))).toBe(60);
    expect(londonOffsetMinutes(at('2026-01-01T12:00:00Z'))).toBe(0);
  });

  it('gives the local date, which differs from UTC’s late on a summer evening', () => {
    expect(localDateOf(at('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(localTimeOf(at('2026-06-30T23:30:00Z'))).toBe('00:30:00');
    expect(localDateOf(at('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('finds the start and end of a local day, including 23- and 25-hour days', () => {
    expect(startOfLocalDay('2026-07-01').toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(endOfLocalDay('2026-07-01').toISOString()).toBe('2026-07-01T22:59:59.999Z');
    expect(endOfLocalDay('2026-01-15').toISOString()).toBe('2026-01-15T23:59:59.999Z');
    expect(startOfLocalDay('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(endOfLocalDay('2026-03-29').toISOString()).toBe('2026-03-29T22:59:59.999Z');
    expect(startOfLocalDay('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(endOfLocalDay('2026-10-25').toISOString()).toBe('2026-10-25T23:59:59.999Z');
  });

  it('resolves the repeated autumn hour to BST and the skipped spring hour forwards', () => {
    expect(londonInstant('2026-10-25', '01:30').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(londonInstant('2026-03-29', '01:30').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(londonInstant('2026-06-15', '09:00').toISOString()).toBe('2026-06-15T08:00:00.000Z');
  });

  it('rejects invalid input with typed errors', () => {
    expect(() => localDateOf(new Date(Number.NaN))).toThrow(InvalidArgumentError);
    expect(() => londonInstant('2026-06-15', '24:00')).toThrow(InvalidLocalTimeError);
  });
});

describe('minutesOfDay', () => {
  it('counts seconds as fractions of a minute', () => {
    expect(minutesOfDay('13:00')).toBe(780);
    expect(minutesOfDay('13:00:30')).toBe(780.5);
    expect(minutesOfDay('00:00:59')).toBeCloseTo(59 / 60, 10);
  });

  it('refuses an invalid Date with a typed error that says so', () => {
    expect(() => localDateOf(new Date(Number.NaN))).toThrow(new InvalidArgumentError('Invalid Date'));
  });
});
