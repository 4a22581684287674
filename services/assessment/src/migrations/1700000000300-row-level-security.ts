import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/** The assessments (needs, risk of serious harm) and the consent withdrawals of their episodes. */
export const ASSESSMENT_PROTECTED_TABLES = ['assessment', 'consent_withdrawal'] as const;

/**
 * Issue 8, the second wall: row-level security, enabled and forced. Prison staff see the
 * assessments at their establishments, and the consent of an episode one of whose assessments is
 * at one of them (as `episodeInScope`, the first wall, decides). The platform's own work
 * (activities, migrations) runs with `throughcare.unrestricted = on`; no scope shows nothing.
 * `episode_establishments` reads the assessments as the platform (its SET clause), so the consent
 * policy does not depend on the assessment policy.
 */
export class RowLevelSecurity1700000000300 implements MigrationInterface {
  readonly name = 'RowLevelSecurity1700000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "assessment"."episode_establishments"(p_person_id text, p_episode integer)
      RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$
        SELECT coalesce(array_agg(DISTINCT a.establishment_code), '{}'::text[])
          FROM "assessment"."assessment" a
         WHERE a.person_id = p_person_id AND a.episode = p_episode
      $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION "assessment"."episode_establishments"(text, integer) FROM PUBLIC`,
    );
    for (const sql of protectTableSql(
      `"assessment"."assessment"`,
      'assessment_scope',
      `establishment_code = ANY(${rls.establishments})`,
    ))
      await queryRunner.query(sql);
    for (const sql of protectTableSql(
      `"assessment"."consent_withdrawal"`,
      'consent_withdrawal_scope',
      `"assessment"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ASSESSMENT_PROTECTED_TABLES)
      for (const sql of unprotectTableSql(`"assessment"."${table}"`, `${table}_scope`))
        await queryRunner.query(sql);
    await queryRunner.query(`DROP FUNCTION "assessment"."episode_establishments"(text, integer)`);
  }
}
