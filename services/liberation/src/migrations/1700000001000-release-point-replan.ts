import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/**
 * Issue 10, bulk re-plan: a change of release point for a cohort.
 * - `replan_run`: one requested change (the policy record, why, for which establishments), its
 *   dry run and its apply step, with their counts. Seen by staff of any establishment it covers.
 * - `replan_item`: one episode the dry run found moving (old and new dates), and what the apply
 *   step did with it. Seen by staff of the establishment holding the person at the dry run.
 * - `adopted_release_point`: release-point records adopted by an applied re-plan; every later
 *   calculation reads the released table with these on top. Not personal data: not scoped.
 */
export class ReleasePointReplan1700000001000 implements MigrationInterface {
  readonly name = 'ReleasePointReplan1700000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."replan_run" (
        "id" uuid PRIMARY KEY,
        "jurisdiction" text NOT NULL CHECK ("jurisdiction" IN ('SCOTLAND', 'ENGLAND_AND_WALES')),
        "policy_id" text NOT NULL,
        "policy" jsonb NOT NULL,
        "reason" text NOT NULL CHECK (char_length("reason") BETWEEN 1 AND 500),
        "establishments" text[] NOT NULL CHECK (cardinality("establishments") >= 1),
        "as_at" date NOT NULL,
        "page_size" integer NOT NULL CHECK ("page_size" BETWEEN 1 AND 1000),
        "pause_ms" integer NOT NULL CHECK ("pause_ms" BETWEEN 0 AND 60000),
        "pages_per_run" integer NOT NULL CHECK ("pages_per_run" BETWEEN 1 AND 1000),
        "requested_at" timestamptz NOT NULL,
        "requested_by" text NOT NULL,
        "dry_run_done_at" timestamptz NULL,
        "scanned" integer NULL,
        "affected" integer NULL,
        "apply_requested_at" timestamptz NULL,
        "apply_requested_by" text NULL,
        "applied_at" timestamptz NULL,
        "applied" integer NULL,
        "skipped" integer NULL,
        "correlation_id" text NOT NULL,
        CONSTRAINT "replan_run_apply_after_dry_run" CHECK ("apply_requested_at" IS NULL OR "dry_run_done_at" IS NOT NULL),
        CONSTRAINT "replan_run_applied_after_requested" CHECK ("applied_at" IS NULL OR "apply_requested_at" IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE INDEX "replan_run_requested_idx" ON "liberation"."replan_run" ("requested_at" DESC, "id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "liberation"."replan_item" (
        "run_id" uuid NOT NULL REFERENCES "liberation"."replan_run" ("id"),
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "establishment_code" text NOT NULL,
        "version_before" integer NOT NULL,
        "release_date_type" text NOT NULL CHECK ("release_date_type" IN ('CRD', 'ARD')),
        "old_release_date" date NOT NULL,
        "new_release_date" date NOT NULL,
        "old_dates" jsonb NOT NULL,
        "new_dates" jsonb NOT NULL,
        "status" text NOT NULL DEFAULT 'PROPOSED' CHECK ("status" IN ('PROPOSED', 'APPLIED', 'SKIPPED')),
        "skip_reason" text NULL,
        "applied_version" integer NULL,
        "decided_at" timestamptz NULL,
        PRIMARY KEY ("run_id", "person_id", "episode"),
        CONSTRAINT "replan_item_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "replan_item_decided" CHECK (("status" = 'PROPOSED') = ("decided_at" IS NULL)),
        CONSTRAINT "replan_item_skipped" CHECK (("status" = 'SKIPPED') = ("skip_reason" IS NOT NULL)),
        CONSTRAINT "replan_item_applied" CHECK (("status" = 'APPLIED') = ("applied_version" IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE "liberation"."adopted_release_point" (
        "policy_id" text NOT NULL,
        "version" integer NOT NULL CHECK ("version" >= 1),
        "record" jsonb NOT NULL,
        "run_id" uuid NOT NULL UNIQUE REFERENCES "liberation"."replan_run" ("id"),
        "adopted_at" timestamptz NOT NULL,
        PRIMARY KEY ("policy_id", "version")
      )`);
    for (const sql of protectTableSql(
      `"liberation"."replan_run"`,
      'replan_run_scope',
      `"establishments" && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
    for (const sql of protectTableSql(
      `"liberation"."replan_item"`,
      'replan_item_scope',
      `ARRAY["establishment_code"] && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"liberation"."replan_item"`, 'replan_item_scope'))
      await queryRunner.query(sql);
    for (const sql of unprotectTableSql(`"liberation"."replan_run"`, 'replan_run_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."adopted_release_point"`);
    await queryRunner.query(`DROP TABLE "liberation"."replan_item"`);
    await queryRunner.query(`DROP TABLE "liberation"."replan_run"`);
  }
}
