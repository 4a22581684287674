import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cut-over from typed needs to answered ones (issue 10, audit A4): an assessment requested from
 * now on is completed from its answers by pathway only; `typed_needs_allowed` is stamped when the
 * assessment is requested. Every assessment requested before this migration keeps the older way
 * (the column is true for them), so a journey already under way can still complete the assessment
 * it was given with a list of needs. Never changed after the request.
 */
export class AssessmentAnswersRequired1700000001000 implements MigrationInterface {
  readonly name = 'AssessmentAnswersRequired1700000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Existing rows take the first default (allowed); new rows the second (refused).
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        ADD COLUMN "typed_needs_allowed" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        ALTER COLUMN "typed_needs_allowed" SET DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        DROP COLUMN "typed_needs_allowed"`);
  }
}
