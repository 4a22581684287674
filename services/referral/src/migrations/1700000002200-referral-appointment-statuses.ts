import type { MigrationInterface, QueryRunner } from 'typeorm';
import { REFERRAL_STATUS_WITH_CLOSURE_SQL } from './1700000001000-referral-closure';

// Frozen with this migration (the lifecycle's statuses when it was written).
const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const before = [
  'AWAITING_ACKNOWLEDGEMENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
  'DECLINED',
  'WITHDRAWN_BY_AGENCY',
  'WITHDRAWN',
  'CLOSED',
];
const added = ['APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED'];

/**
 * The status each referral's facts and its appointments add up to, by the rule of
 * `statusWithAppointments` (`referral.lifecycle.ts`): `REFERRAL_STATUS_WITH_CLOSURE_SQL` of
 * migration 1000 (frozen there); when that is ACCEPTED, an appointment booked against the
 * referral still live (neither cancelled nor attended) makes it APPOINTMENT_BOOKED; else the
 * latest attendance recorded since the acceptance in force (the latest decision; by attended_at,
 * then when recorded, then id) makes it ATTENDED (YES, LATE) or NOT_ATTENDED (NO); else ACCEPTED.
 * Superseded by migration 2300's `REFERRAL_STATUS_SQL` (an attendance dated before a re-acceptance,
 * on an appointment live at it, belongs to that acceptance): reconcile with that one.
 */
export const REFERRAL_STATUS_WITH_APPOINTMENTS_SQL = `
  CASE
    WHEN (${REFERRAL_STATUS_WITH_CLOSURE_SQL}) <> 'ACCEPTED' THEN ${REFERRAL_STATUS_WITH_CLOSURE_SQL}
    WHEN EXISTS (
      SELECT 1 FROM "referral"."appointment" a
       WHERE a.referral_id = r.id AND a.cancelled_at IS NULL AND a.attendance IS NULL)
      THEN 'APPOINTMENT_BOOKED'
    ELSE COALESCE(
      (SELECT CASE a.attendance WHEN 'NO' THEN 'NOT_ATTENDED' ELSE 'ATTENDED' END
         FROM "referral"."appointment" a
        WHERE a.referral_id = r.id
          AND a.cancelled_at IS NULL
          AND a.attendance IS NOT NULL
          AND a.attended_at >= (
            SELECT o.decided_at FROM "referral"."referral_outcome" o
             WHERE o.referral_id = r.id
             ORDER BY o.decided_at DESC, o.sequence DESC
             LIMIT 1)
        ORDER BY a.attended_at DESC, a.attendance_recorded_at DESC, a.id DESC
        LIMIT 1),
      'ACCEPTED')
  END`;

/**
 * A referral the agency took on follows its appointments (issue 9): APPOINTMENT_BOOKED,
 * ATTENDED and NOT_ATTENDED join the statuses, and every referral is reconciled with its facts
 * (only accepted ones change). Reverting maps the three back to ACCEPTED, the status they refine.
 */
export class ReferralAppointmentStatuses1700000002200 implements MigrationInterface {
  readonly name = 'ReferralAppointmentStatuses1700000002200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        DROP CONSTRAINT "referral_status_known",
        ADD CONSTRAINT "referral_status_known" CHECK ("status" IN (${quoted([...before, ...added])}))`);
    await queryRunner.query(
      `UPDATE "referral"."referral" r SET "status" = ${REFERRAL_STATUS_WITH_APPOINTMENTS_SQL} WHERE r.status = 'ACCEPTED'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "referral"."referral" SET "status" = 'ACCEPTED' WHERE "status" IN (${quoted(added)})`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        DROP CONSTRAINT "referral_status_known",
        ADD CONSTRAINT "referral_status_known" CHECK ("status" IN (${quoted(before)}))`);
  }
}
