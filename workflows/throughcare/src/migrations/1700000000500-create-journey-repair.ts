import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journeys the orchestrator reset because their own worker could not replay them (the SDK's
 * update-ordering defect, test/chaos/results/README.md §4), and those it refused to reset: one
 * row per failed run. `CLAIMED` is a reset under way (its request id makes a retry idempotent).
 */
export class CreateJourneyRepair1700000000500 implements MigrationInterface {
  readonly name = 'CreateJourneyRepair1700000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."journey_repair" (
        "run_id"            uuid        PRIMARY KEY,
        "workflow_id"       text        NOT NULL,
        "outcome"           text        NOT NULL CHECK ("outcome" IN ('CLAIMED', 'RESET', 'REFUSED')),
        "refused"           text,
        "failure"           text        NOT NULL,
        "failing_event_id"  bigint,
        "reset_to_event_id" bigint,
        "update_ids"        text[]      NOT NULL DEFAULT '{}',
        "request_id"        uuid        NOT NULL,
        "new_run_id"        text,
        "claimed_at"        timestamptz NOT NULL DEFAULT now(),
        "at"                timestamptz NOT NULL DEFAULT now(),
        CHECK (("outcome" = 'REFUSED') = ("refused" IS NOT NULL)),
        CHECK ("outcome" <> 'RESET' OR ("new_run_id" IS NOT NULL AND "reset_to_event_id" IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "journey_repair_workflow" ON "throughcare"."journey_repair" ("workflow_id", "at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "journey_repair_at" ON "throughcare"."journey_repair" ("at" DESC, "run_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."journey_repair"`);
  }
}
