import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review: a release, or a transfer, while the person is out on a temporary absence ends
 * the absence (liberated at court; sent from court to another prison): the movement, its instant
 * and its event on the absence's row, so it is no longer open (and the movement reversed opens it
 * again). The one-open index excludes such rows.
 * And the absences of an episode are read newest first by person and episode (the list, a
 * departure's checks, a reversal's): an index for that, not a scan under row-level security.
 */
export class AbsenceEndedByMovement1700000001200 implements MigrationInterface {
  readonly name = 'AbsenceEndedByMovement1700000001200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."temporary_absence"
        ADD COLUMN "ended_by_movement" text NULL CHECK ("ended_by_movement" IN ('RELEASE', 'TRANSFER')),
        ADD COLUMN "ended_by_movement_at" timestamptz NULL,
        ADD COLUMN "ended_by_movement_event_id" uuid NULL,
        ADD CONSTRAINT "temporary_absence_ended_by_movement" CHECK (
          ("ended_by_movement" IS NULL) = ("ended_by_movement_at" IS NULL)
          AND ("ended_by_movement_at" IS NULL) = ("ended_by_movement_event_id" IS NULL)
          AND ("ended_by_movement_at" IS NULL OR "ended_by_movement_at" > "left_at"))`);
    await queryRunner.query(`DROP INDEX "liberation"."temporary_absence_one_open"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "temporary_absence_one_open" ON "liberation"."temporary_absence" ("person_id", "episode")
        WHERE "departure_reversed_at" IS NULL AND ("returned_at" IS NULL OR "return_reversed_at" IS NOT NULL)
          AND "ended_by_movement_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "temporary_absence_by_episode" ON "liberation"."temporary_absence" ("person_id", "episode", "left_at" DESC, "id" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "liberation"."temporary_absence_by_episode"`);
    await queryRunner.query(`DROP INDEX "liberation"."temporary_absence_one_open"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "temporary_absence_one_open" ON "liberation"."temporary_absence" ("person_id", "episode")
        WHERE "departure_reversed_at" IS NULL AND ("returned_at" IS NULL OR "return_reversed_at" IS NOT NULL)`,
    );
    await queryRunner.query(`
      ALTER TABLE "liberation"."temporary_absence"
        DROP CONSTRAINT "temporary_absence_ended_by_movement",
        DROP COLUMN "ended_by_movement_event_id",
        DROP COLUMN "ended_by_movement_at",
        DROP COLUMN "ended_by_movement"`);
  }
}
