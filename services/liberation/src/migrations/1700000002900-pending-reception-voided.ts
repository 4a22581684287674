import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review of stop 39 (N7, N9, N10, N3):
 *
 * - `pending_reception.voided_by` / `voided_at`: who reversed the reception as in error, making the
 *   admission VOID, and when. `resolved_by` / `resolved_at` keep who completed it (2800's code
 *   overwrote them with the reversal's actor). Admissions voided before this get the reversal's
 *   actor and time from `resolved_*` (which is what those held); who completed them is lost.
 *   CHECK: only a VOID admission has them (an older instance, in a rolling deploy, voids without
 *   them and is still allowed to).
 * - `pending_reception_episode_idx`: the admissions an episode's reception completed, looked up by
 *   `completedAdmissions` and the void/reopen updates (`person_id, episode`, COMPLETED or VOID);
 *   `pending_reception_person_idx` is partial on PENDING.
 * - CHECK `custody_episode_void_admission_reception`: what a reversal said of the admission is
 *   only ever recorded on an episode opened by a reception.
 *
 * Locking: `lock_timeout` bounds every wait for a lock (5 s): on a busy table the migration fails
 * with "canceling statement due to lock timeout" rather than queueing every request behind it;
 * the operator retries (the transaction rolled back whole). The CHECKs are added NOT VALID, then
 * validated: the validation scans under a lock that lets reads and writes go on, as referral 2000.
 * The index is built under a SHARE lock on `pending_reception` (writes wait, for a small table).
 * `down()` takes ACCESS EXCLUSIVE on both tables first, never upgrading a weaker lock it holds
 * (an upgrade can deadlock with an application transaction that read and then writes).
 */
export class PendingReceptionVoided1700000002900 implements MigrationInterface {
  readonly name = 'PendingReceptionVoided1700000002900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."pending_reception"
        ADD COLUMN "voided_by" text NULL,
        ADD COLUMN "voided_at" timestamptz NULL,
        ADD CONSTRAINT "pending_reception_voided" CHECK (
          ("voided_by" IS NULL AND "voided_at" IS NULL) OR "status" = 'VOID'
        ) NOT VALID`);
    // The platform's own work: every row, whatever row-level security scopes.
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    await queryRunner.query(`
      UPDATE "liberation"."pending_reception"
         SET "voided_by" = "resolved_by", "voided_at" = "resolved_at"
       WHERE "status" = 'VOID'`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."pending_reception" VALIDATE CONSTRAINT "pending_reception_voided"`,
    );
    await queryRunner.query(
      `CREATE INDEX "pending_reception_episode_idx" ON "liberation"."pending_reception" ("person_id", "episode") WHERE "status" IN ('COMPLETED', 'VOID')`,
    );
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD CONSTRAINT "custody_episode_void_admission_reception" CHECK (
          "void_admission" IS NULL OR "origin" = 'RECEPTION'
        ) NOT VALID`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."custody_episode" VALIDATE CONSTRAINT "custody_episode_void_admission_reception"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(
      `LOCK TABLE "liberation"."custody_episode", "liberation"."pending_reception" IN ACCESS EXCLUSIVE MODE`,
    );
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    // As 2800's code reads a VOID admission: resolved by who voided it.
    await queryRunner.query(`
      UPDATE "liberation"."pending_reception"
         SET "resolved_by" = "voided_by", "resolved_at" = "voided_at"
       WHERE "status" = 'VOID' AND "voided_at" IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."custody_episode" DROP CONSTRAINT "custody_episode_void_admission_reception"`,
    );
    await queryRunner.query(`DROP INDEX "liberation"."pending_reception_episode_idx"`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."pending_reception"
        DROP CONSTRAINT "pending_reception_voided",
        DROP COLUMN "voided_at",
        DROP COLUMN "voided_by"`);
  }
}
