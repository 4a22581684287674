import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every subject 1700000001500 froze. */
const before = [
  'LIBERATION_DATE_CHANGED',
  'TRANSFERRED',
  'MOVEMENT_REVERSED',
  'RETURNED_TO_CUSTODY',
  'CONSENT_WITHDRAWN',
  'CASE_CLOSED',
  'PRE_RELEASE_MEETING_IMPOSSIBLE',
  'RELEASED',
];
const list = (subjects: string[]) => subjects.map((s) => `'${s}'`).join(', ');

/**
 * The risk notice (issue 10): `RISK_ESCALATED`, sent by journeys since `risk-notice-1` when a risk
 * assessment rose since what the responsible agency was told. It names no date or establishment:
 * the message carries the bands (never the assessor's reasons).
 */
export class AgencyNotificationRiskEscalated1700000002400 implements MigrationInterface {
  readonly name = 'AgencyNotificationRiskEscalated1700000002400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        DROP CONSTRAINT "agency_notification_subject",
        ADD CONSTRAINT "agency_notification_subject" CHECK ("subject" IN (${list([...before, 'RISK_ESCALATED'])}))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Risk notices cannot be held by the older constraint, and they are the record that risk was
    // disclosed to an agency: the rollback refuses while any exist (nothing is deleted).
    const [row] = (await queryRunner.query(
      `SELECT count(*)::int AS n FROM "referral"."agency_notification" WHERE "subject" = 'RISK_ESCALATED'`,
    )) as Array<{ n: number }>;
    const n = row?.n ?? 0;
    if (n > 0)
      throw new Error(
        `${n} RISK_ESCALATED notices are on record (what risk was told to agencies): this rollback would have to delete them; export them and remove them deliberately first`,
      );
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        DROP CONSTRAINT "agency_notification_subject",
        ADD CONSTRAINT "agency_notification_subject" CHECK ("subject" IN (${list(before)}))`);
  }
}
