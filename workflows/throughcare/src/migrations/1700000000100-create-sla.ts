import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSla1700000000100 implements MigrationInterface {
  readonly name = 'CreateSla1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."sla_breach" (
        "id" uuid PRIMARY KEY,
        "breach_key" text NOT NULL UNIQUE,
        "person_id" text NOT NULL,
        "episode" int NOT NULL CHECK ("episode" >= 1),
        "clock" text NOT NULL,
        "owed_by" text NOT NULL,
        "owed_to" text NOT NULL,
        "due_at" timestamptz NOT NULL,
        "breached_at" timestamptz NOT NULL CHECK ("breached_at" >= "due_at"),
        "met_at" timestamptz,
        "correlation_id" text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "sla_breach_due_idx" ON "throughcare"."sla_breach" ("due_at", "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "throughcare"."case_closure" (
        "person_id" text NOT NULL,
        "episode" int NOT NULL CHECK ("episode" >= 1),
        "closed_at" timestamptz NOT NULL,
        "reason" text NOT NULL,
        PRIMARY KEY ("person_id", "episode")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."case_closure"`);
    await queryRunner.query(`DROP TABLE "throughcare"."sla_breach"`);
  }
}
