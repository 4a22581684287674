import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review (stop 35) S1: a decision (HDC, parole, early release) standing on the expected
 * release date no longer always keeps it. When the new calculation puts the release date before
 * the decision's date, or (HDC) gives no HDC eligibility date on or before it, the decision is set
 * aside: the date moves to the calculated one and the item is NEEDS_REVIEW with
 * `decision_set_aside_because`, for someone to review the decision. A NEEDS_REVIEW item carries
 * exactly one of the two reasons.
 */
export class ReplanItemDecisionSetAside1700000001700 implements MigrationInterface {
  readonly name = 'ReplanItemDecisionSetAside1700000001700';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `ALTER TABLE "liberation"."replan_item" ADD COLUMN "decision_set_aside_because" text NULL`,
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_applied"`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_applied" CHECK (
         CASE "status" WHEN 'APPLIED' THEN "applied_version" IS NOT NULL
                       WHEN 'NEEDS_REVIEW' THEN ("kept_because" IS NULL) <> ("decision_set_aside_because" IS NULL)
                       ELSE "applied_version" IS NULL END)`,
    ])
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      // Before this migration a NEEDS_REVIEW item's reason was kept_because: carry it there
      // (the constraint dropped first: it forbids both reasons at once).
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_applied"`,
      `UPDATE "liberation"."replan_item" SET "kept_because" = "decision_set_aside_because"
         WHERE "decision_set_aside_because" IS NOT NULL`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_applied" CHECK (
         CASE "status" WHEN 'APPLIED' THEN "applied_version" IS NOT NULL
                       WHEN 'NEEDS_REVIEW' THEN "kept_because" IS NOT NULL
                       ELSE "applied_version" IS NULL END)`,
      `ALTER TABLE "liberation"."replan_item" DROP COLUMN "decision_set_aside_because"`,
    ])
      await queryRunner.query(sql);
  }
}
