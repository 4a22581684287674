import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review stop 37, S3: the HMPPS event a temporary absence's departure and return were matched to
 * (`hmpps_departure_event_id`, `hmpps_return_event_id`; null: none yet). The adapter records it
 * when HMPPS records the movement itself, or when an HMPPS event is found to be a movement staff
 * recorded, so each absence is matched to one HMPPS departure and one HMPPS return at most (a
 * second absence of the day is never taken for the first) and a redelivered event is seen as the
 * one matched already. Null on every absence before it.
 */
export class AbsenceHmppsEventIds1700000002300 implements MigrationInterface {
  readonly name = 'AbsenceHmppsEventIds1700000002300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."temporary_absence" ADD COLUMN "hmpps_departure_event_id" uuid NULL, ADD COLUMN "hmpps_return_event_id" uuid NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "liberation"."temporary_absence" DROP COLUMN "hmpps_return_event_id", DROP COLUMN "hmpps_departure_event_id"`,
    );
  }
}
