import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { requireEnv } from './env';

export interface ScratchDatabase {
  /** DATABASE_URL with the scratch database's name. */
  url: string;
  /** Drops it, whoever is still connected. */
  drop(): Promise<void>;
}

/** A database of its own (`<prefix>_<random>`) next to DATABASE_URL's, e.g. to upgrade through migrations. */
export async function createScratchDatabase(
  prefix: string,
  adminUrl = requireEnv('DATABASE_URL'),
): Promise<ScratchDatabase> {
  const database = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${database}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`) };
}
