import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The schema every service's audit records go to (one table, one hash chain per service). */
export const AUDIT_SCHEMA = 'audit';
export const AUDIT_TABLE = `"${AUDIT_SCHEMA}"."audit_record"`;

/**
 * The shared `audit` schema: the `audit_record` table and the triggers that make it append-only.
 * Every service lists this migration (PlatformModule adds it; the identity service lists it
 * itself) and runs it at boot under its own migrations table, so it is idempotent (IF NOT EXISTS,
 * OR REPLACE) and serialised by an advisory lock against services booting at the same time.
 */
export function createAuditMigration(timestamp = 1_700_000_000_050) {
  const name = `AuditTrail${timestamp}`;
  return class AuditTrailMigration implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`SELECT pg_advisory_xact_lock(hashtext('throughcare.audit.migration'))`);
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "${AUDIT_SCHEMA}"`);
      await queryRunner.query(`
        CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
          "id" bigserial PRIMARY KEY,
          "chain" text NOT NULL,
          "seq" bigint NOT NULL CHECK ("seq" >= 1),
          "recorded_at" timestamptz NOT NULL,
          "actor" text NOT NULL,
          "client_id" text NULL,
          "roles" text[] NOT NULL,
          "purpose" text NULL,
          "subject_person" text NULL,
          "disclosed_persons" text[] NOT NULL DEFAULT '{}',
          "action" text NOT NULL,
          "object_type" text NULL,
          "object_id" text NULL,
          "outcome" text NOT NULL CHECK ("outcome" IN ('allowed', 'not-found', 'refused', 'failed')),
          "reason" text NULL,
          "http_method" text NULL,
          "route" text NULL,
          "request_id" text NULL,
          "prev_hash" text NOT NULL CHECK ("prev_hash" ~ '^[0-9a-f]{64}$'),
          "hash" text NOT NULL CHECK ("hash" ~ '^[0-9a-f]{64}$'),
          "key_id" text NULL,
          CONSTRAINT "audit_record_chain_seq_key" UNIQUE ("chain", "seq")
        )`);
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS "audit_record_subject_idx" ON ${AUDIT_TABLE} ("subject_person", "recorded_at" DESC, "id" DESC)`,
      );
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS "audit_record_disclosed_idx" ON ${AUDIT_TABLE} USING gin ("disclosed_persons")`,
      );
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS "audit_record_actor_idx" ON ${AUDIT_TABLE} ("actor", "recorded_at" DESC, "id" DESC)`,
      );
      await queryRunner.query(`
        CREATE OR REPLACE FUNCTION "${AUDIT_SCHEMA}"."refuse_audit_change"() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit records are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
        END
        $$`);
      await queryRunner.query(`
        CREATE OR REPLACE TRIGGER "audit_record_append_only" BEFORE UPDATE OR DELETE ON ${AUDIT_TABLE}
        FOR EACH ROW EXECUTE FUNCTION "${AUDIT_SCHEMA}"."refuse_audit_change"()`);
      await queryRunner.query(`
        CREATE OR REPLACE TRIGGER "audit_record_no_truncate" BEFORE TRUNCATE ON ${AUDIT_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION "${AUDIT_SCHEMA}"."refuse_audit_change"()`);
    }

    /** Audit records are kept: undoing this migration leaves them (and the shared schema) in place. */
    async down(): Promise<void> {
      /* deliberately nothing */
    }
  };
}

/**
 * Sealing (each record's hash an HMAC under a key kept outside the database; `key_id` names it)
 * came after the table: a table made before it gains the column, its records staying unsealed.
 * Idempotent and serialised like createAuditMigration; every service lists both.
 */
export function createAuditSealMigration(timestamp = 1_700_000_000_051) {
  const name = `AuditSeal${timestamp}`;
  return class AuditSealMigration implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`SELECT pg_advisory_xact_lock(hashtext('throughcare.audit.migration'))`);
      await queryRunner.query(`ALTER TABLE ${AUDIT_TABLE} ADD COLUMN IF NOT EXISTS "key_id" text NULL`);
    }

    /** Audit records are kept, with the key ids that verify them. */
    async down(): Promise<void> {
      /* deliberately nothing */
    }
  };
}
