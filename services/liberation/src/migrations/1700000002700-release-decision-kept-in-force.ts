import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review of h-sent3, S3: a sentence calculation that set a parole or early-release decision aside
 * only until what the decision was not made on releases the person moved the date as an ordinary
 * RECALCULATION, so the next recording (more remand found, a re-plan) no longer saw the decision
 * and moved the date to the aggregate CRD/ARD, sometimes later. Such a RECALCULATION now names the
 * decision it keeps in force (`decision_change_number`: the decision's `change_number` in the same
 * episode), and the next recording weighs that decision again. Null on every other change and on
 * rows before this migration (no backfill: which earlier RECALCULATIONs were partial set-asides is
 * only in free text).
 *
 * Only a RECALCULATION names one, and only an earlier change of the same episode (a foreign key on
 * the table itself; release-date changes are never deleted). No new table: the row-level security
 * of 0400 applies. The rollback refuses while any change names a decision: dropping it would make
 * the next recording forget a binding decision. It locks the table first, so no change naming one
 * is committed between the count and the drop (the gap the review found in 2500's rollback, N2).
 */
export class ReleaseDecisionKeptInForce1700000002700 implements MigrationInterface {
  readonly name = 'ReleaseDecisionKeptInForce1700000002700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."release_date_change"
        ADD COLUMN "decision_change_number" integer NULL,
        ADD CONSTRAINT "release_date_change_decision_kept_check" CHECK (
          "decision_change_number" IS NULL
          OR ("reason" = 'RECALCULATION' AND "decision_change_number" < "change_number")
        ),
        ADD CONSTRAINT "release_date_change_decision_fkey" FOREIGN KEY ("person_id", "episode", "decision_change_number")
          REFERENCES "liberation"."release_date_change" ("person_id", "episode", "change_number")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE "liberation"."release_date_change" IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`
      DO $$
      DECLARE n integer;
      BEGIN
        SELECT count(*) INTO n FROM "liberation"."release_date_change" WHERE "decision_change_number" IS NOT NULL;
        IF n > 0 THEN
          RAISE EXCEPTION '% release-date changes keep a parole or early-release decision in force: this rollback would make the next sentence calculation forget it; export them and clear them deliberately first', n;
        END IF;
      END $$`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."release_date_change"
        DROP CONSTRAINT "release_date_change_decision_fkey",
        DROP CONSTRAINT "release_date_change_decision_kept_check",
        DROP COLUMN "decision_change_number"`);
  }
}
