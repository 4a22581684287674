import { refuseRollbackWhileRows } from '@throughcare/platform-persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A re-plan apply that stopped (its workflow failed, was terminated, cancelled or timed out) read
 * APPLYING for ever. Now:
 *
 * - `apply_cursor` / `apply_progress`: the last episode the apply step finished a page at, and
 *   its counts so far, written by each page (the activity) as it completes: where a resumed run
 *   starts, never before a person already done;
 * - `apply_failed_at`, `apply_failure_status` (FAILED, TERMINATED, CANCELLED, TIMED_OUT),
 *   `apply_failure_reason`, `apply_failed_workflow_run_id` (the run recorded: recording is once a
 *   run), `apply_failed_cursor`, `apply_failed_progress`: the stop, recorded when the service
 *   first reads the run after it (status FAILED);
 * - `apply_resumed_at`, `apply_resumed_by`, `apply_resumes`: the last resume (POST
 *   …/resume) and how many; a run is FAILED while its last failure is after its last resume.
 *
 * Columns only (a catalogue change, no scan); the table's row-level security covers them. Reverting
 * is refused while a run's apply stands stopped (FAILED, not resumed since): its cursor is what a
 * resume needs, and the code before this migration would show it APPLYING for ever (review stop
 * 42, N4).
 */
export class ReplanApplyFailure1700000003300 implements MigrationInterface {
  readonly name = 'ReplanApplyFailure1700000003300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."replan_run"
        ADD COLUMN "apply_cursor" jsonb NULL,
        ADD COLUMN "apply_progress" jsonb NULL,
        ADD COLUMN "apply_failed_at" timestamptz NULL,
        ADD COLUMN "apply_failure_status" text NULL,
        ADD COLUMN "apply_failure_reason" text NULL,
        ADD COLUMN "apply_failed_workflow_run_id" text NULL,
        ADD COLUMN "apply_failed_cursor" jsonb NULL,
        ADD COLUMN "apply_failed_progress" jsonb NULL,
        ADD COLUMN "apply_resumed_at" timestamptz NULL,
        ADD COLUMN "apply_resumed_by" text NULL,
        ADD COLUMN "apply_resumes" integer NOT NULL DEFAULT 0,
        ADD CONSTRAINT "replan_run_apply_failure_status" CHECK (
          "apply_failure_status" IS NULL OR "apply_failure_status" IN ('FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT')
        )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await refuseRollbackWhileRows(
      queryRunner,
      '"liberation"."replan_run"',
      're-plan apply(s) stopped and not resumed',
      'resume or record them before reverting (their cursor is what a resume needs)',
      `"apply_failed_at" IS NOT NULL AND ("apply_resumed_at" IS NULL OR "apply_resumed_at" < "apply_failed_at")`,
    );
    await queryRunner.query(`
      ALTER TABLE "liberation"."replan_run"
        DROP CONSTRAINT "replan_run_apply_failure_status",
        DROP COLUMN "apply_cursor",
        DROP COLUMN "apply_progress",
        DROP COLUMN "apply_failed_at",
        DROP COLUMN "apply_failure_status",
        DROP COLUMN "apply_failure_reason",
        DROP COLUMN "apply_failed_workflow_run_id",
        DROP COLUMN "apply_failed_cursor",
        DROP COLUMN "apply_failed_progress",
        DROP COLUMN "apply_resumed_at",
        DROP COLUMN "apply_resumed_by",
        DROP COLUMN "apply_resumes"`);
  }
}
