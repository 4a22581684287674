import { displayedReleaseDate } from './displayed-release-date';

describe('displayed release date (confirmed › APD › HDCAD › CRD › ARD)', () => {
  it('takes the first present in precedence order', () => {
    const all = {
      CONFIRMED: '2026-01-05',
      APD: '2026-02-05',
      HDCAD: '2026-03-05',
      CRD: '2026-04-05',
      ARD: '2026-05-05',
    };
    expect(displayedReleaseDate(all)).toEqual({ type: 'CONFIRMED', date: '2026-01-05' });
    expect(displayedReleaseDate({ ...all, CONFIRMED: null })).toEqual({ type: 'APD', date: '2026-02-05' });
    expect(displayedReleaseDate({ HDCAD: '2026-03-05', CRD: '2026-04-05' })).toEqual({
      type: 'HDCAD',
      date: '2026-03-05',
    });
    expect(displayedReleaseDate({ CRD: '2026-04-05', ARD: '2026-05-05' })).toEqual({
      type: 'CRD',
      date: '2026-04-05',
    });
    expect(displayedReleaseDate({ ARD: '2026-05-05' })).toEqual({ type: 'ARD', date: '2026-05-05' });
  });

  it('is precedence, not the earliest date: an approved HDC date later than the CRD still wins', () => {
    expect(displayedReleaseDate({ HDCAD: '2026-06-01', CRD: '2026-05-01' })?.type).toBe('HDCAD');
  });

  it('places the hand-entered types (ours) after the decisions and before the calculated dates (review M3)', () => {
    expect(displayedReleaseDate({ OTHER: '2026-06-01', CRD: '2026-05-01' })).toEqual({
      type: 'OTHER',
      date: '2026-06-01',
    });
    expect(displayedReleaseDate({ EARLY_RELEASE: '2026-04-10', ARD: '2026-05-01' })?.type).toBe(
      'EARLY_RELEASE',
    );
    expect(displayedReleaseDate({ HDCAD: '2026-03-05', OTHER: '2026-06-01' })?.type).toBe('HDCAD');
  });

  it('answers null when there is nothing to show', () => {
    expect(displayedReleaseDate({})).toBeNull();
    expect(displayedReleaseDate({ CRD: null })).toBeNull();
  });

  it('places a post-recall release date (PRRD, recorded) after the hand-entered types and before CRD/ARD', () => {
    expect(displayedReleaseDate({ PRRD: '2026-07-01', CRD: '2026-05-01' })).toEqual({
      type: 'PRRD',
      date: '2026-07-01',
    });
    expect(displayedReleaseDate({ PRRD: '2026-07-01', OTHER: '2026-08-01' })?.type).toBe('OTHER');
  });
});
