import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 review: a release (or liberation at court) while the person is out on a temporary
 * absence ends the absence: the release's instant and event on the absence's row, so it is no
 * longer open (and a reversed release opens it again). The one-open index excludes such rows.
 * And the absences of an episode are read newest first by person and episode (the list, a
 * departure's checks, a reversal's): an index for that, not a scan under row-level security.
 */
export class AbsenceEndedByRelease1700000001200 implements MigrationInterface {
  readonly name = 'AbsenceEndedByRelease1700000001200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."temporary_absence"
        ADD COLUMN "ended_by_release_at" timestamptz NULL,
        ADD COLUMN "ended_by_release_event_id" uuid NULL,
        ADD CONSTRAINT "temporary_absence_ended_by_release" CHECK (
          ("ended_by_release_at" IS NULL) = ("ended_by_release_event_id" IS NULL)
          AND ("ended_by_release_at" IS NULL OR "ended_by_release_at" > "left_at"))`);
    await queryRunner.query(`DROP INDEX "liberation"."temporary_absence_one_open"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "temporary_absence_one_open" ON "liberation"."temporary_absence" ("person_id", "episode")
        WHERE "departure_reversed_at" IS NULL AND ("returned_at" IS NULL OR "return_reversed_at" IS NOT NULL)
          AND "ended_by_release_at" IS NULL`,
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
        DROP CONSTRAINT "temporary_absence_ended_by_release",
        DROP COLUMN "ended_by_release_event_id",
        DROP COLUMN "ended_by_release_at"`);
  }
}
