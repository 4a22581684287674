import { z } from 'zod';
import { IsoDate, IsoInstant } from './vocabulary';

// Instants and dates as RFC 3339 and PostgreSQL take them (HTTP fuzzing, stop 43: a year 0000
// and an offset of -23:59 reached the database and answered 500; an instant without seconds was
// accepted though the OpenAPI document's `date-time` refuses it).
describe('IsoInstant and IsoDate', () => {
  it.each([
    '2026-03-02T10:00:00Z',
    '2026-03-02T10:00:00.123Z',
    '2026-03-02T10:00:00.123456789+01:00',
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00-01:00',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T10:00:00+14:00',
    '2026-03-02T10:00:00+14:00',
  ])('takes the instant %s', (v) => expect(IsoInstant.safeParse(v).success).toBe(true));

  it.each([
    ['2026-03-02T10:00Z', 'must give the seconds'],
    ['0000-01-01T00:00:00Z', 'year 0000'],
    // In UTC, before year 0001 or after 9999 (review stop 43, M2).
    ['0001-01-01T00:00:00+01:00', 'year 0000'],
    ['0000-12-31T23:30:00-01:00', 'year 0000'],
    ['9999-12-31T23:59:59-14:00', 'to 9999-12-31T23:59:59.999Z'],
    ['2026-03-02T10:00:00-23:59', 'within ±14:00'],
    ['2026-03-02T10:00:00+14:01', 'within ±14:00'],
    ['2026-03-02T10:00:00', 'Invalid'],
    ['2026-02-30T10:00:00Z', 'Invalid'],
  ])('refuses %s (%s)', (v, message) => {
    const result = IsoInstant.safeParse(v);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join(' ')).toContain(message);
  });

  it('gives one issue a value: the form, else the first bound broken (a field is named once)', () => {
    for (const v of ['tomorrow', '2026-13-01T10:00Z', '0000-01-01T00:00Z', '2026-03-02T10:00:00-23:59'])
      expect([v, IsoInstant.safeParse(v).error!.issues]).toEqual([v, [expect.anything()]]);
    for (const v of ['tomorrow', '0000-13-45'])
      expect([v, IsoDate.safeParse(v).error!.issues]).toEqual([v, [expect.anything()]]);
  });

  it('dates: any year but 0000', () => {
    expect(IsoDate.safeParse('0001-01-01').success).toBe(true);
    expect(IsoDate.safeParse('2028-02-29').success).toBe(true);
    expect(IsoDate.safeParse('0000-01-01').error!.issues[0]!.message).toContain('year 0000');
  });

  it('documents the seconds in the published schema: the form and a pattern requiring them (review stop 43b, M4)', () => {
    const schema = z.toJSONSchema(IsoInstant) as { allOf?: Array<{ pattern?: string }> };
    const patterns = (schema.allOf ?? []).map((p) => new RegExp(p.pattern!));
    expect(patterns).toHaveLength(2);
    expect(patterns.every((p) => p.test('2026-03-02T10:00:00Z'))).toBe(true);
    expect(patterns.every((p) => p.test('2026-03-02T10:00Z'))).toBe(false);
  });
});
