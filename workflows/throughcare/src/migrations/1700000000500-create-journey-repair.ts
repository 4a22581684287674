import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journeys their own worker could not replay (the SDK's update-ordering defect,
 * test/chaos/results/README.md §4), one row per failed run, from its detection to its outcome:
 * PENDING (detected; the sweeper works it), RESETTING (reset; the new run is checked for every
 * update the reset had to carry), then RESET, INCOMPLETE (updates the new run would not take),
 * REFUSED (not the defect, or over a bound: an operator acts) or SKIPPED (nothing to do).
 */
export class CreateJourneyRepair1700000000500 implements MigrationInterface {
  readonly name = 'CreateJourneyRepair1700000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."journey_repair" (
        "run_id"            uuid        PRIMARY KEY,
        "workflow_id"       text,
        "status"            text        NOT NULL DEFAULT 'PENDING'
                            CHECK ("status" IN ('PENDING', 'RESETTING', 'RESET', 'INCOMPLETE', 'REFUSED', 'SKIPPED')),
        "why"               text,
        "refused"           text,
        "failure"           text        NOT NULL,
        "failing_event_id"  bigint,
        "detected_build"    text,
        "reset_to_event_id" bigint,
        "update_ids"        text[]      NOT NULL DEFAULT '{}',
        "updates_missing"   text[]      NOT NULL DEFAULT '{}',
        "request_id"        uuid        NOT NULL,
        "new_run_id"        text,
        "attempts"          integer     NOT NULL DEFAULT 0,
        "errors"            integer     NOT NULL DEFAULT 0,
        "reset_at"          timestamptz,
        "last_error"        text,
        "next_at"           timestamptz NOT NULL DEFAULT now(),
        "detected_at"       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        "updated_at"        timestamptz NOT NULL DEFAULT now(),
        CHECK (("status" = 'REFUSED') = ("refused" IS NOT NULL)),
        CHECK ("status" NOT IN ('RESETTING', 'RESET', 'INCOMPLETE') OR ("new_run_id" IS NOT NULL AND "reset_at" IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "journey_repair_due" ON "throughcare"."journey_repair" ("next_at")
         WHERE "status" IN ('PENDING', 'RESETTING')`,
    );
    await queryRunner.query(
      `CREATE INDEX "journey_repair_workflow" ON "throughcare"."journey_repair" ("workflow_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "journey_repair_detected" ON "throughcare"."journey_repair" ("detected_at" DESC, "run_id" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."journey_repair"`);
  }
}
