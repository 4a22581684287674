import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review (stop 36): `GET /absences/overdue` reads the open absences of the caller's
 * establishments by due-back time (or, with none, by how long they have been out): an index on
 * (establishment_code, due_back_at) of the open ones only (departure standing, no return standing,
 * not ended by a release or transfer: the query's own predicates, so the planner can use it),
 * rather than a scan of every absence ever recorded. And the NOMIS movement reason code of a
 * departure an HMPPS event recorded (`movement_reason_code`), kept as sent: the event's reason
 * does not tell an escorted absence (hospital, funeral) from a ROTL, its code may.
 */
export class AbsenceOverdueAndReason1700000001900 implements MigrationInterface {
  readonly name = 'AbsenceOverdueAndReason1700000001900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."temporary_absence" ADD COLUMN "movement_reason_code" text NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "temporary_absence_open_by_due_back" ON "liberation"."temporary_absence" ("establishment_code", "due_back_at")
        WHERE "departure_reversed_at" IS NULL AND ("returned_at" IS NULL OR "return_reversed_at" IS NOT NULL)
          AND "ended_by_movement_at" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "liberation"."temporary_absence_open_by_due_back"`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."temporary_absence" DROP COLUMN "movement_reason_code"`,
    );
  }
}
