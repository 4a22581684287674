import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

// Frozen with this migration (AppointmentPlaceKind, ScheduleChangeReason when it was written).
const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const placeKinds = quoted(['AGENCY_OFFICE', 'HOME_VISIT', 'APPROVED_PREMISES', 'PHONE', 'VIDEO', 'OTHER']);
const reasonCodes = quoted([
  'PERSON_REQUESTED',
  'PERSON_UNWELL',
  'STAFF_UNAVAILABLE',
  'TRANSPORT',
  'CORRECTION',
  'OTHER',
]);

/**
 * When and where the agency will see the person (issue 9): each time it sets, moves or corrects
 * an appointment's time and place is a fact of its own, in recording order, with who did it and,
 * after the first, why (a code, and free text kept here only). The latest is the schedule. Row-level security as the outcomes have it: an agency sees
 * the schedules of its own appointments (`appointment_agency` reads the appointment as the platform).
 */
export class AppointmentSchedule1700000000900 implements MigrationInterface {
  readonly name = 'AppointmentSchedule1700000000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "referral"."appointment_schedule" (
        "id" uuid PRIMARY KEY,
        "appointment_id" uuid NOT NULL REFERENCES "referral"."appointment" ("id"),
        "sequence" bigint GENERATED ALWAYS AS IDENTITY,
        "starts_at" timestamptz NOT NULL,
        "duration_minutes" integer NULL CHECK ("duration_minutes" BETWEEN 5 AND 480),
        "place_kind" text NOT NULL CHECK ("place_kind" IN (${placeKinds})),
        "place" text NOT NULL CHECK (char_length("place") BETWEEN 1 AND 500),
        "change" text NOT NULL CHECK ("change" IN ('FIRST', 'MOVED', 'CORRECTED')),
        "reason_code" text NULL CHECK ("reason_code" IN (${reasonCodes})),
        "reason" text NULL CHECK (char_length("reason") BETWEEN 1 AND 500),
        "scheduled_at" timestamptz NOT NULL,
        "scheduled_by" text NOT NULL CHECK (char_length("scheduled_by") BETWEEN 1 AND 200),
        "correlation_id" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "appointment_schedule_reason_after_first" CHECK ("change" = 'FIRST' OR "reason_code" IS NOT NULL),
        CONSTRAINT "appointment_schedule_correction_coded" CHECK (("change" = 'CORRECTED') = ("reason_code" IS NOT DISTINCT FROM 'CORRECTION'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "appointment_schedule_appointment_idx" ON "referral"."appointment_schedule" ("appointment_id", "sequence")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION "referral"."appointment_agency"(p_appointment_id uuid)
      RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$ SELECT a.agency_id FROM "referral"."appointment" a WHERE a.id = p_appointment_id $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "referral"."appointment_agency"(uuid) FROM PUBLIC`);
    for (const sql of protectTableSql(
      `"referral"."appointment_schedule"`,
      'appointment_schedule_scope',
      `"referral"."appointment_agency"(appointment_id) = ${rls.agency}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"referral"."appointment_schedule"`, 'appointment_schedule_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "referral"."appointment_schedule"`);
    await queryRunner.query(`DROP FUNCTION "referral"."appointment_agency"(uuid)`);
  }
}
