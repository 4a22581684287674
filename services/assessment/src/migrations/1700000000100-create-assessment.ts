import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Pathway, RiskOfSeriousHarm } from '@throughcare/contracts';

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * One row per requested assessment. State is not stored: it is derived from the facts
 * (`requested_at`, `due_by`, `completed_at`/`completed_by`), so the table records who did
 * what when and the constraints keep those facts coherent.
 */
export class CreateAssessment1700000000100 implements MigrationInterface {
  readonly name = 'CreateAssessment1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "assessment"."assessment" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "establishment_code" text NOT NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        "kind" text NOT NULL CHECK ("kind" IN ('CORE_SCREEN')),
        "due_by" timestamptz NOT NULL,
        "requested_at" timestamptz NOT NULL,
        "correlation_id" text NOT NULL,
        "completed_at" timestamptz NULL,
        "completed_by" text NULL,
        "completion_recorded_at" timestamptz NULL,
        "needs" text[] NULL CHECK ("needs" <@ ARRAY[${quoted(Pathway.options)}]::text[]),
        "risk_of_serious_harm" text NULL CHECK ("risk_of_serious_harm" IN (${quoted(RiskOfSeriousHarm.options)})),
        CONSTRAINT "assessment_one_per_episode_key" UNIQUE ("person_id", "episode", "kind"),
        CONSTRAINT "assessment_completed_after_requested" CHECK ("completed_at" >= "requested_at"),
        CONSTRAINT "assessment_completion_facts_together" CHECK (
          num_nonnulls("completed_at", "completed_by", "completion_recorded_at", "needs", "risk_of_serious_harm") IN (0, 5)
        )
      )`);
    await queryRunner.query(
      `CREATE INDEX "assessment_requested_idx" ON "assessment"."assessment" ("requested_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "assessment_person_idx" ON "assessment"."assessment" ("person_id", "requested_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "assessment_establishment_idx" ON "assessment"."assessment" ("establishment_code", "requested_at", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "assessment"."assessment"`);
  }
}
