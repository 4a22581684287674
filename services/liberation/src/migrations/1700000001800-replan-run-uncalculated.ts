import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review (M4 of stop 34): a re-plan's dry run looked only at episodes with a sentence
 * calculation, so the people in scope whose dates were given by hand were silently left out. The
 * dry run now counts them when it finishes (`dry_run_uncalculated`); they are listed live.
 */
export class ReplanRunUncalculated1700000001800 implements MigrationInterface {
  readonly name = 'ReplanRunUncalculated1700000001800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."replan_run" ADD COLUMN "dry_run_uncalculated" integer NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "liberation"."replan_run" DROP COLUMN "dry_run_uncalculated"`);
  }
}
