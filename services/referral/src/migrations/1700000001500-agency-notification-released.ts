import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every subject 1700000000400 froze. */
const before = [
  'LIBERATION_DATE_CHANGED',
  'TRANSFERRED',
  'MOVEMENT_REVERSED',
  'RETURNED_TO_CUSTODY',
  'CONSENT_WITHDRAWN',
  'CASE_CLOSED',
  'PRE_RELEASE_MEETING_IMPOSSIBLE',
];
const list = (subjects: string[]) => subjects.map((s) => `'${s}'`).join(', ');

/**
 * The release notice (issue 9): `RELEASED`, sent once the release has stood its settle window,
 * names the day the person was released and the establishment released from.
 */
export class AgencyNotificationReleased1700000001500 implements MigrationInterface {
  readonly name = 'AgencyNotificationReleased1700000001500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        DROP CONSTRAINT "agency_notification_subject",
        ADD CONSTRAINT "agency_notification_subject" CHECK ("subject" IN (${list([...before, 'RELEASED'])})),
        ADD CONSTRAINT "agency_notification_release_names_date_and_establishment" CHECK (
          "subject" <> 'RELEASED' OR ("liberation_date" IS NOT NULL AND "establishment_code" IS NOT NULL)
        )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Release notices cannot be held by the older constraint: they go with the rollback.
    await queryRunner.query(`DELETE FROM "referral"."agency_notification" WHERE "subject" = 'RELEASED'`);
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        DROP CONSTRAINT "agency_notification_release_names_date_and_establishment",
        DROP CONSTRAINT "agency_notification_subject",
        ADD CONSTRAINT "agency_notification_subject" CHECK ("subject" IN (${list(before)}))`);
  }
}
