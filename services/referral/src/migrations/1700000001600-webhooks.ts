import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

// Frozen with this migration.
const DELIVERY_STATUSES = `'PENDING', 'DELIVERED', 'FAILED', 'CANCELLED'`;

/**
 * Signed webhooks (issue 9, the Standard Webhooks scheme): an agency registers endpoints, and
 * each event about its cases is delivered to each of them once, with retries and a log.
 *
 * - `webhook_endpoint`: the agency's URL, the event types it wants (NULL: every type), the
 *   signing secret sealed with the payload encryption key (AES-256-GCM, never stored in clear),
 *   the previous secret while a rotation's overlap lasts, and `disabled_at`.
 * - `webhook_delivery`: one event for one endpoint, unique per (endpoint, message id = the
 *   event's id), written in the transaction that records the event; its status, attempts, when
 *   it is next tried, and the lease a dispatcher holds while it posts it.
 * - `webhook_attempt`: the delivery log, one row per request made, with its answer or error.
 * - Row-level security: every row is its agency's. The dispatcher works as the platform.
 */
export class Webhooks1700000001600 implements MigrationInterface {
  readonly name = 'Webhooks1700000001600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "referral"."webhook_endpoint" (
        "id" uuid PRIMARY KEY,
        "agency_id" text NOT NULL,
        "url" text NOT NULL CHECK (char_length("url") BETWEEN 1 AND 2000),
        "description" text NULL CHECK (char_length("description") <= 500),
        "event_types" text[] NULL CHECK (cardinality("event_types") > 0),
        "secret_key_id" text NOT NULL,
        "secret_sealed" bytea NOT NULL,
        "previous_secret_key_id" text NULL,
        "previous_secret_sealed" bytea NULL,
        "previous_secret_expires_at" timestamptz NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "disabled_at" timestamptz NULL,
        "idempotency_key" text NULL CHECK (char_length("idempotency_key") BETWEEN 1 AND 200),
        UNIQUE ("agency_id", "idempotency_key"),
        CHECK (("previous_secret_sealed" IS NULL) = ("previous_secret_expires_at" IS NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_endpoint_agency_idx" ON "referral"."webhook_endpoint" ("agency_id", "created_at", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "referral"."webhook_delivery" (
        "id" uuid PRIMARY KEY,
        "endpoint_id" uuid NOT NULL REFERENCES "referral"."webhook_endpoint" ("id"),
        "agency_id" text NOT NULL,
        "message_id" text NOT NULL,
        "event_type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "status" text NOT NULL CHECK ("status" IN (${DELIVERY_STATUSES})),
        "attempts" integer NOT NULL DEFAULT 0 CHECK ("attempts" >= 0),
        "max_attempts" integer NULL CHECK ("max_attempts" > 0),
        "next_attempt_at" timestamptz NOT NULL,
        "leased_until" timestamptz NULL,
        "created_at" timestamptz NOT NULL,
        "finished_at" timestamptz NULL,
        "last_http_status" integer NULL,
        "last_error" text NULL,
        UNIQUE ("endpoint_id", "message_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_delivery_due_idx" ON "referral"."webhook_delivery" ("next_attempt_at") WHERE "status" = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_delivery_endpoint_idx" ON "referral"."webhook_delivery" ("endpoint_id", "created_at", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "referral"."webhook_attempt" (
        "id" uuid PRIMARY KEY,
        "delivery_id" uuid NOT NULL REFERENCES "referral"."webhook_delivery" ("id"),
        "attempt" integer NOT NULL CHECK ("attempt" > 0),
        "agency_id" text NOT NULL,
        "attempted_at" timestamptz NOT NULL,
        "duration_ms" integer NOT NULL CHECK ("duration_ms" >= 0),
        "http_status" integer NULL,
        "error" text NULL CHECK (char_length("error") <= 500),
        UNIQUE ("delivery_id", "attempt")
      )`);
    for (const table of ['webhook_endpoint', 'webhook_delivery', 'webhook_attempt'])
      for (const sql of protectTableSql(
        `"referral"."${table}"`,
        `${table}_scope`,
        `agency_id = ${rls.agency}`,
      ))
        await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['webhook_attempt', 'webhook_delivery', 'webhook_endpoint']) {
      for (const sql of unprotectTableSql(`"referral"."${table}"`, `${table}_scope`))
        await queryRunner.query(sql);
      await queryRunner.query(`DROP TABLE "referral"."${table}"`);
    }
  }
}
