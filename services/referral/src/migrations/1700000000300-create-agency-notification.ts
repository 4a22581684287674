import type { MigrationInterface, QueryRunner } from 'typeorm';
// Frozen as released: the subjects of AgencyNotifiedV1. Later subjects come with 1700000000400.
const subjects = `'LIBERATION_DATE_CHANGED'`;

/** An agency's inbox of plan changes. Facts only: unread until `read_at` is recorded. */
export class CreateAgencyNotification1700000000300 implements MigrationInterface {
  readonly name = 'CreateAgencyNotification1700000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "referral"."agency_notification" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "agency_id" text NOT NULL,
        "subject" text NOT NULL CHECK ("subject" IN (${subjects})),
        "liberation_date" date NOT NULL,
        "previous_liberation_date" date NULL,
        "notified_at" timestamptz NOT NULL,
        "read_at" timestamptz NULL,
        "read_by" text NULL,
        "correlation_id" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "agency_notification_read_complete" CHECK (("read_at" IS NULL) = ("read_by" IS NULL))
      )`);
    // Agencies page through their own inbox, newest first, optionally only the unread.
    await queryRunner.query(
      `CREATE INDEX "agency_notification_agency_notified_idx" ON "referral"."agency_notification" ("agency_id", "notified_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "agency_notification_person_episode_idx" ON "referral"."agency_notification" ("person_id", "episode")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "referral"."agency_notification"`);
  }
}
