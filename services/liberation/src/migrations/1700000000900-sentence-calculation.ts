import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/**
 * Issue 10: the sentences of a custody episode and the dates calculated from them, kept as
 * versions (1, 2, …): each recording stores what staff entered (`input`), the policy table's
 * answer with every date's explanation (`calculation`), and the release date it set. The current
 * calculation is the highest version; a version is never updated, so the list is the history of
 * who entered what and when. Row-level security as for every custody table: staff of an
 * establishment involved in the episode.
 */
export class SentenceCalculation1700000000900 implements MigrationInterface {
  readonly name = 'SentenceCalculation1700000000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."sentence_calculation" (
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "version" integer NOT NULL CHECK ("version" >= 1),
        "jurisdiction" text NOT NULL CHECK ("jurisdiction" IN ('SCOTLAND', 'ENGLAND_AND_WALES')),
        "input" jsonb NOT NULL,
        "calculation" jsonb NOT NULL,
        "as_at" date NOT NULL,
        "release_date_type" text NULL CHECK ("release_date_type" IN ('CRD', 'ARD')),
        "release_date" date NULL,
        "policy_ids" text[] NOT NULL DEFAULT '{}',
        "recorded_at" timestamptz NOT NULL,
        "recorded_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        PRIMARY KEY ("person_id", "episode", "version"),
        CONSTRAINT "sentence_calculation_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "sentence_calculation_release_date" CHECK (("release_date" IS NULL) = ("release_date_type" IS NULL))
      )`);
    for (const sql of protectTableSql(
      `"liberation"."sentence_calculation"`,
      'sentence_calculation_scope',
      `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"liberation"."sentence_calculation"`, 'sentence_calculation_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."sentence_calculation"`);
  }
}
