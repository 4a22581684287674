import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a reception may be reversed, as migration 2100 wrote it: spelled out here, never read from
 * the live `ReceptionReversalReason` (a later change to the enum must not change what re-running
 * an old migration builds).
 */
const VOID_REASONS = ['RECEIVED_IN_ERROR'] as const;
const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * Review stop 37, M4. Migration 2100 built its CHECK on `void_reason` from the live contracts'
 * enum (so re-running it after the enum changes builds another schema) and its `down()` would put
 * a void episode back in custody, open, re-planned and releasable (the void columns dropped).
 * This replaces that CHECK (Postgres named it `custody_episode_void_reason_check`) with a named
 * one over a literal list, the same values; 2100 is not edited.
 *
 * `down()` refuses (RAISE EXCEPTION) while any episode is void: rolling back past 2100 would make
 * those receptions stand again. A void episode is undone only by restoring a backup, never by a
 * rollback. With none void it restores 2100's constraint, the same values.
 */
export class CustodyEpisodeVoidReasonLiteral1700000002400 implements MigrationInterface {
  readonly name = 'CustodyEpisodeVoidReasonLiteral1700000002400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_void_reason_check",
        ADD CONSTRAINT "custody_episode_void_reason" CHECK ("void_reason" IN (${inList(VOID_REASONS)}))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE n integer;
      BEGIN
        SELECT count(*) INTO n FROM "liberation"."custody_episode" WHERE "voided_at" IS NOT NULL;
        IF n > 0 THEN
          RAISE EXCEPTION 'liberation: % custody episodes are void (their receptions reversed as recorded in error): a rollback past migration 2100 would put them back in custody; restore a backup instead', n;
        END IF;
      END $$`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_void_reason",
        ADD CONSTRAINT "custody_episode_void_reason_check" CHECK ("void_reason" IN (${inList(VOID_REASONS)}))`);
  }
}
