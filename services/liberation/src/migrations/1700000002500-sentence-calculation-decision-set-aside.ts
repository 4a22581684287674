import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Final review of stop 37, M4 (stop 37 review S1 (d)): why recording a sentence calculation
 * version set aside a parole, early-release or HDC decision standing on the expected release date
 * (`decision_set_aside_because`; null when it set none aside, and on every version before this
 * migration). It was only in the POST's response and the idempotency row; the release-date change
 * it made just says RECALCULATION. Written once, when the version is recorded (by staff or a
 * re-plan), and read back by every GET of the versions. The rollback refuses while any version
 * holds one: it is the only record that a binding decision was set aside and why.
 */
export class SentenceCalculationDecisionSetAside1700000002500 implements MigrationInterface {
  readonly name = 'SentenceCalculationDecisionSetAside1700000002500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."sentence_calculation" ADD COLUMN "decision_set_aside_because" text NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE n integer;
      BEGIN
        SELECT count(*) INTO n FROM "liberation"."sentence_calculation" WHERE "decision_set_aside_because" IS NOT NULL;
        IF n > 0 THEN
          RAISE EXCEPTION '% sentence calculation versions record why they set a release decision aside: this rollback would lose that; export them and clear them deliberately first', n;
        END IF;
      END $$`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."sentence_calculation" DROP COLUMN "decision_set_aside_because"`,
    );
  }
}
