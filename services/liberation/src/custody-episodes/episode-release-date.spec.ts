import { ReleaseDateChangeReason } from '@throughcare/contracts';
import { displayedReleaseDateOf, releaseDateTypeOfChange } from './episode-release-date';

describe('the displayed release date of an episode', () => {
  it('types each release-date change reason (every reason mapped)', () => {
    const types = ReleaseDateChangeReason.options.map((reason) => [
      reason,
      releaseDateTypeOfChange(reason, 'ENGLAND_AND_WALES'),
      releaseDateTypeOfChange(reason, 'SCOTLAND'),
    ]);
    expect(types).toEqual([
      ['HDC_APPROVED', 'HDCAD', 'HDCAD'],
      ['PAROLE', 'APD', 'APD'],
      ['EARLY_RELEASE', 'EARLY_RELEASE', 'EARLY_RELEASE'],
      ['RECALCULATION', 'CRD', 'ARD'],
      ['OTHER', 'OTHER', 'OTHER'],
    ]);
  });

  it("is the latest sentence calculation's CRD/ARD when the date never moved", () => {
    expect(displayedReleaseDateOf('SCOTLAND', undefined, { type: 'ARD', date: '2027-03-19' })).toEqual({
      type: 'ARD',
      date: '2027-03-19',
    });
    expect(
      displayedReleaseDateOf('ENGLAND_AND_WALES', undefined, { type: 'CRD', date: '2027-05-01' }),
    ).toEqual({ type: 'CRD', date: '2027-05-01' });
  });

  it("is the latest change's date, typed by its reason, over the calculated date", () => {
    const calculated = { type: 'CRD' as const, date: '2027-05-01' };
    const change = (reason: ReleaseDateChangeReason, expectedReleaseDate: string) => ({
      reason,
      expectedReleaseDate,
    });
    expect(
      displayedReleaseDateOf('ENGLAND_AND_WALES', change('HDC_APPROVED', '2027-03-20'), calculated),
    ).toEqual({ type: 'HDCAD', date: '2027-03-20' });
    expect(displayedReleaseDateOf('ENGLAND_AND_WALES', change('PAROLE', '2027-02-01'), calculated)).toEqual({
      type: 'APD',
      date: '2027-02-01',
    });
    expect(
      displayedReleaseDateOf('ENGLAND_AND_WALES', change('EARLY_RELEASE', '2027-04-10'), calculated),
    ).toEqual({ type: 'EARLY_RELEASE', date: '2027-04-10' });
    // A date of no known type entered by hand is shown as that, not as a confirmed release date.
    expect(displayedReleaseDateOf('ENGLAND_AND_WALES', change('OTHER', '2027-04-11'), null)).toEqual({
      type: 'OTHER',
      date: '2027-04-11',
    });
    // A recalculation's date is the calculated one in force, even if the stored version says otherwise.
    expect(
      displayedReleaseDateOf('ENGLAND_AND_WALES', change('RECALCULATION', '2027-06-01'), calculated),
    ).toEqual({ type: 'CRD', date: '2027-06-01' });
    expect(displayedReleaseDateOf('SCOTLAND', change('RECALCULATION', '2027-06-02'), null)).toEqual({
      type: 'ARD',
      date: '2027-06-02',
    });
  });

  it('is null when the episode holds neither a change nor a calculated date (a date given at reception only)', () => {
    expect(displayedReleaseDateOf('SCOTLAND', undefined, null)).toBeNull();
  });

  it('takes a recorded official release date over the calculated one, whatever their types; a RECALCULATION a recording made keeps its type', () => {
    const calculated = { type: 'CRD' as const, date: '2027-05-01' };
    // A calculated CRD beside a recorded ARD would win by precedence: the recorded date replaces it.
    expect(
      displayedReleaseDateOf('ENGLAND_AND_WALES', undefined, calculated, { type: 'ARD', date: '2027-04-01' }),
    ).toEqual({ type: 'ARD', date: '2027-04-01' });
    expect(
      displayedReleaseDateOf(
        'SCOTLAND',
        { reason: 'RECALCULATION', expectedReleaseDate: '2029-01-10' },
        null,
        { type: 'CRD', date: '2029-01-10' },
      ),
    ).toEqual({ type: 'CRD', date: '2029-01-10' });
    expect(releaseDateTypeOfChange('RECALCULATION', 'ENGLAND_AND_WALES', 'PRRD')).toBe('PRRD');
    // Review stop 42, N5: typed by what wrote it. Version 1 recorded a PRRD and moved the date;
    // version 2 records only a PED (no release date): the change is still the PRRD's.
    expect(
      displayedReleaseDateOf(
        'ENGLAND_AND_WALES',
        { reason: 'RECALCULATION', expectedReleaseDate: '2029-02-01', recordedReleaseDateType: 'PRRD' },
        calculated,
        null,
      ),
    ).toEqual({ type: 'PRRD', date: '2029-02-01' });
    // Review stop 43, M1: a RECALCULATION by hand or from upstream after the recording replaces the
    // recorded date, typed as it (what the journey plans from is what is shown).
    expect(
      displayedReleaseDateOf(
        'ENGLAND_AND_WALES',
        { reason: 'RECALCULATION', expectedReleaseDate: '2029-04-01' },
        calculated,
        { type: 'PRRD', date: '2029-02-01' },
      ),
    ).toEqual({ type: 'PRRD', date: '2029-04-01' });
    expect(
      displayedReleaseDateOf(
        'SCOTLAND',
        { reason: 'RECALCULATION', expectedReleaseDate: '2029-04-01' },
        null,
        { type: 'CRD', date: '2029-02-01' },
      ),
    ).toEqual({ type: 'CRD', date: '2029-04-01' });
    // And a calculation's own change beside a recording of the same date: the recorded type shows.
    expect(
      displayedReleaseDateOf(
        'ENGLAND_AND_WALES',
        { reason: 'RECALCULATION', expectedReleaseDate: '2029-03-01' },
        { type: 'CRD', date: '2029-03-01' },
        { type: 'PRRD', date: '2029-03-01' },
      ),
    ).toEqual({ type: 'PRRD', date: '2029-03-01' });
    // A decision still comes first.
    expect(
      displayedReleaseDateOf(
        'SCOTLAND',
        { reason: 'HDC_APPROVED', expectedReleaseDate: '2029-01-01' },
        null,
        { type: 'CRD', date: '2029-01-10' },
      ),
    ).toEqual({ type: 'HDCAD', date: '2029-01-01' });
  });
});
