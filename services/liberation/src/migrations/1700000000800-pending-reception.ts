import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/**
 * Issue 9: an HMPPS admission that is not a recall (a new reception) carries no sentence, release
 * date or home area, so it cannot open an episode by itself. It is kept as a pending reception
 * that prison staff of the receiving establishment complete with the missing facts (or dismiss,
 * with a reason), instead of a dead letter nobody at the prison sees. Under row-level security:
 * staff see the pending receptions of their establishments; the platform (the adapter) all.
 */
export class PendingReception1700000000800 implements MigrationInterface {
  readonly name = 'PendingReception1700000000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."pending_reception" (
        "id" uuid PRIMARY KEY,
        "hmpps_event_id" uuid NOT NULL UNIQUE,
        "person_id" text NOT NULL,
        "prison_number" text NOT NULL,
        "establishment_code" text NOT NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        "reason" text NOT NULL CHECK ("reason" IN ('ADMISSION', 'READMISSION')),
        "movement_reason_code" text NULL CHECK (char_length("movement_reason_code") BETWEEN 1 AND 20),
        "received_at" timestamptz NOT NULL,
        "status" text NOT NULL DEFAULT 'PENDING' CHECK ("status" IN ('PENDING', 'COMPLETED', 'DISMISSED')),
        "episode" integer NULL CHECK ("episode" >= 1),
        "resolved_by" text NULL,
        "resolved_at" timestamptz NULL,
        "dismissal_reason" text NULL CHECK (char_length("dismissal_reason") BETWEEN 1 AND 500),
        "correlation_id" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pending_reception_resolved" CHECK (
          ("status" = 'PENDING') = ("resolved_at" IS NULL) AND ("resolved_at" IS NULL) = ("resolved_by" IS NULL)
        ),
        CONSTRAINT "pending_reception_completed_episode" CHECK (("status" = 'COMPLETED') = ("episode" IS NOT NULL)),
        CONSTRAINT "pending_reception_dismissal_reason" CHECK (("status" = 'DISMISSED') = ("dismissal_reason" IS NOT NULL))
      )`);
    // The staff's list: their establishment's pending receptions, oldest first (a keyset page).
    await queryRunner.query(
      `CREATE INDEX "pending_reception_list_idx" ON "liberation"."pending_reception" ("establishment_code", "status", "received_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "pending_reception_person_idx" ON "liberation"."pending_reception" ("person_id") WHERE "status" = 'PENDING'`,
    );
    for (const sql of protectTableSql(
      `"liberation"."pending_reception"`,
      'pending_reception_scope',
      `ARRAY["establishment_code"] && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"liberation"."pending_reception"`, 'pending_reception_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."pending_reception"`);
  }
}
