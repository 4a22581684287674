import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A re-plan's apply adopts its release point for every later calculation in the jurisdiction, at
 * every establishment, while its dry run and apply cover only the run's establishments (review stop
 * 45, B1). The apply is now refused while open episodes with a sentence calculation are held
 * outside them, unless the caller says the record is adopted for all establishments: then
 * `apply_outside_scope` keeps how many there were when the apply was asked (0 when none; null for
 * runs applied before this migration, which were never asked).
 *
 * A column only (a catalogue change, no scan); the table's row-level security covers it.
 */
export class ReplanApplyOutsideScope1700000003400 implements MigrationInterface {
  readonly name = 'ReplanApplyOutsideScope1700000003400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."replan_run"
        ADD COLUMN "apply_outside_scope" integer NULL CHECK ("apply_outside_scope" >= 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "liberation"."replan_run" DROP COLUMN "apply_outside_scope"`);
  }
}
