import type { MigrationInterface, QueryRunner } from 'typeorm';
import { readOnlyPolicySql, rls } from '@throughcare/platform-persistence';

/**
 * The referral is active (migration 700): sent, not ended, not DECLINED or WITHDRAWN by the agency.
 * Written as 700 wrote it, so `down` puts back 700's functions exactly (the migrations spec compares).
 */
const ACTIVE = `r.ended_at IS NULL AND r.agency_id IS NOT NULL AND (r.decision IS NULL OR r.decision NOT IN ('DECLINED', 'WITHDRAWN'))`;

/** The person has not withdrawn consent for the referral's episode. */
const CONSENTED = `NOT EXISTS (SELECT 1 FROM "assessment"."consent_withdrawal" w
                        WHERE w.person_id = r.person_id AND w.episode = r.episode)`;

/**
 * The person's latest episode as this service knows it: the highest episode of their assessments
 * or of the referrals the bus told it of. Either is evidence that the episode exists, so a
 * referral of episode 2 recorded before its first assessment still closes the person's risk to
 * the agencies of episode 1.
 */
const LATEST_EPISODE = `(SELECT max(e.episode) FROM (
            SELECT l.episode FROM "assessment"."assessment" l WHERE l.person_id = r.person_id
            UNION ALL
            SELECT l.episode FROM "assessment"."agency_referral" l WHERE l.person_id = r.person_id
          ) e)`;

const EPISODE = `FROM "assessment"."agency_referral" r WHERE r.person_id = p_person_id AND r.episode = p_episode`;
const ASSESSMENT = `FROM "assessment"."assessment" a
       JOIN "assessment"."agency_referral" r ON r.person_id = a.person_id AND r.episode = a.episode
      WHERE a.id = p_assessment_id`;
const PERSON = `FROM "assessment"."agency_referral" r WHERE r.person_id = p_person_id`;

/** Each function's signature and the FROM and WHERE of its query over `agency_referral r`, as of 700. */
const BEFORE: ReadonlyArray<readonly [signature: string, from: string]> = [
  [`"episode_agencies"(p_person_id text, p_episode integer)`, EPISODE],
  [`"assessment_agencies"(p_assessment_id uuid)`, ASSESSMENT],
  [`"person_agencies"(p_person_id text)`, PERSON],
];

/** The same functions with consent (and, for risk, the latest episode), and the plain referral test. */
const AFTER: ReadonlyArray<readonly [signature: string, from: string]> = [
  [`"episode_agencies"(p_person_id text, p_episode integer)`, `${EPISODE} AND ${CONSENTED}`],
  [`"assessment_agencies"(p_assessment_id uuid)`, `${ASSESSMENT} AND ${CONSENTED}`],
  [`"person_agencies"(p_person_id text)`, `${PERSON} AND r.episode = ${LATEST_EPISODE} AND ${CONSENTED}`],
  [`"episode_referral_agencies"(p_person_id text, p_episode integer)`, EPISODE],
];
const REFERRAL_FUNCTION = `"assessment"."episode_referral_agencies"(text, integer)`;

const agencyAmong = (agencies: string) =>
  `CASE WHEN ${rls.agency} IS NULL THEN false ELSE ${rls.agency} = ANY(${agencies}) END`;

async function defineFunctions(
  queryRunner: QueryRunner,
  functions: ReadonlyArray<readonly [signature: string, from: string]>,
): Promise<void> {
  for (const [signature, from] of functions)
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "assessment".${signature}
      RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$
        SELECT coalesce(array_agg(DISTINCT r.agency_id), '{}'::text[])
          ${from} AND ${ACTIVE}
      $$`);
}

async function consentPolicyOn(queryRunner: QueryRunner, fn: string): Promise<void> {
  await queryRunner.query(
    `DROP POLICY IF EXISTS "consent_withdrawal_agency_read" ON "assessment"."consent_withdrawal"`,
  );
  await queryRunner.query(
    readOnlyPolicySql(
      `"assessment"."consent_withdrawal"`,
      'consent_withdrawal_agency_read',
      agencyAmong(`"assessment".${fn}(person_id, episode)`),
    ),
  );
}

/**
 * The agencies' read policies follow consent (review of the agency read path, M2): the policies of
 * migrations 600 and 700 admitted an agency with an active referral whatever the person's consent,
 * so after a withdrawal the agency's scope could still select every answer, and a person's risk
 * (with its reasons) was open to an active referral of ANY of their episodes.
 *
 * - `episode_agencies` and `assessment_agencies` (the `assessment` and `assessment_answers`
 *   policies) also require that no consent withdrawal is recorded for the episode;
 * - `person_agencies` (the `risk_assessment` policy) admits only an active referral of the
 *   person's latest episode (LATEST_EPISODE: the highest of their assessments' and referrals'
 *   episodes), without a withdrawal of it: once episode 2 exists, episode 1's agencies see no risk;
 * - `consent_withdrawal` keeps the plain referral test (`episode_referral_agencies`, new here), so
 *   the agency still sees the withdrawal that ends its access.
 *
 * The functions read `consent_withdrawal` as the platform (their SET clause), so the policies do
 * not depend on its own.
 */
export class AgencyReadConsent1700000000800 implements MigrationInterface {
  readonly name = 'AgencyReadConsent1700000000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await defineFunctions(queryRunner, AFTER);
    await queryRunner.query(`REVOKE ALL ON FUNCTION ${REFERRAL_FUNCTION} FROM PUBLIC`);
    await consentPolicyOn(queryRunner, `"episode_referral_agencies"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await consentPolicyOn(queryRunner, `"episode_agencies"`);
    await queryRunner.query(`DROP FUNCTION ${REFERRAL_FUNCTION}`);
    await defineFunctions(queryRunner, BEFORE);
  }
}
