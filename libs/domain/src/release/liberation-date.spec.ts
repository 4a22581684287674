import { isExceptedReleaseDay, scottishLiberation, scottishLiberationDate } from './liberation-date';

describe('Scottish liberation date (1993 Act s.27(7) as amended by the 2023 Act s.8)', () => {
  it.each([
    ['2026-03-09', '2026-03-09'], // Monday: unchanged
    ['2026-03-10', '2026-03-10'], // Tuesday: unchanged
    ['2026-03-11', '2026-03-11'], // Wednesday: unchanged
  ])('leaves an ordinary %s alone', (due, expected) => {
    expect(scottishLiberation(due)).toEqual({ dueDate: due, liberationDate: expected, adjustment: 'NONE' });
  });

  it('moves an ordinary Thursday to the Wednesday (limb b)', () => {
    expect(scottishLiberation('2026-03-12')).toEqual({
      dueDate: '2026-03-12',
      liberationDate: '2026-03-11',
      adjustment: 'THURSDAY',
    });
  });

  it.each([
    ['2026-03-13', 'Friday'],
    ['2026-03-14', 'Saturday'],
    ['2026-03-15', 'Sunday'],
  ])('moves %s (%s) to the Thursday before, which stays (s.27(7A))', (due) => {
    expect(scottishLiberation(due)).toEqual({
      dueDate: due,
      liberationDate: '2026-03-12',
      adjustment: 'EXCEPTED_DAY',
    });
  });

  it('moves a bank-holiday Monday to the Thursday before (explanatory notes, prisoner D)', () => {
    expect(scottishLiberationDate('2026-05-04')).toBe('2026-04-30');
  });

  it('treats the day before a public holiday as excepted (Thursday before Good Friday → Wednesday)', () => {
    expect(isExceptedReleaseDay('2026-04-02')).toBe(true);
    expect(scottishLiberation('2026-04-02')).toEqual({
      dueDate: '2026-04-02',
      liberationDate: '2026-04-01',
      adjustment: 'EXCEPTED_DAY',
    });
    expect(scottishLiberationDate('2026-04-03')).toBe('2026-04-01');
  });

  it('uses the Scottish calendar: Easter Monday is an ordinary release day', () => {
    expect(scottishLiberationDate('2026-04-06')).toBe('2026-04-06');
  });

  it('walks back over Christmas and New Year', () => {
    expect(scottishLiberationDate('2026-12-28')).toBe('2026-12-23'); // Boxing Day substitute; 24th is the day before Christmas
    expect(scottishLiberationDate('2026-01-02')).toBe('2025-12-30'); // 2 Jan, 1 Jan, 31 Dec (day before) all excepted
    expect(scottishLiberationDate('2026-12-31')).toBe('2026-12-30'); // Thursday before New Year's Day
  });

  it('moves the day before St Andrew’s substitute Monday back from the weekend', () => {
    expect(scottishLiberationDate('2025-12-01')).toBe('2025-11-27');
    expect(scottishLiberationDate('2025-12-02')).toBe('2025-12-02');
  });
});

describe('limb (b) walks back past excepted days too', () => {
  it('an ordinary Thursday after St Andrew’s Day on a Wednesday goes back to the Monday', () => {
    // 2033: Wed 30 Nov is St Andrew's Day (a public holiday), Tue 29 Nov the day before one; Thu 1
    // Dec is not excepted, so (7)(b) applies: the last preceding day neither excepted nor a Thursday.
    expect(scottishLiberation('2033-12-01')).toEqual({
      dueDate: '2033-12-01',
      liberationDate: '2033-11-28',
      adjustment: 'THURSDAY',
    });
  });
});
