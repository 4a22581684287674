import { consentState, type ConsentFacts } from './consent-given.service';

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 2, 14, minutes));
const given = (givenAt: number, recordedAt: number) => ({ givenAt: at(givenAt), recordedAt: at(recordedAt) });
const withdrawal = (withdrawnAt: number, recordedAt: number) => ({
  withdrawnAt: at(withdrawnAt),
  recordedAt: at(recordedAt),
});
const state = (facts: Partial<ConsentFacts>) =>
  consentState({ given: [], withdrawals: [], presumed: false, ...facts }).state;

describe('consentState: the episode consent derived from its facts', () => {
  it('is GIVEN with consent recorded and no withdrawal, relying on the latest given', () => {
    expect(state({ given: [given(0, 1)] })).toBe('GIVEN');
    expect(
      consentState({ given: [given(5, 6), given(3, 7)], withdrawals: [], presumed: true }).givenAt,
    ).toEqual(at(5));
  });

  it('reopens only for a consent recorded after the withdrawal was recorded and given after it', () => {
    expect(state({ given: [given(10, 11)], withdrawals: [withdrawal(5, 6)] })).toBe('GIVEN');
    // Given after, but recorded before the withdrawal was keyed in: the withdrawal ends it (S1a).
    expect(state({ given: [given(10, 11)], withdrawals: [withdrawal(5, 12)] })).toBe('WITHDRAWN');
    // Recorded after, but given before the withdrawal (a back-dated form).
    expect(state({ given: [given(4, 11)], withdrawals: [withdrawal(5, 6)] })).toBe('WITHDRAWN');
  });

  it('fails closed on ties of instant or of recording', () => {
    expect(state({ given: [given(5, 11)], withdrawals: [withdrawal(5, 6)] })).toBe('WITHDRAWN');
    expect(state({ given: [given(10, 6)], withdrawals: [withdrawal(5, 6)] })).toBe('WITHDRAWN');
  });

  it('takes every withdrawal into account, not only the latest dated one', () => {
    // A re-consent, then a withdrawal dated before it but recorded after it (S1b): withdrawn.
    expect(state({ given: [given(10, 11)], withdrawals: [withdrawal(5, 6), withdrawal(8, 12)] })).toBe(
      'WITHDRAWN',
    );
    // The same instant recorded again after a re-consent (S1d): withdrawn.
    expect(state({ given: [given(10, 11)], withdrawals: [withdrawal(5, 6), withdrawal(5, 12)] })).toBe(
      'WITHDRAWN',
    );
    expect(
      state({ given: [given(10, 11), given(20, 21)], withdrawals: [withdrawal(5, 6), withdrawal(15, 16)] }),
    ).toBe('GIVEN');
  });

  it('rests on the cut-over presumption only with nothing recorded, else NONE', () => {
    expect(state({ presumed: true })).toBe('PRESUMED_BEFORE_CUTOVER');
    expect(state({ presumed: true, withdrawals: [withdrawal(5, 6)] })).toBe('WITHDRAWN');
    expect(state({})).toBe('NONE');
  });
});
