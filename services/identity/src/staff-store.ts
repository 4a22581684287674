import { AuditUnavailableError } from '@throughcare/platform-audit';
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { Role } from '@throughcare/platform-auth';
import { hashPassword, newPassword, passwordMatches, UNKNOWN_USER_HASH } from './password';
import { AgencyIdSchema, EstablishmentsSchema, refineScope } from './principal-scope';

/** The roles a person signing in may hold (`agency-system` and `service` are for API clients only). */
export const STAFF_ROLES = [
  'prison-staff',
  'policy-admin',
  'agency-staff',
  'manager',
  'operator',
  'auditor',
  'administrator',
] as const satisfies readonly Role[];

/** Consecutive wrong passwords after which an account is locked, and for how long (doubling, capped). */
export const LOCKOUT_AFTER_FAILURES = 5;
export const LOCKOUT_FIRST_SECONDS = 60;
export const LOCKOUT_MAX_SECONDS = 15 * 60;

export interface StaffUser {
  userId: string;
  username: string;
  displayName: string;
  passwordHash: string;
  roles: Role[];
  establishments: string[];
  agencyId: string | null;
  createdAt: Date;
  createdBy: string;
  disabledAt: Date | null;
  disabledBy: string | null;
  disabledReason: string | null;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

/** What an administrator sends to create a staff account. Without `password`, one is generated. */
export const CreateStaffSchema = z
  .object({
    username: z.string().regex(USERNAME, 'lower-case letters, digits, ".", "_" or "-"; 3 to 64 characters'),
    displayName: z.string().max(200).trim().min(1),
    roles: z.array(z.enum(STAFF_ROLES)).min(1).max(STAFF_ROLES.length),
    agencyId: AgencyIdSchema.optional(),
    establishments: EstablishmentsSchema.optional(),
    password: z.string().min(12, 'at least 12 characters').max(200).optional(),
  })
  .strict()
  .superRefine((c, ctx) =>
    refineScope(c, ctx, {
      agencyRoles: ['agency-staff'],
      required: 'required for the agency-staff role',
      onlyFor: 'only agency staff act for an agency',
    }),
  );
export type CreateStaff = z.output<typeof CreateStaffSchema>;

export const DisableStaffSchema = z.object({ reason: z.string().max(500).trim().min(1) }).strict();
/** Why an administrator resets a password (kept on the identity audit chain): the same shape. */
export const ResetPasswordSchema = DisableStaffSchema;

interface Row {
  user_id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  establishments: string[];
  agency_id: string | null;
  created_at: Date;
  created_by: string;
  disabled_at: Date | null;
  disabled_by: string | null;
  disabled_reason: string | null;
}

/** A row as the sign-in's counting UPDATE returns it: whether this attempt locked the account. */
type CountedRow = Row & { locked_now: boolean };

const fromRow = (r: Row): StaffUser => ({
  userId: r.user_id,
  username: r.username,
  displayName: r.display_name,
  passwordHash: r.password_hash,
  roles: r.roles as Role[],
  establishments: r.establishments,
  agencyId: r.agency_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
  disabledAt: r.disabled_at,
  disabledBy: r.disabled_by,
  disabledReason: r.disabled_reason,
});

export class UsernameTakenError extends Error {
  constructor(readonly username: string) {
    super(`the username ${username} is taken`);
  }
}

/** Staff accounts, in the identity schema. */
export class StaffStore {
  constructor(private readonly db: DataSource) {}

  async find(userId: string): Promise<StaffUser | undefined> {
    const rows = (await this.db.query(`SELECT * FROM "identity"."staff_user" WHERE user_id = $1`, [
      userId,
    ])) as Row[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** An enabled account, for the provider (tokens, sessions): a disabled one is unknown there. */
  async findActive(userId: string): Promise<StaffUser | undefined> {
    const user = await this.find(userId);
    return user && !user.disabledAt ? user : undefined;
  }

  /**
   * Creates an account. The password is the one given, or a generated one returned here once;
   * only its hash is stored.
   */
  /** Creates an account; `record` (its audit record) runs in the same transaction: both or neither. */
  async create(
    input: CreateStaff,
    createdBy: string,
    record: (manager: EntityManager, user: StaffUser) => Promise<unknown> = async () => undefined,
  ): Promise<{ user: StaffUser; password?: string }> {
    const generated = input.password === undefined ? newPassword() : undefined;
    const userId = `st-${randomBytes(12).toString('hex')}`;
    const hash = await hashPassword(input.password ?? generated!);
    try {
      return await this.db.transaction(async (tx) => {
        const rows = (await tx.query(
          `INSERT INTO "identity"."staff_user"
             (user_id, username, display_name, password_hash, roles, establishments, agency_id, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [
            userId,
            input.username,
            input.displayName,
            hash,
            input.roles,
            input.establishments ?? [],
            input.agencyId ?? null,
            createdBy,
          ],
        )) as Row[];
        const user = fromRow(rows[0]!);
        await record(tx, user);
        return { user, ...(generated ? { password: generated } : {}) };
      });
    } catch (e) {
      if (e instanceof AuditUnavailableError) throw e;
      if ((e as { code?: string }).code === '23505') throw new UsernameTakenError(input.username);
      // Not the driver's error itself: TypeORM's carries the query parameters (the password hash).
      throw new Error(`creating a staff account failed: ${(e as Error).message}`);
    }
  }

  /**
   * Disables an account (once: disabling again keeps the first, and records nothing new).
   * Undefined when unknown. `record` runs in the disabling's transaction.
   */
  async disable(
    userId: string,
    reason: string,
    disabledBy: string,
    record: (manager: EntityManager) => Promise<unknown> = async () => undefined,
  ): Promise<StaffUser | undefined> {
    await this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `UPDATE "identity"."staff_user" SET disabled_at = now(), disabled_by = $2, disabled_reason = $3
         WHERE user_id = $1 AND disabled_at IS NULL RETURNING user_id`,
        [userId, disabledBy, reason],
      )) as [unknown[], number] | unknown[];
      const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as unknown[];
      if (updated.length > 0) await record(tx);
    });
    return this.find(userId);
  }

  /**
   * Gives an enabled account a new one-time password (generated, returned here once), clears its
   * lock and failure count, and ends its provider sessions and grants (whoever held the old
   * password or a session signs in again). `record` writes the audit record inside the same
   * transaction, so there is no reset without its record and no record of a reset that did not
   * happen. Undefined when unknown or disabled.
   */
  async resetPassword(
    userId: string,
    record: (manager: EntityManager) => Promise<unknown>,
  ): Promise<{ user: StaffUser; password: string } | undefined> {
    const password = newPassword();
    const hash = await hashPassword(password);
    try {
      return await this.db.transaction(async (tx) => {
        const rows = (await tx.query(
          `UPDATE "identity"."staff_user" SET password_hash = $2, failed_attempts = 0, locked_until = NULL
           WHERE user_id = $1 AND disabled_at IS NULL RETURNING *`,
          [userId, hash],
        )) as [Row[], number] | Row[];
        const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Row[];
        if (!updated[0]) return undefined;
        await tx.query(
          `DELETE FROM "identity"."provider_state" WHERE model IN ('Session', 'Grant') AND payload->>'accountId' = $1`,
          [userId],
        );
        await record(tx);
        return { user: fromRow(updated[0]), password };
      });
    } catch (e) {
      if (e instanceof AuditUnavailableError) throw e;
      // Not the driver's error itself: TypeORM's carries the query parameters (the new hash).
      throw new Error(`resetting a staff password failed: ${(e as Error).message}`);
    }
  }

  /** Accounts in id order, one page at a time. */
  async list(options: { after?: string; limit: number }): Promise<StaffUser[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "identity"."staff_user" WHERE ($1::text IS NULL OR user_id > $1)
       ORDER BY user_id LIMIT $2`,
      [options.after ?? null, options.limit],
    )) as Row[];
    return rows.map(fromRow);
  }

  /**
   * The account these credentials sign in, or undefined: unknown username, wrong password,
   * disabled, or locked after repeated failures (the caller says the same thing for each). A
   * wrong password counts towards the lock; the right one while locked does not open it. Unknown
   * usernames cost the same hashing time as known ones.
   *
   * Each attempt is counted as a failure BEFORE the password is hashed, in one atomic UPDATE that
   * only an unlocked, enabled account passes (review finding: reading the lock, hashing, then
   * counting let a burst of parallel requests all be checked before the first failure was
   * written). A lock therefore admits at most LOCKOUT_AFTER_FAILURES guesses, however many
   * requests arrive together; the right password then clears the count.
   */
  async authenticate(username: string, password: string): Promise<StaffUser | undefined> {
    return (await this.signIn(username, password)).user;
  }

  /**
   * `authenticate`, saying why an attempt failed (for the audit trail, never for the person at
   * the form): the account's id when the username names one, and whether this attempt locked it.
   */
  async signIn(username: string, password: string): Promise<SignInAttempt> {
    const rows = (await this.db.query(
      `UPDATE "identity"."staff_user" SET failed_attempts = failed_attempts + 1,
         locked_until = CASE WHEN failed_attempts + 1 >= $2
           THEN now() + make_interval(secs => LEAST($4::float8, $3::float8 * power(2, failed_attempts + 1 - $2)))
           ELSE locked_until END
       WHERE username = $1 AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= now())
       RETURNING *, (locked_until IS NOT NULL AND locked_until > now()) AS locked_now`,
      [username, LOCKOUT_AFTER_FAILURES, LOCKOUT_FIRST_SECONDS, LOCKOUT_MAX_SECONDS],
    )) as [CountedRow[], number] | CountedRow[];
    // TypeORM's query() answers [rows, count] for UPDATE … RETURNING on Postgres.
    const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as CountedRow[];
    const row = updated[0];
    const matches = await passwordMatches(password, row?.password_hash ?? (await UNKNOWN_USER_HASH));
    if (row && matches) {
      // Only if the password checked is still the account's (a reset or a disabling may have
      // landed while it was being hashed): otherwise this attempt signs nobody in (review finding).
      const cleared = (await this.db.query(
        `UPDATE "identity"."staff_user" SET failed_attempts = 0, locked_until = NULL
          WHERE user_id = $1 AND password_hash = $2 AND disabled_at IS NULL RETURNING user_id`,
        [row.user_id, row.password_hash],
      )) as [unknown[], number] | unknown[];
      const still = (Array.isArray(cleared[0]) ? cleared[0] : cleared) as unknown[];
      if (still.length === 1) return { outcome: 'SIGNED_IN', user: fromRow(row), userId: row.user_id };
      return { outcome: 'WRONG_PASSWORD', userId: row.user_id };
    }
    if (row)
      return {
        outcome: row.locked_now ? 'WRONG_PASSWORD_NOW_LOCKED' : 'WRONG_PASSWORD',
        userId: row.user_id,
      };
    // No attempt was counted: say why (the person at the form is told the same either way).
    const [known] = (await this.db.query(
      `SELECT user_id, disabled_at FROM "identity"."staff_user" WHERE username = $1`,
      [username],
    )) as Array<{ user_id: string; disabled_at: Date | null }>;
    if (!known) return { outcome: 'UNKNOWN_ACCOUNT' };
    return { outcome: known.disabled_at ? 'ACCOUNT_DISABLED' : 'ACCOUNT_LOCKED', userId: known.user_id };
  }
}

/** What became of one sign-in attempt (StaffStore.signIn). */
export interface SignInAttempt {
  outcome:
    | 'SIGNED_IN'
    | 'WRONG_PASSWORD'
    | 'WRONG_PASSWORD_NOW_LOCKED'
    | 'ACCOUNT_LOCKED'
    | 'ACCOUNT_DISABLED'
    | 'UNKNOWN_ACCOUNT';
  /** The account signed in (SIGNED_IN only). */
  user?: StaffUser;
  /** The account the username names, when it names one. */
  userId?: string;
}

/** An account as the administration API shows it: never the password hash. */
export function staffView(u: StaffUser) {
  return {
    userId: u.userId,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    establishments: u.establishments,
    agencyId: u.agencyId,
    createdAt: u.createdAt.toISOString(),
    createdBy: u.createdBy,
    disabledAt: u.disabledAt?.toISOString() ?? null,
    disabledBy: u.disabledBy,
    disabledReason: u.disabledReason,
  };
}
