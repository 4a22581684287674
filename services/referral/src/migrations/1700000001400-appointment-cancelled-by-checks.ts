import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `cancelled_by` (migration 1300) as the other "by" columns: a role or team of 1 to 200
 * characters, never a named person, and only on an appointment booked against a referral (an
 * agency's own cancellation; the journey's appointments are cancelled by the journey).
 */
export class AppointmentCancelledByChecks1700000001400 implements MigrationInterface {
  readonly name = 'AppointmentCancelledByChecks1700000001400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "referral"."appointment"
         ADD CONSTRAINT "appointment_cancelled_by_length" CHECK (char_length("cancelled_by") BETWEEN 1 AND 200),
         ADD CONSTRAINT "appointment_cancelled_by_referral" CHECK ("cancelled_by" IS NULL OR "referral_id" IS NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "referral"."appointment"
         DROP CONSTRAINT "appointment_cancelled_by_length",
         DROP CONSTRAINT "appointment_cancelled_by_referral"`,
    );
  }
}
