import type { MigrationInterface, QueryRunner } from 'typeorm';

// Frozen with this migration (the contract's ReferralDecision when it was written).
const decisions = ['MORE_INFORMATION_REQUESTED', 'ON_WAITING_LIST', 'ACCEPTED', 'DECLINED', 'WITHDRAWN']
  .map((d) => `'${d}'`)
  .join(', ');

/**
 * A referral's withdrawal (consent withdrawn, case closed) as a fact on the referral, and the
 * agency's decisions on it as facts of their own, in the order they were recorded: the feedback
 * loop back to prison staff.
 */
export class ReferralWithdrawalAndOutcomes1700000000600 implements MigrationInterface {
  readonly name = 'ReferralWithdrawalAndOutcomes1700000000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        ADD COLUMN "withdrawn_at" timestamptz NULL,
        ADD COLUMN "withdrawal_reason" text NULL CHECK (char_length("withdrawal_reason") BETWEEN 1 AND 500),
        ADD CONSTRAINT "referral_withdrawal_complete" CHECK (
          ("withdrawn_at" IS NULL) = ("withdrawal_reason" IS NULL)
        )`);
    await queryRunner.query(`
      CREATE TABLE "referral"."referral_outcome" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL REFERENCES "referral"."referral" ("id"),
        "sequence" bigint GENERATED ALWAYS AS IDENTITY,
        "decision" text NOT NULL CHECK ("decision" IN (${decisions})),
        "reason" text NULL CHECK (char_length("reason") BETWEEN 1 AND 500),
        "decided_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "correlation_id" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "referral_outcome_reason_when_refused" CHECK (
          "decision" NOT IN ('DECLINED', 'WITHDRAWN') OR "reason" IS NOT NULL
        )
      )`);
    await queryRunner.query(
      `CREATE INDEX "referral_outcome_referral_idx" ON "referral"."referral_outcome" ("referral_id", "decided_at", "sequence")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "referral"."referral_outcome"`);
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        DROP CONSTRAINT "referral_withdrawal_complete",
        DROP COLUMN "withdrawal_reason",
        DROP COLUMN "withdrawn_at"`);
  }
}
