import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stop 37 review S2: the sentence calculation a release decision (HDC, parole, early release) was
 * made on was guessed from timestamps (the decision's `changed_at`, the upstream event's own time
 * for a decision from the bus, against this service's `recorded_at`). It is now recorded on the
 * change when the decision is recorded: the episode's current calculation version then, 0 when none
 * was recorded yet. Null on rows before this migration (and on changes that are not decisions):
 * such a decision has no known basis, and a new calculation keeps it and flags it for review
 * rather than guess (`effectOn`). No backfill: the timestamp rule is the guess this replaces.
 */
export class ReleaseDecisionCalculationVersion1700000002200 implements MigrationInterface {
  readonly name = 'ReleaseDecisionCalculationVersion1700000002200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."release_date_change" ADD COLUMN "sentence_calculation_version" integer NULL CHECK ("sentence_calculation_version" >= 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."release_date_change" DROP COLUMN "sentence_calculation_version"`,
    );
  }
}
