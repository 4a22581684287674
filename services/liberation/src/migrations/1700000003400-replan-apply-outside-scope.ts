import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A re-plan's apply adopts its release point for every later calculation in the jurisdiction, at
 * every establishment, while its dry run and apply cover only the run's establishments (review stop
 * 45, B1). The apply is now refused while open episodes whose calculation uses a release point of
 * the record's sentence class are held outside them, unless the caller says the record is adopted
 * for all establishments. `dry_run_outside_scope` keeps how many there were when the dry run
 * finished, `apply_outside_scope` how many when the apply was asked (0 when none; null for runs
 * before this migration).
 *
 * Two nullable columns; their CHECKs read the existing rows once (a small table), under the
 * table's lock. The table's row-level security covers them.
 */
export class ReplanApplyOutsideScope1700000003400 implements MigrationInterface {
  readonly name = 'ReplanApplyOutsideScope1700000003400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."replan_run"
        ADD COLUMN "dry_run_outside_scope" integer NULL CHECK ("dry_run_outside_scope" >= 0),
        ADD COLUMN "apply_outside_scope" integer NULL CHECK ("apply_outside_scope" >= 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."replan_run" DROP COLUMN "apply_outside_scope", DROP COLUMN "dry_run_outside_scope"`,
    );
  }
}
