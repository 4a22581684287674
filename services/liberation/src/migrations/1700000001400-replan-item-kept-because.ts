import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review: a re-plan item whose new calculation does not move the expected release date
 * (an HDC, parole or early-release decision stands on it) says why, for the staff reading the dry
 * run and the outcome.
 */
export class ReplanItemKeptBecause1700000001400 implements MigrationInterface {
  readonly name = 'ReplanItemKeptBecause1700000001400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "liberation"."replan_item" ADD COLUMN "kept_because" text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "liberation"."replan_item" DROP COLUMN "kept_because"`);
  }
}
