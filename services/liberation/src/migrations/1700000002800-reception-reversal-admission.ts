import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review of stop 37's M5: a reception reversed as recorded in error that had completed an HMPPS
 * admission (a pending reception) no longer reopens it unconditionally. Staff say what the
 * admission was, and the reversal records it:
 *
 * - `custody_episode.void_admission`: `TO_RECEIVE_AGAIN` (the person really is arriving: the
 *   admission is pending again, as migration 2600 made it) or `IN_ERROR` (the admission itself
 *   was wrong: it is void, and nothing completes from it). Null when the reversed reception had
 *   completed no admission, and on every episode not void.
 * - `pending_reception.status` gains `VOID`: an admission closed by such a reversal, keeping the
 *   void episode it had completed (`episode`), who reversed it and when (`resolved_by`/`_at`).
 *
 * Receptions reversed before this (migration 2100's code did not touch the admission) left their
 * admission COMPLETED against the void episode: never pending, never void, never asked about
 * (review of stop 39, M2). They are reopened as the non-destructive decision would reopen them
 * (`TO_RECEIVE_AGAIN`, recorded on the episode): back on the prison's list, to complete again or
 * dismiss. (`down()` then refuses while those decisions are on record.)
 *
 * `down()` takes the tables' locks first (SHARE ROW EXCLUSIVE: no write slips between the check
 * and the change), then refuses (RAISE EXCEPTION) while a decision or a void admission is on
 * record: the rollback would lose it, and a void admission could not be told from a dismissed
 * or pending one. Otherwise it restores both as they were.
 */
export class ReceptionReversalAdmission1700000002800 implements MigrationInterface {
  readonly name = 'ReceptionReversalAdmission1700000002800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD COLUMN "void_admission" text NULL
          CONSTRAINT "custody_episode_void_admission" CHECK ("void_admission" IN ('TO_RECEIVE_AGAIN', 'IN_ERROR')),
        ADD CONSTRAINT "custody_episode_void_admission_void" CHECK ("void_admission" IS NULL OR "voided_at" IS NOT NULL)`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."pending_reception"
        DROP CONSTRAINT "pending_reception_status_check",
        ADD CONSTRAINT "pending_reception_status_check" CHECK ("status" IN ('PENDING', 'COMPLETED', 'DISMISSED', 'VOID')),
        DROP CONSTRAINT "pending_reception_completed_episode",
        ADD CONSTRAINT "pending_reception_completed_episode" CHECK (("status" IN ('COMPLETED', 'VOID')) = ("episode" IS NOT NULL))`);
    // The platform's own work: every row, whatever row-level security scopes.
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    await queryRunner.query(`
      WITH "legacy" AS (
        UPDATE "liberation"."pending_reception" p
           SET "status" = 'PENDING', "episode" = NULL, "resolved_by" = NULL, "resolved_at" = NULL,
               "reopened_after_episode" = e."episode"
          FROM "liberation"."custody_episode" e
         WHERE p."person_id" = e."person_id" AND p."episode" = e."episode"
           AND p."status" = 'COMPLETED' AND e."voided_at" IS NOT NULL AND e."origin" = 'RECEPTION'
        RETURNING e."person_id", e."episode")
      UPDATE "liberation"."custody_episode" c SET "void_admission" = 'TO_RECEIVE_AGAIN'
        FROM "legacy" l WHERE c."person_id" = l."person_id" AND c."episode" = l."episode"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `LOCK TABLE "liberation"."custody_episode", "liberation"."pending_reception" IN SHARE ROW EXCLUSIVE MODE`,
    );
    await queryRunner.query(`
      DO $$
      DECLARE decided integer; voided integer;
      BEGIN
        SELECT count(*) INTO decided FROM "liberation"."custody_episode" WHERE "void_admission" IS NOT NULL;
        SELECT count(*) INTO voided FROM "liberation"."pending_reception" WHERE "status" = 'VOID';
        IF decided > 0 OR voided > 0 THEN
          RAISE EXCEPTION 'liberation: % reception reversals recorded what their admission was and % admissions are void (IN_ERROR): this rollback would lose which; restore a backup instead', decided, voided;
        END IF;
      END $$`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."pending_reception"
        DROP CONSTRAINT "pending_reception_completed_episode",
        ADD CONSTRAINT "pending_reception_completed_episode" CHECK (("status" = 'COMPLETED') = ("episode" IS NOT NULL)),
        DROP CONSTRAINT "pending_reception_status_check",
        ADD CONSTRAINT "pending_reception_status_check" CHECK ("status" IN ('PENDING', 'COMPLETED', 'DISMISSED'))`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_void_admission_void",
        DROP COLUMN "void_admission"`);
  }
}
