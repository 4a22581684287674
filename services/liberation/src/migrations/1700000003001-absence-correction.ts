import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  refuseRollbackWhileRows,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

/**
 * Corrections in place of a temporary absence (issue 10, every movement): its departure or return
 * instant, or its due-back time, recorded wrongly. As for movements (migration 3000): the absence
 * row carries the facts as they stand and its `version` (ETag "absence-vN"); each correction is a
 * row of `absence_correction` with the facts it superseded and set, who and when. Forced
 * row-level security like every custody table. `down()` refuses while a correction is on record.
 */
export class AbsenceCorrection1700000003001 implements MigrationInterface {
  readonly name = 'AbsenceCorrection1700000003001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Never queue behind a long read holding the table (every movement read and write would wait).
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."temporary_absence" ADD COLUMN "version" integer NOT NULL DEFAULT 1 CHECK ("version" >= 1)`,
    );
    await queryRunner.query(`
      CREATE TABLE "liberation"."absence_correction" (
        "event_id" uuid PRIMARY KEY,
        "absence_id" uuid NOT NULL REFERENCES "liberation"."temporary_absence" ("id"),
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "version" integer NOT NULL CHECK ("version" >= 2),
        "reason" text NOT NULL,
        "note" text NULL,
        "left_at" timestamptz NOT NULL,
        "previous_left_at" timestamptz NOT NULL,
        "returned_at" timestamptz NULL,
        "previous_returned_at" timestamptz NULL,
        "due_back_at" timestamptz NULL,
        "previous_due_back_at" timestamptz NULL,
        "corrected_at" timestamptz NOT NULL,
        "corrected_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        CONSTRAINT "absence_correction_version" UNIQUE ("absence_id", "version"),
        CONSTRAINT "absence_correction_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode")
      )`);
    await queryRunner.query(
      `CREATE INDEX "absence_correction_episode" ON "liberation"."absence_correction" ("person_id", "episode")`,
    );
    for (const sql of protectTableSql(
      `"liberation"."absence_correction"`,
      'absence_correction_scope',
      `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await refuseRollbackWhileRows(
      queryRunner,
      `"liberation"."absence_correction"`,
      'absence correction(s)',
      'rolling back 3001 would lose the facts they superseded',
    );
    for (const sql of unprotectTableSql(`"liberation"."absence_correction"`, 'absence_correction_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."absence_correction"`);
    await queryRunner.query(`ALTER TABLE "liberation"."temporary_absence" DROP COLUMN "version"`);
  }
}
