import { AuditUnavailableError, type AuditDraft, type AuditWriter } from '@throughcare/platform-audit';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { ROLES, type Role } from '@throughcare/platform-auth';
import { AgencyIdSchema, EstablishmentsSchema, refineScope } from './principal-scope';
import { hashSecret, newClientId, newSecret, secretMatches } from './secret-hash';

export const ADMIN_CLIENT_ID = 'throughcare-admin';
/** The placeholder a configured client's row holds only inside the transaction that creates it (no secret hashes to it). */
const PENDING_SECRET_HASH = 'pending';
/**
 * The directory's own client (role `service`): the registrar through which agencies' API clients
 * are registered, listed and revoked (services/directory, `/agencies/:id/clients`). Configured
 * by a shared secret (`DIRECTORY_REGISTRAR_SECRET`), not registered.
 */
export const REGISTRAR_CLIENT_ID = 'throughcare-directory';
/** The roles an agency's client may hold. */
export const AGENCY_ROLES = ['agency-staff', 'agency-system'] as const;

export interface ApiClient {
  clientId: string;
  name: string;
  secretHash: string;
  roles: Role[];
  agencyId: string | null;
  establishments: string[];
  createdAt: Date;
  createdBy: string;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

/** What an administrator sends to register a client. */
export const RegisterClientSchema = z
  .object({
    name: z.string().max(200).trim().min(1),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
    agencyId: AgencyIdSchema.optional(),
    establishments: EstablishmentsSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) =>
    refineScope(c, ctx, {
      agencyRoles: ['agency-staff', 'agency-system'],
      required: 'required for an agency role',
      onlyFor: 'only agency roles act for an agency',
    }),
  );
export type RegisterClient = z.output<typeof RegisterClientSchema>;

/** Who asked the directory (its caller's actor, e.g. "client:tc-…"), recorded with the registrar. */
const RequestedBySchema = z
  .string()
  .regex(/^(client|user):[\x21-\x7e]{1,255}$/, 'an actor: client:<id> or user:<id>');

/**
 * What the directory's registrar sends to register an agency's client: agency roles only, the
 * agency required, and who asked.
 */
export const RegistrarRegisterClientSchema = z
  .object({
    name: z.string().max(200).trim().min(1),
    roles: z.array(z.enum(AGENCY_ROLES)).min(1).max(AGENCY_ROLES.length),
    agencyId: AgencyIdSchema,
    requestedBy: RequestedBySchema,
  })
  .strict();

export const RegistrarRevokeClientSchema = z
  .object({ reason: z.string().max(500).trim().min(1), requestedBy: RequestedBySchema })
  .strict();

export const RevokeClientSchema = z.object({ reason: z.string().max(500).trim().min(1) }).strict();

interface Row {
  client_id: string;
  name: string;
  secret_hash: string;
  roles: string[];
  agency_id: string | null;
  establishments: string[];
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_reason: string | null;
}

const fromRow = (r: Row): ApiClient => ({
  clientId: r.client_id,
  name: r.name,
  secretHash: r.secret_hash,
  roles: r.roles as Role[],
  agencyId: r.agency_id,
  establishments: r.establishments,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
  revokedReason: r.revoked_reason,
});

/** The registered API clients, in the identity schema. */
export class ClientStore {
  constructor(private readonly db: DataSource) {}

  async find(clientId: string): Promise<ApiClient | undefined> {
    const rows = (await this.db.query(`SELECT * FROM "identity"."api_client" WHERE client_id = $1`, [
      clientId,
    ])) as Row[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * Registers a client; the secret is returned here once and stored only as a hash. `record`
   * (the audit record) runs in the same transaction: both or neither.
   */
  async register(
    input: RegisterClient,
    createdBy: string,
    record: (manager: EntityManager, client: ApiClient) => Promise<unknown> = async () => undefined,
  ): Promise<{ client: ApiClient; secret: string }> {
    const secret = newSecret();
    const clientId = newClientId();
    return this.db
      .transaction(async (tx) => {
        const rows = (await tx.query(
          `INSERT INTO "identity"."api_client" (client_id, name, secret_hash, roles, agency_id, establishments, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [
            clientId,
            input.name,
            hashSecret(secret),
            input.roles,
            input.agencyId ?? null,
            input.establishments ?? [],
            createdBy,
          ],
        )) as Row[];
        const client = fromRow(rows[0]!);
        await record(tx, client);
        return { client, secret };
      })
      .catch(withoutParameters('registering a client'));
  }

  /**
   * Revokes a client (once; revoking again keeps the first revocation, and records nothing new).
   * Undefined when unknown. `record` runs in the revocation's transaction.
   */
  async revoke(
    clientId: string,
    reason: string,
    revokedBy: string,
    record: (manager: EntityManager, client: ApiClient) => Promise<unknown> = async () => undefined,
  ): Promise<ApiClient | undefined> {
    await this.db
      .transaction(async (tx) => {
        const rows = (await tx.query(
          `UPDATE "identity"."api_client" SET revoked_at = now(), revoked_by = $2, revoked_reason = $3
         WHERE client_id = $1 AND revoked_at IS NULL RETURNING *`,
          [clientId, revokedBy, reason],
        )) as [Row[], number] | Row[];
        const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Row[];
        if (updated[0]) await record(tx, fromRow(updated[0]));
      })
      .catch(withoutParameters('revoking a client'));
    return this.find(clientId);
  }

  /** Clients of one agency (or every client), in id order, one page at a time. */
  async list(options: { agencyId?: string; after?: string; limit: number }): Promise<ApiClient[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "identity"."api_client"
       WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::text IS NULL OR client_id > $2)
       ORDER BY client_id LIMIT $3`,
      [options.agencyId ?? null, options.after ?? null, options.limit],
    )) as Row[];
    return rows.map(fromRow);
  }

  /**
   * The bootstrap administrator client, created or re-keyed with `secret`, and reinstated at every
   * start: the API cannot revoke it, and without it nobody can administer anything.
   */
  async ensureAdmin(secret: string, record?: ConfiguredClientRecorder): Promise<void> {
    await this.ensureConfigured(
      ADMIN_CLIENT_ID,
      'Throughcare bootstrap administrator',
      'administrator',
      secret,
      { reinstate: true, record },
    );
  }

  /**
   * The directory's registrar client, created with `secret`, or re-keyed when it changed. Without a
   * secret nothing changes here: several provider instances may share this store, and one started
   * without the setting must not cut off the others. To stop the registrar, an administrator
   * revokes it: it stays revoked until a start with a different (rotated) secret.
   */
  async ensureRegistrar(secret: string | undefined, record?: ConfiguredClientRecorder): Promise<void> {
    if (secret)
      await this.ensureConfigured(
        REGISTRAR_CLIENT_ID,
        'Throughcare directory (client registrar)',
        'service',
        secret,
        { reinstate: false, record },
      );
  }

  /**
   * A configured client, created with `secret`, or re-keyed (and its revocation lifted) when the
   * configured secret changed. Unless `reinstate`, a start with the same secret changes nothing:
   * an administrator's revocation of a leaked registrar stays until its secret is rotated. A start
   * that changes nothing writes nothing; a change is handed to `record` (the identity audit chain)
   * inside its own transaction, so the change and its record commit together or not at all.
   */
  private async ensureConfigured(
    clientId: string,
    name: string,
    role: Role,
    secret: string,
    options: { reinstate: boolean; record?: ConfiguredClientRecorder },
  ): Promise<void> {
    // Decided and written in one transaction, the row locked (created first if missing, so that a
    // second replica starting at once waits and then sees it): an administrator's revocation made
    // meanwhile is seen, and said so if lifted.
    await this.db
      .transaction(async (tx) => {
        await tx.query(
          `INSERT INTO "identity"."api_client" (client_id, name, secret_hash, roles, created_by)
           VALUES ($1, $2, $3, ARRAY[$4]::text[], 'identity-service')
           ON CONFLICT (client_id) DO NOTHING`,
          [clientId, name, PENDING_SECRET_HASH, role],
        );
        const [row] = (await tx.query(
          `SELECT secret_hash, revoked_at FROM "identity"."api_client" WHERE client_id = $1 FOR UPDATE`,
          [clientId],
        )) as Array<{ secret_hash: string; revoked_at: Date | null }>;
        const created = row!.secret_hash === PENDING_SECRET_HASH;
        const sameSecret = !created && secretMatches(secret, row!.secret_hash);
        const change: ConfiguredClientChange | undefined = created
          ? { action: 'client.configured', revocationLifted: false }
          : !sameSecret
            ? { action: 'client.rekeyed', revocationLifted: row!.revoked_at !== null }
            : options.reinstate && row!.revoked_at !== null
              ? { action: 'client.reinstated', revocationLifted: true }
              : undefined;
        if (!change) return;
        await tx.query(
          `UPDATE "identity"."api_client" SET secret_hash = $2,
             revoked_at = NULL, revoked_by = NULL, revoked_reason = NULL
           WHERE client_id = $1`,
          [clientId, hashSecret(secret)],
        );
        await options.record?.(tx, clientId, change);
      })
      .catch(withoutParameters('configuring a client'));
  }
}

/**
 * What a start changed about a configured client: created from the configuration, its secret
 * rotated (`client.rekeyed`, lifting any revocation), or a revoked administrator reinstated.
 */
export interface ConfiguredClientChange {
  action: 'client.configured' | 'client.rekeyed' | 'client.reinstated';
  revocationLifted: boolean;
}
/** Writes the audit record of a configured client's change, in the change's transaction. */
export type ConfiguredClientRecorder = (
  manager: EntityManager,
  clientId: string,
  change: ConfiguredClientChange,
) => Promise<unknown>;

/**
 * The record of a change a start made to a configured client, by the identity service itself
 * (actor `identity-service`, the `created_by` of such clients), naming the setting it came from.
 */
export function configuredClientRecorder(audit: AuditWriter): (setting: string) => ConfiguredClientRecorder {
  return (setting) => async (manager, clientId, change) => {
    const draft: AuditDraft = {
      actor: 'identity-service',
      clientId: null,
      roles: [],
      purpose: 'administration',
      subjectPerson: null,
      disclosedPersons: [],
      action: change.action,
      objectType: 'api-client',
      objectId: clientId,
      outcome: 'allowed',
      reason: `at start, from ${setting}${change.revocationLifted ? '; its revocation lifted' : ''}`,
      httpMethod: null,
      route: null,
      requestId: null,
    };
    await audit.append(draft, manager);
  };
}

/** A client as the administration API shows it: never the secret hash. */
export function clientView(c: ApiClient) {
  return {
    clientId: c.clientId,
    name: c.name,
    roles: c.roles,
    agencyId: c.agencyId,
    establishments: c.establishments,
    createdAt: c.createdAt.toISOString(),
    createdBy: c.createdBy,
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revokedBy: c.revokedBy,
    revokedReason: c.revokedReason,
  };
}

/**
 * A failed write, without the driver's error itself: TypeORM's carries the query parameters (a
 * secret's hash), which the API's error log would print. An audit failure passes as it is (503).
 */
function withoutParameters(what: string): (e: unknown) => never {
  return (e) => {
    if (e instanceof AuditUnavailableError) throw e;
    throw new Error(`${what} failed: ${(e as Error).message}`);
  };
}
