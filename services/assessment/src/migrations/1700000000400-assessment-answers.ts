import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/**
 * Issue 10: an assessment's answers by pathway, kept as versions (1, 2, …): each save stores the
 * whole set of answers and skips, the question set version asked, who saved it and when. The
 * current answers are the highest version; needs and pathway statuses are derived from them. The
 * establishment is the assessment's (it never changes), so row-level security matches the
 * assessment's own: staff of that establishment.
 */
export class AssessmentAnswers1700000000400 implements MigrationInterface {
  readonly name = 'AssessmentAnswers1700000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "assessment"."assessment_answers" (
        "assessment_id" uuid NOT NULL REFERENCES "assessment"."assessment" ("id"),
        "version" integer NOT NULL CHECK ("version" >= 1),
        "establishment_code" text NOT NULL,
        "question_set_version" integer NOT NULL CHECK ("question_set_version" >= 1),
        "answers" jsonb NOT NULL,
        "skips" jsonb NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "recorded_by" text NOT NULL,
        PRIMARY KEY ("assessment_id", "version")
      )`);
    for (const sql of protectTableSql(
      `"assessment"."assessment_answers"`,
      'assessment_answers_scope',
      `establishment_code = ANY(${rls.establishments})`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"assessment"."assessment_answers"`, 'assessment_answers_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "assessment"."assessment_answers"`);
  }
}
