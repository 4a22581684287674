import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an agency needs with a referral (issue 9): the day the person is due to be liberated, kept
 * current by the notices of a change, and the core screen's risk of serious harm. Both null on
 * referrals sent before it (and from journeys whose workers predate it).
 */
export class ReferralLiberationDateAndRisk1700000002000 implements MigrationInterface {
  readonly name = 'ReferralLiberationDateAndRisk1700000002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The CHECK is added NOT VALID, then validated: the validation scans the table under a lock
    // that lets reads and writes go on (the columns are new, so every row passes).
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        ADD COLUMN "liberation_date" date,
        ADD COLUMN "risk_of_serious_harm" text,
        ADD CONSTRAINT "referral_risk_of_serious_harm" CHECK (
          "risk_of_serious_harm" IS NULL OR "risk_of_serious_harm" IN ('LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH')
        ) NOT VALID`);
    await queryRunner.query(
      `ALTER TABLE "referral"."referral" VALIDATE CONSTRAINT "referral_risk_of_serious_harm"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        DROP CONSTRAINT "referral_risk_of_serious_harm",
        DROP COLUMN "risk_of_serious_harm",
        DROP COLUMN "liberation_date"`);
  }
}
