import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/**
 * Issue 10, every movement: temporary absences (release on temporary licence, production at
 * court), the episode staying open. One row per absence: its departure, its return once recorded,
 * and the reversal of either (a departure reversed: the absence never was; a return reversed: the
 * person is out again). Facts with `*_at` / `*_by`; whether the person is out is derived. Under the
 * same forced row-level security as every custody table.
 */
export class TemporaryAbsence1700000001100 implements MigrationInterface {
  readonly name = 'TemporaryAbsence1700000001100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."temporary_absence" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('ROTL', 'COURT')),
        "establishment_code" text NOT NULL,
        "left_at" timestamptz NOT NULL,
        "due_back_at" timestamptz NULL,
        "departure_event_id" uuid NOT NULL UNIQUE,
        "departure_recorded_at" timestamptz NOT NULL,
        "departure_recorded_by" text NOT NULL,
        "returned_at" timestamptz NULL,
        "return_event_id" uuid NULL UNIQUE,
        "return_recorded_at" timestamptz NULL,
        "return_recorded_by" text NULL,
        "departure_reversed_at" timestamptz NULL,
        "departure_reversed_by" text NULL,
        "departure_reversal_event_id" uuid NULL UNIQUE,
        "return_reversed_at" timestamptz NULL,
        "return_reversed_by" text NULL,
        "return_reversal_event_id" uuid NULL UNIQUE,
        "correlation_id" text NOT NULL,
        CONSTRAINT "temporary_absence_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "temporary_absence_return" CHECK (
          ("returned_at" IS NULL) = ("return_event_id" IS NULL)
          AND ("returned_at" IS NULL) = ("return_recorded_at" IS NULL)
          AND ("returned_at" IS NULL OR "returned_at" > "left_at")),
        CONSTRAINT "temporary_absence_return_reversal" CHECK ("return_reversed_at" IS NULL OR "returned_at" IS NOT NULL)
      )`);
    // At most one absence standing open per episode: departed, not reversed, not back.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "temporary_absence_one_open" ON "liberation"."temporary_absence" ("person_id", "episode")
        WHERE "departure_reversed_at" IS NULL AND ("returned_at" IS NULL OR "return_reversed_at" IS NOT NULL)`,
    );
    for (const sql of protectTableSql(
      `"liberation"."temporary_absence"`,
      'temporary_absence_scope',
      `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"liberation"."temporary_absence"`, 'temporary_absence_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."temporary_absence"`);
  }
}
