import { Client } from 'pg';
import { appDatabaseUrl } from '../app-role';

// Test support for the services' row-level security specs (not exported from the library's
// index: import it from '@throughcare/platform-persistence/src/testing'). The assertions every
// service's protected tables share; which rows each scope sees stays with each service's spec.

export interface ProtectedTables {
  /** The database's owner URL (DATABASE_URL): the application role's URL is derived from it. */
  databaseUrl: string;
  /** A connected client as the owner of the tables. */
  owner: Client;
  /** The running service's own connection (the application role). */
  service: { query(sql: string): Promise<unknown> };
  schema: string;
  tables: readonly string[];
}

/** The service connects as the application role: no superuser, no BYPASSRLS, owner of none of the tables. */
export async function expectUnprivilegedAppRole({
  databaseUrl,
  owner,
  service,
  schema,
  tables,
}: ProtectedTables): Promise<void> {
  const [me] = (await service.query(
    `SELECT current_user AS "user", rolsuper AS "super", rolbypassrls AS "bypass"
       FROM pg_roles WHERE rolname = current_user`,
  )) as Array<{ user: string; super: boolean; bypass: boolean }>;
  expect(me).toEqual({ user: appDatabaseUrl(databaseUrl).role, super: false, bypass: false });
  const owners = await owner.query<{ tablename: string; tableowner: string }>(
    `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)`,
    [schema, [...tables]],
  );
  expect(owners.rows.map((r) => r.tablename).sort()).toEqual([...tables].sort());
  for (const row of owners.rows) expect(row.tableowner).not.toBe(me!.user);
}

/** Row-level security is enabled and forced (it binds the tables' owner too) on every table. */
export async function expectRowLevelSecurityForced({
  owner,
  schema,
  tables,
}: ProtectedTables): Promise<void> {
  const flags = await owner.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
    `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2) ORDER BY c.relname`,
    [schema, [...tables]],
  );
  expect(flags.rows).toEqual(
    [...tables].sort().map((relname) => ({ relname, relrowsecurity: true, relforcerowsecurity: true })),
  );
}

/**
 * A bare connection as the application role, with no scope set at all, sees no row of any table;
 * `alsoOnIt` runs further checks on that connection before it is closed.
 */
export async function expectBareAppRoleSeesNothing(
  { databaseUrl, schema, tables }: ProtectedTables,
  alsoOnIt?: (bare: Client) => Promise<void>,
): Promise<void> {
  const bare = new Client({ connectionString: appDatabaseUrl(databaseUrl).url });
  await bare.connect();
  try {
    for (const table of tables) {
      const rows = await bare.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
      expect({ table, n: rows.rows[0]!.n }).toEqual({ table, n: 0 });
    }
    await alsoOnIt?.(bare);
  } finally {
    await bare.end();
  }
}
