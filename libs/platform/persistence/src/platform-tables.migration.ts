import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tables every service needs beside its own: the transactional outbox and the
 * idempotency keys of activities and consumers. Each service lists this migration first.
 * The timestamp orders it before the service's own migrations.
 */
export function createPlatformTablesMigration(schema: string, timestamp = 1_700_000_000_000) {
  const name = `PlatformTables${timestamp}`;
  return class PlatformTablesMigration implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}"."outbox" (
          "id" uuid PRIMARY KEY,
          "subject" text NOT NULL,
          "payload" jsonb NOT NULL,
          "headers" jsonb NOT NULL DEFAULT '{}'::jsonb,
          "created_at" timestamptz NOT NULL DEFAULT now(),
          "published_at" timestamptz NULL,
          "attempts" integer NOT NULL DEFAULT 0,
          "last_error" text NULL,
          "next_attempt_at" timestamptz NOT NULL DEFAULT now()
        )`);
      await queryRunner.query(`
        CREATE INDEX "outbox_unpublished_idx" ON "${schema}"."outbox" ("next_attempt_at", "created_at")
        WHERE "published_at" IS NULL`);
      await queryRunner.query(`
        CREATE TABLE "${schema}"."idempotency_key" (
          "key" text PRIMARY KEY,
          "result" jsonb NULL,
          "created_at" timestamptz NOT NULL DEFAULT now()
        )`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}"."idempotency_key"`);
      await queryRunner.query(`DROP TABLE "${schema}"."outbox"`);
    }
  };
}
