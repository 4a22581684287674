import { createHmac } from 'node:crypto';
import { Client } from 'pg';

/** The application's database identity when none is configured: a login role that owns nothing. */
export const DEFAULT_APP_ROLE = 'throughcare_app';

/** How the services reach the database for their work (never as the owner of the tables). */
export interface AppDatabaseOptions {
  /** A full URL for the application role (its user must not own the tables). Wins over the rest. */
  url?: string;
  /**
   * The application role's password when `url` is not given (the role is `throughcare_app` on
   * the owner's host and database). Default: derived from the owner's password (HMAC), so a local
   * platform needs no extra secret; set it in production.
   */
  password?: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The application role's URL and whether the platform manages the role (creates it when missing
 * and sets its password: only when no `url` is configured).
 */
export function appDatabaseUrl(
  ownerUrl: string,
  app: AppDatabaseOptions = {},
): { url: string; role: string; managed: boolean; password: string } {
  if (app.url) {
    const parsed = new URL(app.url);
    const role = decodeURIComponent(parsed.username);
    if (!ROLE_NAME.test(role)) throw new Error(`invalid application database role "${role}"`);
    return { url: app.url, role, managed: false, password: decodeURIComponent(parsed.password) };
  }
  const owner = new URL(ownerUrl);
  const ownerPassword = decodeURIComponent(owner.password);
  if (!app.password && !ownerPassword)
    throw new Error(
      'DATABASE_URL has no password to derive the application role password from: set DATABASE_APP_PASSWORD or DATABASE_APP_URL',
    );
  const password =
    app.password ??
    createHmac('sha256', ownerPassword)
      .update(`throughcare application role ${DEFAULT_APP_ROLE}`)
      .digest('hex');
  const url = new URL(ownerUrl);
  url.username = DEFAULT_APP_ROLE;
  url.password = encodeURIComponent(password);
  return { url: url.toString(), role: DEFAULT_APP_ROLE, managed: true, password };
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export interface AppRoleGrants {
  /** The service's schema: USAGE, and SELECT/INSERT/UPDATE/DELETE on its tables (not its migrations table). */
  schema: string;
  /** Tables of `schema` that are append-only for the application: SELECT and INSERT only. */
  appendOnly?: readonly string[];
  /** Tables of `schema` the application may only read (written by migrations alone): SELECT only. */
  readOnly?: readonly string[];
}

/**
 * Run by the owner of the tables (DATABASE_URL) at boot, after migrations: makes sure the
 * application role exists (managed: created when missing, password set; it gets no ownership,
 * no superuser, no BYPASSRLS) and holds exactly the grants the service needs: USAGE on its
 * schema, DML on its tables (SELECT and INSERT only on append-only ones, SELECT only on read-only ones, nothing on the
 * migrations table), its sequences and functions, and SELECT and INSERT on the shared `audit.audit_record`.
 * Idempotent, and serialised across services booting together by a transaction advisory lock.
 */
export async function ensureAppRole(
  ownerUrl: string,
  app: ReturnType<typeof appDatabaseUrl>,
  grants: AppRoleGrants,
): Promise<void> {
  if (!ROLE_NAME.test(grants.schema)) throw new Error(`invalid schema name "${grants.schema}"`);
  const role = ident(app.role);
  const schema = ident(grants.schema);
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('throughcare.app-role'))`);
    const [existing] = (
      await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
        `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`,
        [app.role],
      )
    ).rows;
    if (app.managed) {
      if (!existing) await client.query(`CREATE ROLE ${role} LOGIN`);
      await client.query(
        `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${literal(app.password)}`,
      );
    } else if (!existing) {
      throw new Error(`the application database role "${app.role}" (DATABASE_APP_URL) does not exist`);
    }
    await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`);
    // The schema's functions, e.g. the SECURITY DEFINER helpers its row-level security policies call.
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${schema} TO ${role}`);
    await client.query(`REVOKE ALL ON TABLE ${schema}.${ident(`${grants.schema}_migrations`)} FROM ${role}`);
    for (const table of grants.appendOnly ?? []) {
      await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON TABLE ${schema}.${ident(table)} FROM ${role}`);
    }
    for (const table of grants.readOnly ?? []) {
      await client.query(
        `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE ${schema}.${ident(table)} FROM ${role}`,
      );
    }
    const audit = await client.query(`SELECT to_regclass('"audit"."audit_record"') IS NOT NULL AS present`);
    if ((audit.rows[0] as { present: boolean }).present) {
      await client.query(`GRANT USAGE ON SCHEMA "audit" TO ${role}`);
      await client.query(`GRANT SELECT, INSERT ON TABLE "audit"."audit_record" TO ${role}`);
      await client.query(`GRANT USAGE ON SEQUENCE "audit"."audit_record_id_seq" TO ${role}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Refuses to serve as a role that would make row-level security moot: a superuser, a role with
 * BYPASSRLS, or the owner of any table in the schema (owners bypass policies unless FORCE'd, and
 * may turn them off). Run on the application connection at boot.
 */
export async function assertNotPrivileged(
  query: (sql: string, params?: unknown[]) => Promise<unknown>,
  schema: string,
): Promise<void> {
  const [me] = (await query(
    `SELECT current_user AS "user", r.rolsuper AS "super", r.rolbypassrls AS "bypass",
            (SELECT count(*)::int FROM pg_tables t WHERE t.schemaname = $1 AND t.tableowner = current_user) AS "owned"
       FROM pg_roles r WHERE r.rolname = current_user`,
    [schema],
  )) as Array<{ user: string; super: boolean; bypass: boolean; owned: number }>;
  if (!me || me.super || me.bypass || me.owned > 0)
    throw new Error(
      `the application database role "${me?.user ?? '?'}" must not be a superuser, have BYPASSRLS or own tables of "${schema}" (row-level security would not apply)`,
    );
}

/** The application role's settings from a service's config (CommonEnv.database). */
export function appDatabaseFrom(config: {
  DATABASE_APP_URL?: string | undefined;
  DATABASE_APP_PASSWORD?: string | undefined;
}): AppDatabaseOptions {
  return {
    ...(config.DATABASE_APP_URL ? { url: config.DATABASE_APP_URL } : {}),
    ...(config.DATABASE_APP_PASSWORD ? { password: config.DATABASE_APP_PASSWORD } : {}),
  };
}
