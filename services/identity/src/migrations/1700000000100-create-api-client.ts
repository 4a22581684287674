import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API clients (OAuth2 client credentials): whom a token speaks for. Secrets are stored hashed. */
export class CreateApiClient1700000000100 implements MigrationInterface {
  readonly name = 'CreateApiClient1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "identity"."api_client" (
        "client_id" text PRIMARY KEY CHECK ("client_id" ~ '^[a-z0-9][a-z0-9_-]{2,99}$'),
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 200),
        "secret_hash" text NOT NULL,
        "roles" text[] NOT NULL CHECK (cardinality("roles") >= 1),
        "agency_id" text NULL,
        "establishments" text[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "created_by" text NOT NULL,
        "revoked_at" timestamptz NULL,
        "revoked_by" text NULL,
        "revoked_reason" text NULL,
        CONSTRAINT "api_client_revocation_complete" CHECK (
          ("revoked_at" IS NULL) = ("revoked_by" IS NULL) AND ("revoked_at" IS NULL) = ("revoked_reason" IS NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "api_client_agency_idx" ON "identity"."api_client" ("agency_id", "client_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "identity"."api_client"`);
  }
}
