import type { MigrationInterface, QueryRunner } from 'typeorm';
import { REFERRAL_STATUS_WITH_CLOSURE_SQL } from './1700000001000-referral-closure';
import { REFERRAL_STATUS_WITH_APPOINTMENTS_SQL as RULE_OF_2200 } from './1700000002200-referral-appointment-statuses';

// Frozen with this migration: the statuses of a referral the agency took on.
const TAKEN_ON = `'ACCEPTED', 'APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED'`;

/**
 * The status each referral's facts and its appointments add up to, by the rule of
 * `statusWithAppointments` (`referral.lifecycle.ts`), as corrected by this migration: the rule
 * of migration 2200, except that the attendance it stands on is the latest of the acceptance in
 * force (the latest decision, by decided_at then sequence), meaning attended after that
 * acceptance was decided, or recorded after it was recorded (the appointment was still live when
 * the agency accepted again). 2200 counted only the first, and dropped an attendance dated before
 * a re-acceptance on an appointment live at it. Run as `UPDATE referral.referral r SET status =
 * <this>` to reconcile the column with the facts (the runbook's step after a rolling deploy).
 */
export const REFERRAL_STATUS_SQL = `
  CASE
    WHEN (${REFERRAL_STATUS_WITH_CLOSURE_SQL}) <> 'ACCEPTED' THEN ${REFERRAL_STATUS_WITH_CLOSURE_SQL}
    WHEN EXISTS (
      SELECT 1 FROM "referral"."appointment" a
       WHERE a.referral_id = r.id AND a.cancelled_at IS NULL AND a.attendance IS NULL)
      THEN 'APPOINTMENT_BOOKED'
    ELSE COALESCE(
      (SELECT CASE a.attendance WHEN 'NO' THEN 'NOT_ATTENDED' ELSE 'ATTENDED' END
         FROM "referral"."appointment" a,
              (SELECT o.decided_at, o.recorded_at FROM "referral"."referral_outcome" o
                WHERE o.referral_id = r.id
                ORDER BY o.decided_at DESC, o.sequence DESC
                LIMIT 1) accepted
        WHERE a.referral_id = r.id
          AND a.cancelled_at IS NULL
          AND a.attendance IS NOT NULL
          AND (a.attended_at >= accepted.decided_at OR a.attendance_recorded_at >= accepted.recorded_at)
        ORDER BY a.attended_at DESC, a.attendance_recorded_at DESC, a.id DESC
        LIMIT 1),
      'ACCEPTED')
  END`;

/**
 * Reconciles every referral taken on with its facts by the corrected rule (only those whose
 * standing attendance changes move). Reverting reconciles them by 2200's rule again.
 */
export class ReferralStatusAcceptanceInForce1700000002300 implements MigrationInterface {
  readonly name = 'ReferralStatusAcceptanceInForce1700000002300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "referral"."referral" r SET "status" = ${REFERRAL_STATUS_SQL} WHERE r.status IN (${TAKEN_ON})`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "referral"."referral" r SET "status" = ${RULE_OF_2200} WHERE r.status IN (${TAKEN_ON})`,
    );
  }
}
