import type { MigrationInterface, QueryRunner } from 'typeorm';
import { LikelihoodOfReoffending, RiskOfSeriousHarm, RiskRise } from '@throughcare/contracts';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** The tables this migration protects with row-level security. */
export const RISK_PROTECTED_TABLES = ['risk_assessment'] as const;

/**
 * Issue 10: a person's risk assessments, kept as versions (1, 2, …), never updated: the likelihood
 * of reoffending, the risk of serious harm, the reasons in words, the date assessed, the MAPPA
 * category and level (both or neither), who recorded it and when, and what rose against the
 * version before (`rises`, derived once at recording). The current risk is the highest version.
 *
 * Risk is the person's, not one establishment's: a person is the caller's when an assessment of
 * their latest custody episode is at one of the caller's establishments (`person_establishments`,
 * as `episode_establishments` of migration 300 does for consent). Row-level security and the
 * service's own check both read it, so the two walls agree; it reads the assessments as the
 * platform (its SET clause), so the policy does not depend on the assessment policy.
 */
export class RiskAssessment1700000000500 implements MigrationInterface {
  readonly name = 'RiskAssessment1700000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "assessment"."person_establishments"(p_person_id text)
      RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$
        SELECT coalesce(array_agg(DISTINCT a.establishment_code), '{}'::text[])
          FROM "assessment"."assessment" a
         WHERE a.person_id = p_person_id
           AND a.episode = (SELECT max(l.episode) FROM "assessment"."assessment" l WHERE l.person_id = p_person_id)
      $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "assessment"."person_establishments"(text) FROM PUBLIC`);
    await queryRunner.query(`
      CREATE TABLE "assessment"."risk_assessment" (
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "version" integer NOT NULL CHECK ("version" >= 1),
        "likelihood_of_reoffending" text NOT NULL
          CHECK ("likelihood_of_reoffending" IN (${quoted(LikelihoodOfReoffending.options)})),
        "risk_of_serious_harm" text NOT NULL
          CHECK ("risk_of_serious_harm" IN (${quoted(RiskOfSeriousHarm.options)})),
        "reasons" text NOT NULL CHECK (btrim("reasons") <> '' AND char_length("reasons") <= 4000),
        "assessed_on" date NOT NULL,
        "mappa_category" smallint NULL CHECK ("mappa_category" BETWEEN 1 AND 4),
        "mappa_level" smallint NULL CHECK ("mappa_level" BETWEEN 1 AND 3),
        "rises" text[] NOT NULL CHECK ("rises" <@ ARRAY[${quoted(RiskRise.options)}]::text[]),
        "recorded_at" timestamptz NOT NULL,
        "recorded_by" text NOT NULL,
        CONSTRAINT "risk_assessment_person_version_key" PRIMARY KEY ("person_id", "version"),
        CONSTRAINT "risk_assessment_mappa_together" CHECK (num_nonnulls("mappa_category", "mappa_level") IN (0, 2)),
        CONSTRAINT "risk_assessment_first_rises_nothing" CHECK ("version" > 1 OR "rises" = '{}')
      )`);
    for (const sql of protectTableSql(
      `"assessment"."risk_assessment"`,
      'risk_assessment_scope',
      `"assessment"."person_establishments"(person_id) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"assessment"."risk_assessment"`, 'risk_assessment_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "assessment"."risk_assessment"`);
    await queryRunner.query(`DROP FUNCTION "assessment"."person_establishments"(text)`);
  }
}
