import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Validates the checks 2500 added NOT VALID, in a transaction of its own: VALIDATE CONSTRAINT scans
 * `agency_notification` (a table that only grows) under SHARE UPDATE EXCLUSIVE, which lets reads
 * and writes go on. The rows before 2500 have no basis, so the scan finds nothing to refuse.
 * Reverting leaves the checks valid (2500's own down() drops them).
 */
export class ValidateAgencyNotificationBasis1700000002501 implements MigrationInterface {
  readonly name = 'ValidateAgencyNotificationBasis1700000002501';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    for (const constraint of ['agency_notification_basis', 'agency_notification_basis_reference'])
      await queryRunner.query(
        `ALTER TABLE "referral"."agency_notification" VALIDATE CONSTRAINT "${constraint}"`,
      );
  }

  async down(): Promise<void> {
    // Nothing to undo: a validated check is the same check.
  }
}
