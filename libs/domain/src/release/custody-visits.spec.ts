import { custodyVisitDates } from './custody-visits';

describe('custodyVisitDates', () => {
  it('spreads two visits at a third and two thirds of the working days before the meeting', () => {
    // Working days after Mon 2 Nov 2026 and before Mon 30 Nov 2026 (St Andrew's Day in Scotland): 3 Nov … 27 Nov = 19; the 6th and 12th.
    expect(custodyVisitDates('SCOTLAND', '2026-11-02', '2026-11-30', 2)).toEqual([
      '2026-11-10',
      '2026-11-18',
    ]);
  });

  it('uses every working day there is when there is too little room, and none when there is none', () => {
    // Thu 2 April 2026 → Tue 7 April: Good Friday and (in E&W) Easter Monday are not working days.
    expect(custodyVisitDates('ENGLAND_AND_WALES', '2026-04-02', '2026-04-07', 2)).toEqual([]);
    expect(custodyVisitDates('SCOTLAND', '2026-04-02', '2026-04-07', 2)).toEqual(['2026-04-06']);
    expect(custodyVisitDates('SCOTLAND', '2026-04-02', '2026-04-01', 2)).toEqual([]);
  });

  it('refuses a negative count', () => {
    expect(() => custodyVisitDates('SCOTLAND', '2026-04-02', '2026-05-01', -1)).toThrow(/whole number/);
  });
});

describe('custodyVisitDates with no visits asked for', () => {
  it('plans none, and does not treat 0 as an invalid count', () => {
    expect(custodyVisitDates('SCOTLAND', '2026-11-02', '2026-11-30', 0)).toEqual([]);
  });

  it('with exactly as many working days as visits, uses each of them once', () => {
    // Mon 9 Mar 2026 → Thu 12 Mar: Tue 10 and Wed 11 are the two working days strictly between.
    expect(custodyVisitDates('ENGLAND_AND_WALES', '2026-03-09', '2026-03-12', 2)).toEqual([
      '2026-03-10',
      '2026-03-11',
    ]);
  });
});
