import type { MigrationInterface, QueryRunner } from 'typeorm';
import { REFERRAL_STATUS_FROM_FACTS_SQL } from './1700000000800-referral-status';

// Frozen with this migration (the lifecycle's statuses and ReferralClosureOutcome when it was written).
const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const before = [
  'AWAITING_ACKNOWLEDGEMENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
  'DECLINED',
  'WITHDRAWN_BY_AGENCY',
  'WITHDRAWN',
];
const outcomes = quoted(['ACHIEVED', 'PARTIALLY_ACHIEVED', 'NOT_ACHIEVED']);

/**
 * The status each referral's facts add up to since closures exist: `REFERRAL_STATUS_FROM_FACTS_SQL`
 * of migration 800 (frozen there), with a closure final. Run as
 * `UPDATE referral.referral r SET status = <this>` to reconcile the column with the facts.
 */
export const REFERRAL_STATUS_WITH_CLOSURE_SQL = `
  CASE
    WHEN r.withdrawn_at IS NULL AND r.closed_at IS NOT NULL THEN 'CLOSED'
    ELSE ${REFERRAL_STATUS_FROM_FACTS_SQL}
  END`;

/**
 * The agency closes a case it took on, saying what its work achieved (issue 9): the closure is a
 * fact on the referral (when, by which role or team, the outcome, an optional summary for the
 * officer who referred, and when it reached us), all set together or not at all, and the
 * lifecycle gains the status CLOSED, held exactly while a closure is on record.
 */
export class ReferralClosure1700000001000 implements MigrationInterface {
  readonly name = 'ReferralClosure1700000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        ADD COLUMN "closed_at" timestamptz NULL,
        ADD COLUMN "closed_by" text NULL CHECK (char_length("closed_by") BETWEEN 1 AND 200),
        ADD COLUMN "closure_outcome" text NULL CHECK ("closure_outcome" IN (${outcomes})),
        ADD COLUMN "closure_summary" text NULL CHECK (char_length("closure_summary") BETWEEN 1 AND 2000),
        ADD COLUMN "closure_recorded_at" timestamptz NULL,
        ADD CONSTRAINT "referral_closure_complete" CHECK (
          ("closed_at" IS NULL) = ("closed_by" IS NULL)
          AND ("closed_at" IS NULL) = ("closure_outcome" IS NULL)
          AND ("closed_at" IS NULL) = ("closure_recorded_at" IS NULL)
          AND ("closed_at" IS NOT NULL OR "closure_summary" IS NULL)),
        DROP CONSTRAINT "referral_status_known",
        ADD CONSTRAINT "referral_status_known" CHECK ("status" IN (${quoted([...before, 'CLOSED'])})),
        ADD CONSTRAINT "referral_status_closed" CHECK (("status" = 'CLOSED') = ("closed_at" IS NOT NULL))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // A closed case goes back to the status it closed from (only an accepted case closes); the
    // closure itself is lost with its columns.
    await queryRunner.query(`ALTER TABLE "referral"."referral" DROP CONSTRAINT "referral_status_closed"`);
    await queryRunner.query(
      `UPDATE "referral"."referral" SET "status" = 'ACCEPTED' WHERE "status" = 'CLOSED'`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        DROP CONSTRAINT "referral_status_known",
        ADD CONSTRAINT "referral_status_known" CHECK ("status" IN (${quoted(before)})),
        DROP CONSTRAINT "referral_closure_complete",
        DROP COLUMN "closure_recorded_at",
        DROP COLUMN "closure_summary",
        DROP COLUMN "closure_outcome",
        DROP COLUMN "closed_by",
        DROP COLUMN "closed_at"`);
  }
}
