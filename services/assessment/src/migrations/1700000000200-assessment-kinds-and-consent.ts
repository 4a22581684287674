import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AssessmentKind } from '@throughcare/contracts';

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * The assessments after the core screen (comprehensive screen, standard reviews, summary
 * review) share the table: every existing row is a core screen and keeps `kind = 'CORE_SCREEN'`.
 * Standard reviews recur, so "one per episode" now holds for every kind but them. Only the core
 * screen records a risk of serious harm and must name who completed it.
 *
 * A consent withdrawal is a fact about a person's episode, not about one assessment: its own
 * table, one row per episode.
 */
export class AssessmentKindsAndConsent1700000000200 implements MigrationInterface {
  readonly name = 'AssessmentKindsAndConsent1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const kinds = ['CORE_SCREEN', ...AssessmentKind.options];
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        DROP CONSTRAINT "assessment_kind_check",
        ADD CONSTRAINT "assessment_kind_check" CHECK ("kind" IN (${quoted(kinds)})),
        DROP CONSTRAINT "assessment_one_per_episode_key",
        DROP CONSTRAINT "assessment_completion_facts_together",
        ADD CONSTRAINT "assessment_completion_facts_together" CHECK (
          num_nonnulls("completed_at", "completion_recorded_at", "needs") IN (0, 3)
          AND ("completed_by" IS NULL OR "completed_at" IS NOT NULL)
        ),
        ADD CONSTRAINT "assessment_core_screen_completion" CHECK (
          "kind" <> 'CORE_SCREEN' OR num_nonnulls("completed_at", "completed_by", "risk_of_serious_harm") IN (0, 3)
        ),
        ADD CONSTRAINT "assessment_risk_only_on_core_screen" CHECK (
          "kind" = 'CORE_SCREEN' OR "risk_of_serious_harm" IS NULL
        )`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "assessment_one_per_episode_key" ON "assessment"."assessment" ("person_id", "episode", "kind")
        WHERE "kind" <> 'STANDARD_REVIEW'`);
    await queryRunner.query(
      `CREATE INDEX "assessment_episode_idx" ON "assessment"."assessment" ("person_id", "episode", "requested_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "assessment"."consent_withdrawal" (
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "withdrawn_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "correlation_id" text NOT NULL,
        PRIMARY KEY ("person_id", "episode")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "assessment"."consent_withdrawal"`);
    await queryRunner.query(`DROP INDEX "assessment"."assessment_episode_idx"`);
    await queryRunner.query(`DROP INDEX "assessment"."assessment_one_per_episode_key"`);
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        DROP CONSTRAINT "assessment_risk_only_on_core_screen",
        DROP CONSTRAINT "assessment_core_screen_completion",
        DROP CONSTRAINT "assessment_completion_facts_together",
        ADD CONSTRAINT "assessment_completion_facts_together" CHECK (
          num_nonnulls("completed_at", "completed_by", "completion_recorded_at", "needs", "risk_of_serious_harm") IN (0, 5)
        ),
        ADD CONSTRAINT "assessment_one_per_episode_key" UNIQUE ("person_id", "episode", "kind"),
        DROP CONSTRAINT "assessment_kind_check",
        ADD CONSTRAINT "assessment_kind_check" CHECK ("kind" IN ('CORE_SCREEN'))`);
  }
}
