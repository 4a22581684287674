import { consentState } from './consent-given.service';

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 2, 14, minutes));

describe('consentState: the episode consent derived from its facts', () => {
  it('is GIVEN while the latest consent given is later than the withdrawal, if any', () => {
    expect(consentState(at(0), null, false)).toBe('GIVEN');
    expect(consentState(at(10), at(5), false)).toBe('GIVEN');
    expect(consentState(at(10), at(5), true)).toBe('GIVEN');
  });

  it('is WITHDRAWN after a withdrawal with no later consent; a withdrawal at the same instant wins', () => {
    expect(consentState(at(5), at(10), false)).toBe('WITHDRAWN');
    expect(consentState(at(5), at(5), false)).toBe('WITHDRAWN');
    expect(consentState(null, at(5), true)).toBe('WITHDRAWN');
  });

  it('rests on the cut-over presumption only with nothing recorded, else NONE', () => {
    expect(consentState(null, null, true)).toBe('PRESUMED_BEFORE_CUTOVER');
    expect(consentState(null, null, false)).toBe('NONE');
  });
});
