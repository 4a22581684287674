import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 ("the reversal or correction of any movement"): a liberation direct from court recorded
 * in error is reversed as a reception is (migration 2100), its episode void, in the same void
 * columns with the same reason. Such an episode was opened released (`custody_episode_origin_facts`
 * keeps `released_at` on a COURT_LIBERATION row), so migration 2100's
 * `custody_episode_void_not_released` (a void episode has no release) cannot hold for it. It is
 * replaced by `custody_episode_void_release`: a void episode has no release, unless it is a
 * liberation from court, whose release is the fact undone and stays on the row, for the record (no
 * later than the reversal). The void reasons (migration 2400) do not change.
 *
 * `down()` refuses (RAISE EXCEPTION) while a liberation from court is void: 2100's constraint could
 * not hold, and dropping the void would make the liberation stand again. A void episode is undone
 * only by restoring a backup, never by a rollback. With none void it restores 2100's constraint.
 */
export class CourtLiberationVoid1700000002700 implements MigrationInterface {
  readonly name = 'CourtLiberationVoid1700000002700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_void_not_released",
        ADD CONSTRAINT "custody_episode_void_release" CHECK (
          "voided_at" IS NULL
          OR "released_at" IS NULL
          OR ("origin" = 'COURT_LIBERATION' AND "voided_at" >= "released_at")
        )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE n integer;
      BEGIN
        SELECT count(*) INTO n FROM "liberation"."custody_episode"
         WHERE "voided_at" IS NOT NULL AND "origin" = 'COURT_LIBERATION';
        IF n > 0 THEN
          RAISE EXCEPTION 'liberation: % liberations from court are void (reversed as recorded in error): a rollback past migration 2700 could not hold and would make them stand again; restore a backup instead', n;
        END IF;
      END $$`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_void_release",
        ADD CONSTRAINT "custody_episode_void_not_released" CHECK ("voided_at" IS NULL OR "released_at" IS NULL)`);
  }
}
