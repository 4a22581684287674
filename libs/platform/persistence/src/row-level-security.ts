import { SCOPE_SETTINGS } from './database-scope';

/**
 * SQL building blocks for row-level security policies that read the per-transaction scope
 * (see database-scope.ts). Every expression fails closed: a setting that is missing or empty
 * matches nothing.
 */
export const rls = {
  /** True when the transaction acts for the platform itself. */
  unrestricted: `coalesce(current_setting('${SCOPE_SETTINGS.unrestricted}', true), '') = 'on'`,
  /** The establishments of the scope as text[] (NULL when none: `&&` and `= ANY` then match nothing). */
  establishments: `string_to_array(nullif(current_setting('${SCOPE_SETTINGS.establishments}', true), ''), ',')`,
  /** The agency of the scope (NULL when none: `=` then matches nothing). */
  agency: `nullif(current_setting('${SCOPE_SETTINGS.agency}', true), '')`,
  /**
   * `CASE WHEN unrestricted THEN true ELSE <scoped> END`: CASE fixes the order, so a policy whose
   * scoped test calls a function reading the table itself is never evaluated for the platform.
   */
  policy: (scoped: string) =>
    `CASE WHEN coalesce(current_setting('${SCOPE_SETTINGS.unrestricted}', true), '') = 'on' THEN true ELSE coalesce((${scoped}), false) END`,
};

/** `ENABLE` and `FORCE` (the owner too is subject to the policies), and one policy for every command. */
export function protectTableSql(qualifiedTable: string, policyName: string, scoped: string): string[] {
  const expression = rls.policy(scoped);
  return [
    `ALTER TABLE ${qualifiedTable} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${qualifiedTable} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY "${policyName}" ON ${qualifiedTable} FOR ALL USING (${expression}) WITH CHECK (${expression})`,
  ];
}

/**
 * A policy for reads only on a table already protected: it widens what SELECT shows (permissive
 * policies are OR-ed per command) and leaves every write to the table's FOR ALL policy.
 */
export function readOnlyPolicySql(qualifiedTable: string, policyName: string, scoped: string): string {
  return `CREATE POLICY "${policyName}" ON ${qualifiedTable} FOR SELECT USING (${rls.policy(scoped)})`;
}

export function unprotectTableSql(qualifiedTable: string, policyName: string): string[] {
  return [
    `DROP POLICY IF EXISTS "${policyName}" ON ${qualifiedTable}`,
    `ALTER TABLE ${qualifiedTable} NO FORCE ROW LEVEL SECURITY`,
    `ALTER TABLE ${qualifiedTable} DISABLE ROW LEVEL SECURITY`,
  ];
}

/**
 * A migration's `down()` guard: throws while `qualifiedTable` holds any row (every row counted,
 * past row-level security), or any row matching `where` when given, so a rollback never drops
 * facts. The message reads "<n> <what> on record: <why>".
 */
export async function refuseRollbackWhileRows(
  queryRunner: { query(sql: string): Promise<unknown> },
  qualifiedTable: string,
  what: string,
  why: string,
  where = 'true',
): Promise<void> {
  await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
  const [{ count }] = (await queryRunner.query(
    `SELECT count(*)::int AS count FROM ${qualifiedTable} WHERE ${where}`,
  )) as [{ count: number }];
  if (count > 0) throw new Error(`${count} ${what} on record: ${why}`);
}
