import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Attendance } from '@throughcare/contracts';
import { NonAttendanceReasonSchema } from '../appointments/appointment.schemas';

const attendances = Attendance.options.map((a) => `'${a}'`).join(', ');
const reasons = NonAttendanceReasonSchema.options.map((r) => `'${r}'`).join(', ');

export class CreateAppointment1700000000200 implements MigrationInterface {
  readonly name = 'CreateAppointment1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "referral"."appointment" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "agency_id" text NOT NULL,
        "due_by" timestamptz NOT NULL,
        "booked_at" timestamptz NOT NULL,
        "correlation_id" text NOT NULL,
        "attendance" text NULL CHECK ("attendance" IN (${attendances})),
        "attended_at" timestamptz NULL,
        "non_attendance_reason" text NULL CHECK ("non_attendance_reason" IN (${reasons})),
        "attendance_recorded_at" timestamptz NULL,
        "attendance_recorded_by" text NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "appointment_attendance_complete" CHECK (
          ("attendance" IS NULL AND "attended_at" IS NULL AND "attendance_recorded_at" IS NULL AND "attendance_recorded_by" IS NULL)
          OR ("attendance" IS NOT NULL AND "attended_at" IS NOT NULL AND "attendance_recorded_at" IS NOT NULL AND "attendance_recorded_by" IS NOT NULL)
        ),
        CONSTRAINT "appointment_reason_only_when_not_attended" CHECK (
          ("attendance" = 'NO') = ("non_attendance_reason" IS NOT NULL)
        ),
        CONSTRAINT "appointment_attended_after_booked" CHECK ("attended_at" IS NULL OR "attended_at" >= "booked_at")
      )`);
    await queryRunner.query(
      `CREATE INDEX "appointment_agency_due_idx" ON "referral"."appointment" ("agency_id", "due_by", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "appointment_person_episode_idx" ON "referral"."appointment" ("person_id", "episode")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "referral"."appointment"`);
  }
}
