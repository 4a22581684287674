import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { appDatabaseUrl, assertNotPrivileged, ensureAppRole, type AppDatabaseOptions } from './app-role';
import { scopeTransactions, SCOPE_SETTINGS } from './database-scope';

export interface ServiceDataSourceOptions {
  url: string;
  /** The service's own Postgres schema (`directory`, `referral`, …); all its tables live there. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  logging?: boolean;
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * DataSource options for one service schema. Migrations run at boot and `synchronize` is off
 * always: the schema changes only through reviewed migrations.
 */
export function serviceDataSourceOptions(options: ServiceDataSourceOptions): DataSourceOptions {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid schema name "${options.schema}"`);
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: true,
    migrationsTableName: `${options.schema}_migrations`,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: options.logging ?? false,
    // Unqualified names in migrations and raw queries resolve to the service's own schema.
    extra: { options: `-c search_path=${options.schema},public`, max: options.poolSize ?? 10 },
  };
}

/** Creates the schema when missing (TypeORM will not), then initialises and migrates. */
export async function createServiceDataSource(options: ServiceDataSourceOptions): Promise<DataSource> {
  await ensureSchema(options.url, options.schema);
  const dataSource = new DataSource(serviceDataSourceOptions(options));
  return dataSource.initialize();
}

export async function ensureSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

export interface ScopedServiceDataSourceOptions extends ServiceDataSourceOptions {
  /** The application role (default: `throughcare_app`, managed by the platform; see appDatabaseUrl). */
  app?: AppDatabaseOptions;
  /** Tables of the schema the application may only read and append to (no UPDATE or DELETE). */
  appendOnly?: readonly string[];
  /** Tables of the schema the application may only read (written by migrations alone). */
  readOnly?: readonly string[];
}

/**
 * A service's DataSource as the application role, after the owner did the owner's work: creates
 * the schema, runs the migrations as the owner of the tables (`url`; its session is the platform
 * itself, `throughcare.unrestricted = on`, so a migration's data fix sees every row), ensures the
 * application role and its grants (ensureAppRole), then connects as that role, which owns nothing
 * and is subject to row-level security, with the current scope applied to every transaction
 * (scopeTransactions). The owner's connection is closed before the service serves anything, and
 * the service refuses to start if the application role is privileged (assertNotPrivileged).
 */
export async function createScopedServiceDataSource(
  options: ScopedServiceDataSourceOptions,
): Promise<DataSource> {
  await ensureSchema(options.url, options.schema);
  const ownerOptions = serviceDataSourceOptions(options);
  const owner = new DataSource({
    ...ownerOptions,
    extra: {
      options: `-c search_path=${options.schema},public -c ${SCOPE_SETTINGS.unrestricted}=on`,
      max: 1,
    },
  } as DataSourceOptions);
  await owner.initialize();
  await owner.destroy();
  const app = appDatabaseUrl(options.url, options.app);
  await ensureAppRole(options.url, app, {
    schema: options.schema,
    appendOnly: options.appendOnly ?? [],
    readOnly: options.readOnly ?? [],
  });
  const dataSource = scopeTransactions(
    new DataSource({
      ...serviceDataSourceOptions({ ...options, url: app.url }),
      migrationsRun: false,
      installExtensions: false,
    } as DataSourceOptions),
  );
  await dataSource.initialize();
  try {
    await assertNotPrivileged((sql, params) => dataSource.query(sql, params), options.schema);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
