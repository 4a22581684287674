import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who cancelled an appointment an agency booked against its referral (`cancelled_by`, a name or
 * team of the agency's, kept here and never put on the bus). Null for the cascade of a referral
 * that ended and for the journey's compensations: the referral's decision or the journey says why.
 */
export class AppointmentCancelledBy1700000001300 implements MigrationInterface {
  readonly name = 'AppointmentCancelledBy1700000001300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "referral"."appointment" ADD COLUMN "cancelled_by" text`);
    await queryRunner.query(
      `ALTER TABLE "referral"."appointment" ADD CONSTRAINT "appointment_cancelled_by_when_cancelled"
         CHECK ("cancelled_by" IS NULL OR "cancelled_at" IS NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "referral"."appointment" DROP COLUMN "cancelled_by"`);
  }
}
