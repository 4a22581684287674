import { localAuthorityIssues, SCOTTISH_COUNCIL_CODES } from './local-authority';

describe('localAuthorityIssues', () => {
  it('accepts the 32 Scottish councils in SCOTLAND', () => {
    expect(new Set(SCOTTISH_COUNCIL_CODES).size).toBe(32);
    for (const code of SCOTTISH_COUNCIL_CODES) {
      expect(localAuthorityIssues('SCOTLAND', 'homeLocalAuthority', code)).toEqual([]);
    }
  });

  it.each(['E06000001', 'E07000223', 'E08000035', 'E09000033', 'W06000015'])(
    'accepts the English or Welsh authority %s in ENGLAND_AND_WALES',
    (code) => {
      expect(localAuthorityIssues('ENGLAND_AND_WALES', 'homeLocalAuthority', code)).toEqual([]);
    },
  );

  it('skips an undefined code', () => {
    expect(localAuthorityIssues('SCOTLAND', 'homeLocalAuthority', undefined)).toEqual([]);
  });

  it.each([
    ['SCOTLAND', 'S12000036x'],
    ['SCOTLAND', 's12000036'],
    ['SCOTLAND', 'S13002672'],
    ['ENGLAND_AND_WALES', 'E12000003'],
    ['ENGLAND_AND_WALES', 'E10000002'],
    ['ENGLAND_AND_WALES', 'W05000001'],
    ['ENGLAND_AND_WALES', 'N09000003'],
    ['ENGLAND_AND_WALES', ''],
  ] as const)('refuses %s %j as not a local-authority code', (jurisdiction, code) => {
    expect(localAuthorityIssues(jurisdiction, 'homeLocalAuthority', code)).toEqual([
      {
        field: 'homeLocalAuthority',
        message: expect.stringMatching(
          /^homeLocalAuthority ".*" is not a local-authority GSS code: Scottish councils are S12…/,
        ),
      },
    ]);
  });

  it('refuses a code outside the jurisdiction', () => {
    expect(localAuthorityIssues('ENGLAND_AND_WALES', 'homeLocalAuthority', 'S12000036')).toEqual([
      {
        field: 'homeLocalAuthority',
        message: 'homeLocalAuthority S12000036 is a Scottish council, outside jurisdiction ENGLAND_AND_WALES',
      },
    ]);
    expect(localAuthorityIssues('SCOTLAND', 'homeLocalAuthority', 'E08000035')).toEqual([
      {
        field: 'homeLocalAuthority',
        message:
          'homeLocalAuthority E08000035 is an English or Welsh authority, outside jurisdiction SCOTLAND',
      },
    ]);
    expect(localAuthorityIssues('SCOTLAND', 'homeLocalAuthority', 'W06000015')).toHaveLength(1);
  });

  it.each(['S12000015', 'S12000099', 'S12000000'])(
    'refuses %s, a well-formed but unknown Scottish code',
    (code) => {
      expect(localAuthorityIssues('SCOTLAND', 'homeLocalAuthority', code)).toEqual([
        {
          field: 'homeLocalAuthority',
          message: `homeLocalAuthority ${code} is not one of the 32 current Scottish council codes (S12000005 to S12000050)`,
        },
      ]);
    },
  );
});
