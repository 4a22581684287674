import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/** Referrals, their outcomes, first appointments and the agencies' notices: every one names a person. */
export const REFERRAL_PROTECTED_TABLES = [
  'referral',
  'referral_outcome',
  'appointment',
  'agency_notification',
] as const;

/**
 * Issue 8, the second wall: row-level security, enabled and forced. An agency's staff and
 * systems see the rows of their own agency (`agency_id`; an outcome, its referral's), as the
 * service's own agency checks do. The platform's own work (activities, migrations) runs with
 * `throughcare.unrestricted = on`; no scope shows nothing. `referral_agency` reads the referral as
 * the platform (its SET clause), so the outcome policy does not depend on the referral policy.
 */
export class RowLevelSecurity1700000000700 implements MigrationInterface {
  readonly name = 'RowLevelSecurity1700000000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "referral"."referral_agency"(p_referral_id uuid)
      RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$ SELECT r.agency_id FROM "referral"."referral" r WHERE r.id = p_referral_id $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "referral"."referral_agency"(uuid) FROM PUBLIC`);
    for (const table of ['referral', 'appointment', 'agency_notification'])
      for (const sql of protectTableSql(
        `"referral"."${table}"`,
        `${table}_scope`,
        `agency_id = ${rls.agency}`,
      ))
        await queryRunner.query(sql);
    for (const sql of protectTableSql(
      `"referral"."referral_outcome"`,
      'referral_outcome_scope',
      `"referral"."referral_agency"(referral_id) = ${rls.agency}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of REFERRAL_PROTECTED_TABLES)
      for (const sql of unprotectTableSql(`"referral"."${table}"`, `${table}_scope`))
        await queryRunner.query(sql);
    await queryRunner.query(`DROP FUNCTION "referral"."referral_agency"(uuid)`);
  }
}
