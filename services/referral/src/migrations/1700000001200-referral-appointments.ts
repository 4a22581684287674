import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, readOnlyPolicySql, rls } from '@throughcare/platform-persistence';

// Frozen with this migration (AppointmentPurpose and AppointmentPlaceKind when it was written).
const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const purposesBefore = quoted(['FIRST_APPOINTMENT', 'MISSED_APPOINTMENT_FOLLOW_UP']);
const purposes = quoted(['FIRST_APPOINTMENT', 'MISSED_APPOINTMENT_FOLLOW_UP', 'REFERRAL_APPOINTMENT']);
const placeKindsBefore = quoted([
  'AGENCY_OFFICE',
  'HOME_VISIT',
  'APPROVED_PREMISES',
  'PHONE',
  'VIDEO',
  'OTHER',
]);
const placeKinds = quoted([
  'AGENCY_OFFICE',
  'PRISON',
  'HOME_VISIT',
  'APPROVED_PREMISES',
  'PHONE',
  'VIDEO',
  'OTHER',
]);

/**
 * Appointments an agency books against its referral (issue 9): a custody visit (place kind
 * PRISON) or any appointment in the community, each tied to the referral (`referral_id`, purpose
 * REFERRAL_APPOINTMENT, and only then). The journey's own appointments name no referral.
 *
 * The prison the referral belongs to reads its appointments and their schedules (read-only
 * policies, as migration 1100 gave it the referral): `appointment_establishment` reads the
 * appointment's referral as the platform.
 *
 * An appointment's own policy (every command) gains that the referral it names is its agency's.
 *
 * Reverting deletes the referral appointments and their schedules (the earlier schema cannot hold them).
 */
export class ReferralAppointments1700000001200 implements MigrationInterface {
  readonly name = 'ReferralAppointments1700000001200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."appointment"
        ADD COLUMN "referral_id" uuid NULL REFERENCES "referral"."referral" ("id"),
        DROP CONSTRAINT "appointment_purpose_check",
        ADD CONSTRAINT "appointment_purpose_check" CHECK ("purpose" IN (${purposes})),
        ADD CONSTRAINT "appointment_referral_purpose" CHECK (
          ("purpose" = 'REFERRAL_APPOINTMENT') = ("referral_id" IS NOT NULL)
        )`);
    await queryRunner.query(
      `CREATE INDEX "appointment_referral_idx" ON "referral"."appointment" ("referral_id") WHERE "referral_id" IS NOT NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."appointment_schedule"
        DROP CONSTRAINT "appointment_schedule_place_kind_check",
        ADD CONSTRAINT "appointment_schedule_place_kind_check" CHECK ("place_kind" IN (${placeKinds}))`);
    await queryRunner.query(`
      CREATE FUNCTION "referral"."appointment_establishment"(p_appointment_id uuid)
      RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$ SELECT r.establishment_code FROM "referral"."appointment" a
              JOIN "referral"."referral" r ON r.id = a.referral_id AND r.agency_id = a.agency_id
             WHERE a.id = p_appointment_id $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION "referral"."appointment_establishment"(uuid) FROM PUBLIC`,
    );
    // An appointment names a referral of its own agency (a foreign key alone ignores row-level security).
    await queryRunner.query(`DROP POLICY "appointment_scope" ON "referral"."appointment"`);
    await queryRunner.query(
      agencyPolicy(
        `agency_id = ${rls.agency} AND (referral_id IS NULL OR "referral"."referral_agency"(referral_id) = agency_id)`,
      ),
    );
    await queryRunner.query(
      readOnlyPolicySql(
        `"referral"."appointment"`,
        'appointment_prison_read',
        `referral_id IS NOT NULL AND "referral"."referral_agency"(referral_id) = agency_id
         AND "referral"."referral_establishment"(referral_id) = ANY(${rls.establishments})`,
      ),
    );
    await queryRunner.query(
      readOnlyPolicySql(
        `"referral"."appointment_schedule"`,
        'appointment_schedule_prison_read',
        `"referral"."appointment_establishment"(appointment_id) = ANY(${rls.establishments})`,
      ),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP POLICY "appointment_schedule_prison_read" ON "referral"."appointment_schedule"`,
    );
    await queryRunner.query(`DROP POLICY "appointment_prison_read" ON "referral"."appointment"`);
    await queryRunner.query(`DROP FUNCTION "referral"."appointment_establishment"(uuid)`);
    await queryRunner.query(`DROP POLICY "appointment_scope" ON "referral"."appointment"`);
    await queryRunner.query(agencyPolicy(`agency_id = ${rls.agency}`));
    await queryRunner.query(`
      DELETE FROM "referral"."appointment_schedule" s USING "referral"."appointment" a
       WHERE s.appointment_id = a.id AND a.referral_id IS NOT NULL`);
    await queryRunner.query(`DELETE FROM "referral"."appointment" WHERE "referral_id" IS NOT NULL`);
    await queryRunner.query(
      `UPDATE "referral"."appointment_schedule" SET "place_kind" = 'OTHER' WHERE "place_kind" = 'PRISON'`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."appointment_schedule"
        DROP CONSTRAINT "appointment_schedule_place_kind_check",
        ADD CONSTRAINT "appointment_schedule_place_kind_check" CHECK ("place_kind" IN (${placeKindsBefore}))`);
    await queryRunner.query(`
      ALTER TABLE "referral"."appointment"
        DROP CONSTRAINT "appointment_referral_purpose",
        DROP CONSTRAINT "appointment_purpose_check",
        ADD CONSTRAINT "appointment_purpose_check" CHECK ("purpose" IN (${purposesBefore})),
        DROP COLUMN "referral_id"`);
  }
}

/** The appointment table's own policy (every command), as migration 700 created it. */
function agencyPolicy(scoped: string): string {
  return protectTableSql(`"referral"."appointment"`, 'appointment_scope', scoped).at(-1)!;
}
