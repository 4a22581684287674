import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why an appointment was booked (the first one, or a follow-up after a missed one), and its
 * cancellation as a fact: when and why. A cancelled appointment takes no attendance, and an
 * appointment with attendance on record is not cancelled.
 */
export class AppointmentPurposeAndCancellation1700000000500 implements MigrationInterface {
  readonly name = 'AppointmentPurposeAndCancellation1700000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."appointment"
        ADD COLUMN "purpose" text NOT NULL DEFAULT 'FIRST_APPOINTMENT'
          CHECK ("purpose" IN ('FIRST_APPOINTMENT', 'MISSED_APPOINTMENT_FOLLOW_UP')),
        ADD COLUMN "cancelled_at" timestamptz NULL,
        ADD COLUMN "cancellation_reason" text NULL CHECK (char_length("cancellation_reason") BETWEEN 1 AND 500),
        ADD CONSTRAINT "appointment_cancellation_complete" CHECK (
          ("cancelled_at" IS NULL) = ("cancellation_reason" IS NULL)
        ),
        ADD CONSTRAINT "appointment_cancelled_or_attended" CHECK (
          "cancelled_at" IS NULL OR "attendance" IS NULL
        )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."appointment"
        DROP CONSTRAINT "appointment_cancelled_or_attended",
        DROP CONSTRAINT "appointment_cancellation_complete",
        DROP COLUMN "cancellation_reason",
        DROP COLUMN "cancelled_at",
        DROP COLUMN "purpose"`);
  }
}
