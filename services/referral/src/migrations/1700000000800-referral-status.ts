import type { MigrationInterface, QueryRunner } from 'typeorm';

// Frozen with this migration (the lifecycle's statuses when it was written).
const statuses = [
  'AWAITING_ACKNOWLEDGEMENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
  'DECLINED',
  'WITHDRAWN_BY_AGENCY',
  'WITHDRAWN',
]
  .map((s) => `'${s}'`)
  .join(', ');

/**
 * The status each referral's facts add up to, by the rule of `statusOf` (`referral.lifecycle.ts`)
 * for a history recorded before the lifecycle table was enforced: the referrer's withdrawal wins;
 * else the latest decision (by decided_at, then recording order), the agency's WITHDRAWN being
 * WITHDRAWN_BY_AGENCY; else acknowledged or awaiting acknowledgement. An acknowledgement dated
 * after a decision changes nothing, as in the fold.
 */
export const REFERRAL_STATUS_FROM_FACTS_SQL = `
  CASE
    WHEN r.withdrawn_at IS NOT NULL THEN 'WITHDRAWN'
    ELSE COALESCE(
      (SELECT CASE o.decision WHEN 'WITHDRAWN' THEN 'WITHDRAWN_BY_AGENCY' ELSE o.decision END
         FROM "referral"."referral_outcome" o
        WHERE o.referral_id = r.id
        ORDER BY o.decided_at DESC, o.sequence DESC
        LIMIT 1),
      CASE WHEN r.acknowledged_at IS NOT NULL THEN 'ACKNOWLEDGED' ELSE 'AWAITING_ACKNOWLEDGEMENT' END)
  END`;

/**
 * The referral lifecycle as data (issue 9): the status the facts add up to is kept on the
 * referral, rewritten in the transaction of every fact, so an agency can filter its list by any
 * status of the table (an index serves the filtered, sent-ordered page). Existing referrals are
 * backfilled from their facts.
 */
export class ReferralStatus1700000000800 implements MigrationInterface {
  readonly name = 'ReferralStatus1700000000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "referral"."referral" ADD COLUMN "status" text NULL`);
    await queryRunner.query(
      `UPDATE "referral"."referral" r SET "status" = ${REFERRAL_STATUS_FROM_FACTS_SQL}`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        ALTER COLUMN "status" SET NOT NULL,
        ADD CONSTRAINT "referral_status_known" CHECK ("status" IN (${statuses})),
        ADD CONSTRAINT "referral_status_withdrawn" CHECK (("status" = 'WITHDRAWN') = ("withdrawn_at" IS NOT NULL))`);
    await queryRunner.query(
      `CREATE INDEX "referral_agency_status_sent_idx" ON "referral"."referral" ("agency_id", "status", "sent_at", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "referral"."referral_agency_status_sent_idx"`);
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        DROP CONSTRAINT "referral_status_withdrawn",
        DROP CONSTRAINT "referral_status_known",
        DROP COLUMN "status"`);
  }
}
