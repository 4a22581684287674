import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Whose rows the database shows the current unit of work: the second wall (Postgres row-level
 * security) behind the services' own object-level checks.
 *
 * - `{ establishments }`: prison staff's, the establishments their token names;
 * - `{ agency }`: an agency's staff or systems, their agency;
 * - `unrestricted`: the platform's own work (bus consumers, Temporal activities, migrations);
 * - `none` (nothing set): fail closed, every protected table looks empty.
 *
 * A principal can hold both an establishment and an agency scope (several roles); the policies
 * of each table read the part that concerns them.
 */
export type DatabaseScope =
  | { readonly establishments?: readonly string[]; readonly agency?: string | null }
  | 'unrestricted'
  | 'none';

/** The per-transaction settings the row-level security policies read. */
export const SCOPE_SETTINGS = {
  establishments: 'throughcare.establishments',
  agency: 'throughcare.agency',
  unrestricted: 'throughcare.unrestricted',
} as const;

const storage = new AsyncLocalStorage<DatabaseScope>();

/** Runs `work` (and everything it awaits) with `scope` applied to each transaction it opens. */
export function runWithDatabaseScope<T>(scope: DatabaseScope, work: () => T): T {
  return storage.run(scope, work);
}

/** The platform acting for itself: bus consumers, Temporal activities. */
export function runUnrestricted<T>(work: () => T): T {
  return storage.run('unrestricted', work);
}

/**
 * The same activities, each running with the unrestricted scope: a Temporal activity is the
 * platform's own work (the journey asked for it, not a caller). Each service wraps its activity
 * factory's result, so a direct call (a test) runs as the worker would.
 */
export function unrestrictedActivities<T extends object>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      typeof fn === 'function'
        ? (...args: unknown[]) => runUnrestricted(() => (fn as (...a: unknown[]) => unknown)(...args))
        : fn,
    ]),
  ) as T;
}

/** The scope of the current async context; `none` outside any. */
export function currentDatabaseScope(): DatabaseScope {
  return storage.getStore() ?? 'none';
}

const CODE = /^[A-Za-z0-9_.:@-]{1,200}$/;

/**
 * The three setting values for a scope: a comma list of establishments, an agency id, and
 * `on`/`off`. Values that could not be told apart in a comma list (a comma, or anything outside
 * a conservative alphabet) are dropped, so they match nothing.
 */
export function scopeSettingValues(scope: DatabaseScope): [string, string, string] {
  if (scope === 'unrestricted') return ['', '', 'on'];
  if (scope === 'none') return ['', '', 'off'];
  const establishments = (scope.establishments ?? []).filter((e) => CODE.test(e)).join(',');
  const agency = scope.agency != null && CODE.test(scope.agency) ? scope.agency : '';
  return [establishments, agency, 'off'];
}

/** `set_config(…, true)`: the values last until the end of the current transaction only. */
export const SET_SCOPE_SQL =
  `SELECT set_config('${SCOPE_SETTINGS.establishments}', $1, true), ` +
  `set_config('${SCOPE_SETTINGS.agency}', $2, true), ` +
  `set_config('${SCOPE_SETTINGS.unrestricted}', $3, true)`;

const SCOPED = Symbol('throughcare.scoped-query-runner');

type QueryFn = QueryRunner['query'];

/**
 * Makes every transaction on `dataSource` carry the current async context's scope, in one
 * place: right after `START TRANSACTION` the scope's settings are set for that transaction
 * (`set_config(…, true)`). A statement run outside a transaction (a repository `find`, a
 * `manager.query`) is run in a transaction of its own that carries the scope (BEGIN, the
 * settings, the statement, COMMIT on the same connection), so no statement reaches a protected
 * table without the scope of the code that issued it. No scope: the settings are empty and the
 * policies show no rows.
 *
 * The wrapping uses plain `BEGIN`/`COMMIT` statements, not TypeORM transactions, so transaction
 * subscribers (e.g. the audit trail's, which writes a change's record at its commit) see only
 * the transactions the service itself opened.
 */
export function scopeTransactions(dataSource: DataSource): DataSource {
  const marked = dataSource as DataSource & { [SCOPED]?: boolean };
  if (marked[SCOPED]) return dataSource;
  marked[SCOPED] = true;
  const create = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (mode) => {
    const runner = create(mode);
    const original: QueryFn = runner.query.bind(runner);
    const setScope = () => original(SET_SCOPE_SQL, scopeSettingValues(currentDatabaseScope()));
    // Set right after START TRANSACTION, unless a SET TRANSACTION (isolation level) must come first.
    let pending = false;
    runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
      if (/^\s*(START TRANSACTION|BEGIN)\b/i.test(sql)) {
        const result: unknown = await original(sql, parameters, structured as never);
        pending = runner.isTransactionActive;
        return result;
      }
      if (runner.isTransactionActive) {
        if (pending && !/^\s*SET TRANSACTION\b/i.test(sql)) {
          pending = false;
          if (!/^\s*(COMMIT|ROLLBACK)\b/i.test(sql)) await setScope();
        }
        return original(sql, parameters, structured as never);
      }
      pending = false;
      // An autocommit statement: give it a transaction of its own that carries the scope.
      await original('BEGIN');
      try {
        await setScope();
        const result: unknown = await original(sql, parameters, structured as never);
        await original('COMMIT');
        return result;
      } catch (error) {
        await original('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }) as QueryFn;
    return runner;
  };
  return dataSource;
}

/**
 * Runs `work` inside the manager's open transaction with the row-level security scope widened to
 * every row, then puts the transaction's scope back. For the few reads a service's own rules
 * need beyond the caller's scope (e.g. liberation numbering a person's next custody episode and
 * refusing a reception while an episode elsewhere is open: the answer then names nothing of that
 * episode). Keep the work to reads; writes made after it are checked against the caller's scope.
 */
export async function acrossScopes<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
  if (!manager.queryRunner?.isTransactionActive)
    throw new Error('acrossScopes needs an open transaction (the widened scope must not outlive it)');
  const [previous] = (await manager.query(`SELECT current_setting($1, true) AS value`, [
    SCOPE_SETTINGS.unrestricted,
  ])) as Array<{ value: string | null }>;
  await manager.query(`SELECT set_config($1, 'on', true)`, [SCOPE_SETTINGS.unrestricted]);
  const restore = () =>
    manager.query(`SELECT set_config($1, $2, true)`, [
      SCOPE_SETTINGS.unrestricted,
      previous?.value === 'on' ? 'on' : 'off',
    ]);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The transaction may be aborted by the error: it rolls back, taking the widened scope with it.
    await restore().catch(() => undefined);
    throw error;
  }
  await restore();
  return result;
}
