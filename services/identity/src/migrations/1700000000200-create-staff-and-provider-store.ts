import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff accounts (people who sign in with a browser: the authorization code flow) and the
 * provider's own short-lived state (sessions, interactions, authorization codes, grants), kept in
 * Postgres so that any number of provider instances serve the same sign-ins.
 */
export class CreateStaffAndProviderStore1700000000200 implements MigrationInterface {
  readonly name = 'CreateStaffAndProviderStore1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "identity"."staff_user" (
        "user_id" text PRIMARY KEY CHECK ("user_id" ~ '^st-[0-9a-f]{24}$'),
        "username" text NOT NULL CHECK ("username" ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
        "display_name" text NOT NULL CHECK (length("display_name") BETWEEN 1 AND 200),
        "password_hash" text NOT NULL,
        "roles" text[] NOT NULL CHECK (cardinality("roles") >= 1),
        "establishments" text[] NOT NULL DEFAULT '{}',
        "agency_id" text NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "created_by" text NOT NULL,
        "disabled_at" timestamptz NULL,
        "disabled_by" text NULL,
        "disabled_reason" text NULL,
        "failed_attempts" integer NOT NULL DEFAULT 0,
        "locked_until" timestamptz NULL,
        CONSTRAINT "staff_user_username_key" UNIQUE ("username"),
        CONSTRAINT "staff_user_disabling_complete" CHECK (
          ("disabled_at" IS NULL) = ("disabled_by" IS NULL) AND ("disabled_at" IS NULL) = ("disabled_reason" IS NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE "identity"."provider_state" (
        "model" text NOT NULL,
        "id" text NOT NULL,
        "payload" jsonb NOT NULL,
        "grant_id" text NULL,
        "uid" text NULL,
        "expires_at" timestamptz NULL,
        "consumed_at" timestamptz NULL,
        PRIMARY KEY ("model", "id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "provider_state_grant_idx" ON "identity"."provider_state" ("grant_id") WHERE "grant_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "provider_state_uid_idx" ON "identity"."provider_state" ("model", "uid") WHERE "uid" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "provider_state_expiry_idx" ON "identity"."provider_state" ("expires_at") WHERE "expires_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "identity"."provider_state"`);
    await queryRunner.query(`DROP TABLE "identity"."staff_user"`);
  }
}
