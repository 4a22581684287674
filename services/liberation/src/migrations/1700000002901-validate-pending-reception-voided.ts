import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Validates the CHECKs 2900 added NOT VALID (review of stop 40, M2), in a transaction of its own:
 * VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE, which lets reads and writes
 * go on (in 2900's transaction, the scan would have run under the ACCESS EXCLUSIVE lock its
 * ALTERs took, every read waiting). `lock_timeout` bounds the wait for that lock (5 s; it
 * conflicts only with other schema changes, VACUUM and index builds): past it the migration fails
 * and the operator retries. Validated, a constraint also holds for the rows written before it.
 * The tables are validated in the application's order (custody_episode, pending_reception,
 * release_date_change).
 *
 * `down()` changes nothing: a validated constraint is the NOT VALID one 2900 added, checked, and
 * 2900's `down()` drops it.
 */
export class ValidatePendingReceptionVoided1700000002901 implements MigrationInterface {
  readonly name = 'ValidatePendingReceptionVoided1700000002901';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    // Every row, whatever row-level security scopes (a CHECK is checked on all of them anyway).
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    await queryRunner.query(
      `ALTER TABLE "liberation"."custody_episode" VALIDATE CONSTRAINT "custody_episode_void_admission_reception"`,
    );
    await queryRunner.query(
      `ALTER TABLE "liberation"."pending_reception" VALIDATE CONSTRAINT "pending_reception_voided"`,
    );
    await queryRunner.query(
      `ALTER TABLE "liberation"."release_date_change" VALIDATE CONSTRAINT "release_date_change_basis_source"`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: see above.
  }
}
