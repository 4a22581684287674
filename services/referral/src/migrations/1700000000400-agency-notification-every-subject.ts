import type { MigrationInterface, QueryRunner } from 'typeorm';

// Frozen with this migration (the contract's NotificationSubject when it was written): a subject
// added later needs its own migration, so the table never accepts what the code has not reviewed.
const subjects = [
  'LIBERATION_DATE_CHANGED',
  'TRANSFERRED',
  'MOVEMENT_REVERSED',
  'RETURNED_TO_CUSTODY',
  'CONSENT_WITHDRAWN',
  'CASE_CLOSED',
  'PRE_RELEASE_MEETING_IMPOSSIBLE',
]
  .map((s) => `'${s}'`)
  .join(', ');

/**
 * The message of a notice stored before messages existed (all LIBERATION_DATE_CHANGED, with a
 * liberation date): the text `defaultNotificationMessage` writes for the same facts.
 */
export const LEGACY_NOTICE_MESSAGE_SQL = `'The liberation date has changed. Liberation date: '
  || to_char("liberation_date", 'YYYY-MM-DD')
  || CASE WHEN "previous_liberation_date" IS NULL THEN '.'
          ELSE ' (was ' || to_char("previous_liberation_date", 'YYYY-MM-DD') || ').' END`;

/**
 * Notices of every subject (AgencyNotifiedV2): a message the agency's staff read, and the
 * liberation dates and establishments when the subject names them. Notices stored before get
 * the message `defaultNotificationMessage` writes for them.
 */
export class AgencyNotificationEverySubject1700000000400 implements MigrationInterface {
  readonly name = 'AgencyNotificationEverySubject1700000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = `"referral"."agency_notification"`;
    await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN "message" text NULL`);
    await queryRunner.query(`UPDATE ${table} SET "message" = ${LEGACY_NOTICE_MESSAGE_SQL}`);
    await queryRunner.query(`
      ALTER TABLE ${table}
        ALTER COLUMN "message" SET NOT NULL,
        ADD CONSTRAINT "agency_notification_message_length" CHECK (char_length("message") BETWEEN 1 AND 1000),
        ALTER COLUMN "liberation_date" DROP NOT NULL,
        ADD COLUMN "establishment_code" text NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        ADD COLUMN "previous_establishment_code" text NULL CHECK ("previous_establishment_code" ~ '^[A-Z]{3}$'),
        DROP CONSTRAINT "agency_notification_subject_check",
        ADD CONSTRAINT "agency_notification_subject" CHECK ("subject" IN (${subjects})),
        ADD CONSTRAINT "agency_notification_previous_date_with_date" CHECK (
          "previous_liberation_date" IS NULL OR "liberation_date" IS NOT NULL
        ),
        ADD CONSTRAINT "agency_notification_previous_establishment_with_establishment" CHECK (
          "previous_establishment_code" IS NULL OR "establishment_code" IS NOT NULL
        ),
        ADD CONSTRAINT "agency_notification_date_change_names_date" CHECK (
          "subject" <> 'LIBERATION_DATE_CHANGED' OR "liberation_date" IS NOT NULL
        ),
        ADD CONSTRAINT "agency_notification_transfer_names_establishment" CHECK (
          "subject" <> 'TRANSFERRED' OR "establishment_code" IS NOT NULL
        )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = `"referral"."agency_notification"`;
    // Notices v1 cannot hold (other subjects, no liberation date) go with the rollback.
    await queryRunner.query(
      `DELETE FROM ${table} WHERE "subject" <> 'LIBERATION_DATE_CHANGED' OR "liberation_date" IS NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE ${table}
        DROP CONSTRAINT "agency_notification_transfer_names_establishment",
        DROP CONSTRAINT "agency_notification_date_change_names_date",
        DROP CONSTRAINT "agency_notification_previous_establishment_with_establishment",
        DROP CONSTRAINT "agency_notification_previous_date_with_date",
        DROP CONSTRAINT "agency_notification_subject",
        ADD CONSTRAINT "agency_notification_subject_check" CHECK ("subject" IN ('LIBERATION_DATE_CHANGED')),
        DROP COLUMN "previous_establishment_code",
        DROP COLUMN "establishment_code",
        ALTER COLUMN "liberation_date" SET NOT NULL,
        DROP COLUMN "message"`);
  }
}
