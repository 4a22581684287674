import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a re-plan's dry run showed, kept on each item, so that an apply that does other than the
 * report read before it is visible (review stop 45, S4): the apply recalculates each person from
 * their sentences as they stand then, so someone resentenced, received or newly moving since the
 * dry run is recorded with a date nobody read.
 *
 * - `dry_run_release_date`: the new release date the dry run showed (null: the person had no item
 *   in the dry run, or the item is older than this migration);
 * - `differs_from_dry_run`: the apply recorded another release date than the dry run showed, or a
 *   person the dry run did not show (null: not known, items of runs before this migration; false
 *   for items the dry run wrote until the apply decides them).
 *
 * Columns only (a catalogue change, no scan); the table's row-level security covers them.
 */
export class ReplanItemDryRunDate1700000003500 implements MigrationInterface {
  readonly name = 'ReplanItemDryRunDate1700000003500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."replan_item"
        ADD COLUMN "dry_run_release_date" date NULL,
        ADD COLUMN "differs_from_dry_run" boolean NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."replan_item"
        DROP COLUMN "differs_from_dry_run",
        DROP COLUMN "dry_run_release_date"`);
  }
}
