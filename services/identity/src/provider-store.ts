import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { DataSource } from 'typeorm';

/**
 * The provider's short-lived state that the authorization code flow needs, in Postgres (table
 * `identity.provider_state`), so that several provider instances serve the same sign-ins: a
 * session made by one is found by the next, and an authorization code consumed by one is
 * consumed for all. Each row carries its expiry; expired rows are never returned and are
 * deleted by `sweepExpired`.
 */
export const STORED_MODELS = new Set(['Session', 'Interaction', 'AuthorizationCode', 'Grant']);

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

export class ProviderStateAdapter implements Adapter {
  constructor(
    private readonly db: DataSource,
    private readonly model: string,
  ) {}

  private async findBy(column: 'id' | 'uid', value: string): Promise<AdapterPayload | undefined> {
    const rows = (await this.db.query(
      `SELECT payload, consumed_at FROM "identity"."provider_state"
       WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [this.model, value],
    )) as Row[];
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at
      ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) }
      : row.payload;
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findBy('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy('uid', uid);
  }

  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined); // device flow: not offered
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (!STORED_MODELS.has(this.model))
      throw new Error(`identity: refusing to store a ${this.model} (not offered by this provider)`);
    await this.db.query(
      `INSERT INTO "identity"."provider_state" (model, id, payload, grant_id, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::int IS NULL THEN NULL ELSE now() + make_interval(secs => $6::int) END)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [this.model, id, payload, payload.grantId ?? null, payload.uid ?? null, expiresIn ?? null],
    );
  }

  async destroy(id: string): Promise<void> {
    await this.db.query(`DELETE FROM "identity"."provider_state" WHERE model = $1 AND id = $2`, [
      this.model,
      id,
    ]);
  }

  /**
   * Marks a code consumed, once: the provider checks `consumed` before it calls this, and when two
   * instances race on the same code the second finds no unconsumed row here and is refused.
   */
  async consume(id: string): Promise<void> {
    const [, affected] = (await this.db.query(
      `UPDATE "identity"."provider_state" SET consumed_at = now()
       WHERE model = $1 AND id = $2 AND consumed_at IS NULL`,
      [this.model, id],
    )) as [unknown, number];
    if (affected !== 1) throw new errors.InvalidGrant(`${this.model} already used`);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.query(`DELETE FROM "identity"."provider_state" WHERE grant_id = $1`, [grantId]);
  }
}

/** Deletes expired rows; returns how many. */
export async function sweepExpired(db: DataSource): Promise<number> {
  const result = (await db.query(
    `DELETE FROM "identity"."provider_state" WHERE expires_at IS NOT NULL AND expires_at <= now()`,
  )) as [unknown, number];
  return result[1] ?? 0;
}
