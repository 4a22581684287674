import {
  currentDatabaseScope,
  runUnrestricted,
  runWithDatabaseScope,
  scopeSettingValues,
} from './database-scope';

describe('database scope', () => {
  it('is none outside any context, and follows the async context inside one', async () => {
    expect(currentDatabaseScope()).toBe('none');
    await runWithDatabaseScope({ establishments: ['BAR'] }, async () => {
      await Promise.resolve();
      expect(currentDatabaseScope()).toEqual({ establishments: ['BAR'] });
      await runUnrestricted(async () => expect(currentDatabaseScope()).toBe('unrestricted'));
      expect(currentDatabaseScope()).toEqual({ establishments: ['BAR'] });
    });
    expect(currentDatabaseScope()).toBe('none');
  });

  it('turns a scope into the three settings, failing closed', () => {
    expect(scopeSettingValues('none')).toEqual(['', '', 'off']);
    expect(scopeSettingValues('unrestricted')).toEqual(['', '', 'on']);
    expect(scopeSettingValues({ establishments: ['BAR', 'LEI'] })).toEqual(['BAR,LEI', '', 'off']);
    expect(scopeSettingValues({ agency: 'cjsw-edinburgh' })).toEqual(['', 'cjsw-edinburgh', 'off']);
    // A value that would split or widen the comma list is dropped: it matches nothing.
    expect(scopeSettingValues({ establishments: ['BAR,LEI', 'GMR'], agency: 'a,b' })).toEqual([
      'GMR',
      '',
      'off',
    ]);
    expect(scopeSettingValues({ establishments: [] })).toEqual(['', '', 'off']);
  });
});
