import type { Principal } from '@throughcare/platform-auth';
import { databaseScopeOf } from './database-scope.interceptor';

const principal = (roles: Principal['roles'], extra: Partial<Principal> = {}): Principal => ({
  subject: 'client-1',
  clientId: 'client-1',
  roles,
  establishments: [],
  ...extra,
});

describe('databaseScopeOf', () => {
  it('gives prison staff their establishments and agencies their agency, never unrestricted', () => {
    expect(databaseScopeOf(principal(['prison-staff'], { establishments: ['BAR'] }))).toEqual({
      establishments: ['BAR'],
      agency: null,
    });
    expect(databaseScopeOf(principal(['policy-admin'], { establishments: ['BAR'] }))).toEqual({
      establishments: ['BAR'],
      agency: null,
    });
    expect(databaseScopeOf(principal(['agency-system'], { agencyId: 'cjsw-edinburgh' }))).toEqual({
      establishments: [],
      agency: 'cjsw-edinburgh',
    });
    expect(databaseScopeOf(principal(['agency-staff'], { agencyId: 'a', establishments: ['BAR'] }))).toEqual({
      establishments: [],
      agency: 'a',
    });
  });

  it('gives every other role, and no caller, nothing', () => {
    for (const role of ['manager', 'operator', 'auditor', 'administrator', 'service'] as const)
      expect(databaseScopeOf(principal([role], { establishments: ['BAR'], agencyId: 'a' }))).toBe('none');
    expect(databaseScopeOf(undefined)).toBe('none');
  });
});
