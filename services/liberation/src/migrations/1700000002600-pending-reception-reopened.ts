import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review stop 37, M5: a pending reception (an HMPPS admission) completed by a reception later
 * reversed as recorded in error goes back to PENDING, so staff complete it again (or dismiss it).
 *
 * - `pending_reception.reopened_after_episode`: the void episode whose reversal reopened it (null:
 *   never reopened). Its completion is keyed per opening, so completing it again opens a new
 *   episode rather than replaying the void one.
 * - One reception per person and instant now holds among receptions that stand: the unique
 *   constraint of migration 100 becomes a unique index over episodes not void. Completing the
 *   reopened pending reception opens the new episode at the admission's own instant, the void
 *   one's. Any other reception at a void episode's instant is still refused (RECEPTION_REVERSED,
 *   by the service under the person's lock).
 *
 * `down()` locks both tables first (SHARE ROW EXCLUSIVE: no write slips between the check and the
 * change), then refuses (RAISE EXCEPTION) while a pending reception was reopened or a void episode
 * shares its person and instant with another: the column would be lost, the constraint could not
 * hold. Otherwise it restores both as they were.
 */
export class PendingReceptionReopened1700000002600 implements MigrationInterface {
  readonly name = 'PendingReceptionReopened1700000002600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."pending_reception"
        ADD COLUMN "reopened_after_episode" integer NULL CHECK ("reopened_after_episode" >= 1)`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode" DROP CONSTRAINT "custody_episode_person_received_at_key"`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "custody_episode_person_received_at_standing" ON "liberation"."custody_episode" ("person_id", "received_at")
      WHERE "voided_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Locked before the check (SHARE ROW EXCLUSIVE: reads go on, no write until the rollback ends):
    // a pending reception reopened, or a reception recorded at a void one's instant, after the
    // check could not slip in before the change.
    await queryRunner.query(
      `LOCK TABLE "liberation"."custody_episode", "liberation"."pending_reception" IN SHARE ROW EXCLUSIVE MODE`,
    );
    await queryRunner.query(`
      DO $$
      DECLARE reopened integer; shared integer;
      BEGIN
        SELECT count(*) INTO reopened FROM "liberation"."pending_reception" WHERE "reopened_after_episode" IS NOT NULL;
        SELECT count(*) INTO shared FROM (
          SELECT 1 FROM "liberation"."custody_episode" WHERE "received_at" IS NOT NULL
           GROUP BY "person_id", "received_at" HAVING count(*) > 1) s;
        IF reopened > 0 OR shared > 0 THEN
          RAISE EXCEPTION 'liberation: % pending receptions were reopened by a reception reversal and % receptions share their instant with a void one: this rollback would lose which, or could not hold one reception per person and instant; restore a backup instead', reopened, shared;
        END IF;
      END $$`);
    await queryRunner.query(`DROP INDEX "liberation"."custody_episode_person_received_at_standing"`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD CONSTRAINT "custody_episode_person_received_at_key" UNIQUE ("person_id", "received_at")`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."pending_reception" DROP COLUMN "reopened_after_episode"`,
    );
  }
}
