import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review S1: a re-plan item whose new calculation would move the release date but whose
 * expected release date an HDC, parole or early-release decision stands on is NEEDS_REVIEW, a
 * status of its own: the dry run shows it so, and the apply step records the new calculation (its
 * other dates, e.g. the SED, move) but keeps the decision's date, the item staying NEEDS_REVIEW
 * with the version it recorded (`applied_version`) and when (`decided_at`). The run counts them
 * for each phase (`dry_run_needs_review`, `needs_review`).
 */
export class ReplanItemNeedsReview1700000001500 implements MigrationInterface {
  readonly name = 'ReplanItemNeedsReview1700000001500';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_status_check"`,
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_decided"`,
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_applied"`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_status_check"
         CHECK ("status" IN ('PROPOSED', 'NEEDS_REVIEW', 'APPLIED', 'SKIPPED'))`,
      // PROPOSED is undecided; APPLIED and SKIPPED are decided; NEEDS_REVIEW is decided once the
      // apply step recorded its calculation.
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_decided" CHECK (
         CASE "status" WHEN 'PROPOSED' THEN "decided_at" IS NULL
                       WHEN 'NEEDS_REVIEW' THEN ("decided_at" IS NULL) = ("applied_version" IS NULL)
                       ELSE "decided_at" IS NOT NULL END)`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_applied" CHECK (
         CASE "status" WHEN 'APPLIED' THEN "applied_version" IS NOT NULL
                       WHEN 'NEEDS_REVIEW' THEN "kept_because" IS NOT NULL
                       ELSE "applied_version" IS NULL END)`,
      `ALTER TABLE "liberation"."replan_run" ADD COLUMN "dry_run_needs_review" integer NULL`,
      `ALTER TABLE "liberation"."replan_run" ADD COLUMN "needs_review" integer NULL`,
    ])
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of [
      `ALTER TABLE "liberation"."replan_run" DROP COLUMN "needs_review"`,
      `ALTER TABLE "liberation"."replan_run" DROP COLUMN "dry_run_needs_review"`,
      // A recorded NEEDS_REVIEW item recorded a calculation: APPLIED is the nearest earlier status.
      `UPDATE "liberation"."replan_item" SET "status" = 'APPLIED' WHERE "status" = 'NEEDS_REVIEW' AND "applied_version" IS NOT NULL`,
      `UPDATE "liberation"."replan_item" SET "status" = 'PROPOSED' WHERE "status" = 'NEEDS_REVIEW'`,
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_status_check"`,
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_decided"`,
      `ALTER TABLE "liberation"."replan_item" DROP CONSTRAINT "replan_item_applied"`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_status_check"
         CHECK ("status" IN ('PROPOSED', 'APPLIED', 'SKIPPED'))`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_decided" CHECK (("status" = 'PROPOSED') = ("decided_at" IS NULL))`,
      `ALTER TABLE "liberation"."replan_item" ADD CONSTRAINT "replan_item_applied" CHECK (("status" = 'APPLIED') = ("applied_version" IS NOT NULL))`,
    ])
      await queryRunner.query(sql);
  }
}
