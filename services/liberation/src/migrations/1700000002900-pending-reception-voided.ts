import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review of stop 39 (N7, N9, N10, N3) and of stop 40 (S1):
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
 * - `release_date_change.basis_source`: how a PAROLE or EARLY_RELEASE decision's calculation
 *   version was set: NAMED (the version it named, checked) or LATEST_ON_ARRIVAL (the latest when
 *   it arrived, unchecked: an upstream event, or a client naming none during the transition). Null
 *   on rows before it (their basis is the latest on arrival too) and on other reasons.
 *
 * Locking (review of stop 40, M2): `lock_timeout` bounds every wait for a lock (5 s): on a busy
 * table the migration fails with "canceling statement due to lock timeout" rather than queueing
 * every request behind it, and the operator retries (the transaction rolled back whole). It first
 * takes ACCESS EXCLUSIVE on `custody_episode`, `pending_reception` and `release_date_change`, in
 * that order, the order the application's transactions touch them (a reception or its reversal
 * writes the episode, then the admissions; a release-date change reads the episode, then writes
 * its change), so it never holds one while waiting for another an application transaction holds
 * while waiting for the first (a deadlock). Each ALTER takes ACCESS EXCLUSIVE anyway; taken at
 * the start, no weaker lock is ever upgraded. So every read and write of the three tables waits
 * until this commits: for the column additions and NOT VALID constraints (catalogue changes, no
 * scan), the backfill of VOID admissions and the index on `pending_reception` (a small table).
 * The constraints are validated by 2901, in a transaction of its own, under SHARE UPDATE
 * EXCLUSIVE: that scan lets reads and writes go on.
 */
export class PendingReceptionVoided1700000002900 implements MigrationInterface {
  readonly name = 'PendingReceptionVoided1700000002900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(
      `LOCK TABLE "liberation"."custody_episode", "liberation"."pending_reception", "liberation"."release_date_change" IN ACCESS EXCLUSIVE MODE`,
    );
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
      `CREATE INDEX "pending_reception_episode_idx" ON "liberation"."pending_reception" ("person_id", "episode") WHERE "status" IN ('COMPLETED', 'VOID')`,
    );
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD CONSTRAINT "custody_episode_void_admission_reception" CHECK (
          "void_admission" IS NULL OR "origin" = 'RECEPTION'
        ) NOT VALID`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."release_date_change"
        ADD COLUMN "basis_source" text NULL,
        ADD CONSTRAINT "release_date_change_basis_source" CHECK (
          "basis_source" IN ('NAMED', 'LATEST_ON_ARRIVAL')
        ) NOT VALID`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(
      `LOCK TABLE "liberation"."custody_episode", "liberation"."pending_reception", "liberation"."release_date_change" IN ACCESS EXCLUSIVE MODE`,
    );
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."release_date_change"
        DROP CONSTRAINT "release_date_change_basis_source",
        DROP COLUMN "basis_source"`);
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
