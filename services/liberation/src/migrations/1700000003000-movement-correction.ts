import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  refuseRollbackWhileRows,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

/**
 * Corrections in place of a release or transfer (issue 10, every movement): the movement
 * happened, but its instant or a transfer's destination was recorded wrongly. The movement row
 * carries the facts as they stand now and its `version` (1: as first recorded; its ETag,
 * "movement-vN"); each correction is a row of `movement_correction` with the facts it superseded
 * and those it set, who made it and when (`corrected_at` / `corrected_by`), so the first
 * recording stays in the history. Under the same forced row-level security as every custody table.
 *
 * `down()` refuses while a correction is on record: rolling back would lose the superseded facts.
 */
export class MovementCorrection1700000003000 implements MigrationInterface {
  readonly name = 'MovementCorrection1700000003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Never queue behind a long read holding the table (every movement read and write would wait).
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."movement" ADD COLUMN "version" integer NOT NULL DEFAULT 1 CHECK ("version" >= 1)`,
    );
    await queryRunner.query(`
      CREATE TABLE "liberation"."movement_correction" (
        "event_id" uuid PRIMARY KEY,
        "movement_event_id" uuid NOT NULL REFERENCES "liberation"."movement" ("event_id"),
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "version" integer NOT NULL CHECK ("version" >= 2),
        "reason" text NOT NULL,
        "note" text NULL,
        "occurred_at" timestamptz NOT NULL,
        "previous_occurred_at" timestamptz NOT NULL,
        "to_establishment_code" text NULL,
        "previous_to_establishment_code" text NULL,
        "corrected_at" timestamptz NOT NULL,
        "corrected_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        CONSTRAINT "movement_correction_version" UNIQUE ("movement_event_id", "version"),
        CONSTRAINT "movement_correction_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "movement_correction_destination" CHECK (
          ("to_establishment_code" IS NULL) = ("previous_to_establishment_code" IS NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "movement_correction_episode" ON "liberation"."movement_correction" ("person_id", "episode")`,
    );
    for (const sql of protectTableSql(
      `"liberation"."movement_correction"`,
      'movement_correction_scope',
      `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await refuseRollbackWhileRows(
      queryRunner,
      `"liberation"."movement_correction"`,
      'movement correction(s)',
      'rolling back 3000 would lose the facts they superseded',
    );
    for (const sql of unprotectTableSql(`"liberation"."movement_correction"`, 'movement_correction_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."movement_correction"`);
    await queryRunner.query(`ALTER TABLE "liberation"."movement" DROP COLUMN "version"`);
  }
}
