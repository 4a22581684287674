import {
  explainRecordedDate,
  RECORDED_DATE_TYPES,
  RecordedDatesInvalidError,
  recordedReleaseDate,
  validateRecordedDates,
  type RecordedDateInput,
  type RecordedDatesInput,
} from './recorded-dates';

const d = (type: RecordedDateInput['type'], date: string): RecordedDateInput => ({
  type,
  date,
  source: 'ESTABLISHMENT_CALCULATION',
});

const refusal = (input: RecordedDatesInput) => {
  try {
    validateRecordedDates(input);
  } catch (e) {
    if (e instanceof RecordedDatesInvalidError) return { code: e.code, fields: [...e.fields] };
    throw e;
  }
  return 'accepted';
};

const ew = (...dates: RecordedDateInput[]): RecordedDatesInput => ({
  jurisdiction: 'ENGLAND_AND_WALES',
  recordedBecause: 'ENGLAND_AND_WALES_EXTENDED',
  dates,
});

describe('recorded official sentence dates', () => {
  it('accepts the dates of an extended sentence in order, and a set with every type that can go together', () => {
    expect(refusal(ew(d('PED', '2029-01-10'), d('CRD', '2030-09-13'), d('SLED', '2034-09-13')))).toBe(
      'accepted',
    );
    expect(
      refusal({
        jurisdiction: 'ENGLAND_AND_WALES',
        recordedBecause: 'OFFICIAL_CALCULATION',
        dates: [
          d('HDCED', '2027-01-20'),
          d('CRD', '2027-04-20'),
          d('SLED', '2028-06-19'),
          d('TUSED', '2029-06-19'),
        ],
      }),
    ).toBe('accepted');
    // Equal dates are not out of order.
    expect(refusal(ew(d('PED', '2029-01-10'), d('CRD', '2029-01-10')))).toBe('accepted');
  });

  it('refuses every pair out of order, naming both dates', () => {
    const pairs: Array<[RecordedDateInput['type'], RecordedDateInput['type']]> = [
      ['PED', 'CRD'],
      ['HDCED', 'ARD'],
      ['PRRD', 'SED'],
      ['HDCED', 'SLED'],
      ['CRD', 'LED'],
      ['SED', 'TUSED'],
    ];
    for (const [early, late] of pairs)
      expect([early, late, refusal(ew(d(late, '2030-01-01'), d(early, '2030-01-02')))]).toEqual([
        early,
        late,
        { code: 'RECORDED_DATES_OUT_OF_ORDER', fields: ['dates.1.date', 'dates.0.date'] },
      ]);
  });

  it('refuses impossible combinations and a reason of the other jurisdiction', () => {
    const impossible = (fields: string[]) => ({ code: 'RECORDED_DATES_IMPOSSIBLE', fields });
    expect(refusal(ew(d('CRD', '2030-01-01'), d('ARD', '2030-01-01')))).toEqual(impossible(['dates.1.type']));
    expect(refusal(ew(d('SED', '2030-01-01'), d('SLED', '2030-01-01')))).toEqual(
      impossible(['dates.0.type']),
    );
    expect(
      refusal({ jurisdiction: 'SCOTLAND', recordedBecause: 'RECALL', dates: [d('TUSED', '2030-01-01')] }),
    ).toEqual(impossible(['dates.0.type']));
    expect(
      refusal({
        jurisdiction: 'SCOTLAND',
        recordedBecause: 'ENGLAND_AND_WALES_SOPC',
        dates: [d('PED', '2030-01-01')],
      }),
    ).toEqual(impossible(['recordedBecause']));
    for (const type of ['SED', 'SLED', 'LED', 'CRD', 'ARD', 'HDCED', 'TUSED'] as const)
      expect(
        refusal({
          jurisdiction: 'ENGLAND_AND_WALES',
          recordedBecause: 'ENGLAND_AND_WALES_INDETERMINATE',
          dates: [d('PED', '2029-01-01'), d(type, '2030-01-01')],
        }),
      ).toEqual(impossible(['dates.1.type']));
    expect(
      refusal({
        jurisdiction: 'SCOTLAND',
        recordedBecause: 'SCOTLAND_INDETERMINATE',
        dates: [d('PED', '2029-01-01'), d('PRRD', '2031-01-01')],
      }),
    ).toBe('accepted');
  });

  it('refuses a type twice, a date that is not a date, and source OTHER with no reference', () => {
    expect(refusal(ew(d('PED', '2029-01-01'), d('PED', '2029-01-02')))).toEqual({
      code: 'RECORDED_DATES_INVALID',
      fields: ['dates.1.type'],
    });
    expect(refusal(ew(d('PED', '2029-02-30')))).toEqual({
      code: 'RECORDED_DATES_INVALID',
      fields: ['dates.0.date'],
    });
    expect(refusal(ew({ type: 'PED', date: '2029-01-01', source: 'OTHER' }))).toEqual({
      code: 'RECORDED_DATES_INVALID',
      fields: ['dates.0.sourceReference'],
    });
  });

  it('gives the release date PRRD › CRD › ARD, never an eligibility date', () => {
    expect(recordedReleaseDate([d('PED', '2029-01-01')])).toBeNull();
    expect(recordedReleaseDate([d('ARD', '2029-05-01'), d('HDCED', '2029-01-01')])).toEqual({
      type: 'ARD',
      date: '2029-05-01',
    });
    expect(recordedReleaseDate([d('CRD', '2029-05-01'), d('PRRD', '2030-01-01')])).toEqual({
      type: 'PRRD',
      date: '2030-01-01',
    });
    expect(RECORDED_DATE_TYPES).not.toContain('APD');
    expect(RECORDED_DATE_TYPES).not.toContain('HDCAD');
  });

  it('explains a date as recorded, not calculated, with its source, who and when', () => {
    const explanation = explainRecordedDate(
      { type: 'PRRD', date: '2027-02-01', source: 'PAROLE_BOARD', sourceReference: 'decision of 2026-11-30' },
      'RECALL',
      { at: '2026-12-06T13:00:00.000Z', by: 'prison-staff:bar' },
    );
    expect(explanation).toEqual({
      kind: 'RECORDED',
      source: 'PAROLE_BOARD',
      sourceReference: 'decision of 2026-11-30',
      recordedAt: '2026-12-06T13:00:00.000Z',
      recordedBy: 'prison-staff:bar',
      steps: [
        'Recorded, not calculated: the PRRD 2027-02-01 as given by a decision of the Parole Board (decision of 2026-11-30).',
        'Recorded by prison-staff:bar at 2026-12-06T13:00:00.000Z, for a recall, which this platform does not calculate.',
      ],
      unverified: [expect.stringMatching(/did not calculate this date/)],
    });
  });
});
