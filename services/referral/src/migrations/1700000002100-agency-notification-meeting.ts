import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A changed liberation date also gives the pre-release meeting booked for it (issue 9): its day
 * and the prison it is at, both or neither. Null on notices stored before it, and on those about
 * anything else.
 */
export class AgencyNotificationMeeting1700000002100 implements MigrationInterface {
  readonly name = 'AgencyNotificationMeeting1700000002100';

  async up(queryRunner: QueryRunner): Promise<void> {
    // New nullable columns: no rewrite, and the CHECKs' scan finds only nulls (the table's lock is
    // held for that scan, which is quick; a later check of existing data would be NOT VALID).
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        ADD COLUMN "pre_release_meeting_date" date,
        ADD COLUMN "pre_release_meeting_establishment_code" text,
        ADD CONSTRAINT "agency_notification_meeting_establishment" CHECK (
          "pre_release_meeting_establishment_code" ~ '^[A-Z]{3}$'
        ),
        ADD CONSTRAINT "agency_notification_meeting_date_and_place" CHECK (
          ("pre_release_meeting_date" IS NULL) = ("pre_release_meeting_establishment_code" IS NULL)
        )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        DROP CONSTRAINT "agency_notification_meeting_date_and_place",
        DROP CONSTRAINT "agency_notification_meeting_establishment",
        DROP COLUMN "pre_release_meeting_establishment_code",
        DROP COLUMN "pre_release_meeting_date"`);
  }
}
