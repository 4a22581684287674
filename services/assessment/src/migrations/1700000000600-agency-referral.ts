import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  readOnlyPolicySql,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

/** The tables this migration protects with row-level security. */
export const AGENCY_REFERRAL_PROTECTED_TABLES = ['agency_referral'] as const;

/**
 * The scope's agency is one of `agencies`; the CASE calls the function only for an agency's
 * scope, so prison staff's reads (no agency) pay nothing for these policies.
 */
const agencyAmong = (agencies: string) =>
  `CASE WHEN ${rls.agency} IS NULL THEN false ELSE ${rls.agency} = ANY(${agencies}) END`;

/** The read policies this migration adds to the tables of migrations 300, 400 and 500, by table. */
const AGENCY_READS: ReadonlyArray<readonly [table: string, scoped: string]> = [
  ['assessment', agencyAmong(`"assessment"."episode_agencies"(person_id, episode)`)],
  ['assessment_answers', agencyAmong(`"assessment"."assessment_agencies"(assessment_id)`)],
  ['consent_withdrawal', agencyAmong(`"assessment"."episode_agencies"(person_id, episode)`)],
  ['risk_assessment', agencyAmong(`"assessment"."person_agencies"(person_id)`)],
];

/**
 * The agencies holding an active referral of an episode, of an assessment's episode, of a person:
 * each function's signature and the FROM and WHERE of its query over `agency_referral r`.
 */
const AGENCY_FUNCTIONS: ReadonlyArray<readonly [signature: string, from: string]> = [
  [
    `"episode_agencies"(p_person_id text, p_episode integer)`,
    `FROM "assessment"."agency_referral" r WHERE r.person_id = p_person_id AND r.episode = p_episode`,
  ],
  [
    `"assessment_agencies"(p_assessment_id uuid)`,
    `FROM "assessment"."assessment" a
       JOIN "assessment"."agency_referral" r ON r.person_id = a.person_id AND r.episode = a.episode
      WHERE a.id = p_assessment_id`,
  ],
  [
    `"person_agencies"(p_person_id text)`,
    `FROM "assessment"."agency_referral" r WHERE r.person_id = p_person_id`,
  ],
];
const FUNCTIONS = [
  `"assessment"."episode_agencies"(text, integer)`,
  `"assessment"."assessment_agencies"(uuid)`,
  `"assessment"."person_agencies"(text)`,
];

/**
 * Issue 10: an agency reads the shared assessment of a person only while it holds an active
 * referral for them. This service learns of referrals from the bus (`referral.referral.sent`,
 * `.closed`, `.withdrawn`, consumer `assessment-agency-referrals`) into `agency_referral`, one row
 * per referral: the sent facts (agency, pathways, sentAt) and the end (closed or withdrawn), each
 * set once whichever arrives first. A referral is active when it was sent and has not ended; an
 * end that arrives before its sent leaves a row with no agency, so the sent, when it comes, never
 * opens access.
 *
 * The second wall for agencies: `agency_referral` is visible to its agency only; the assessment,
 * its answers, the episode's consent and the person's risk become readable (SELECT only: writes
 * stay prison staff's) by an agency with an active referral for that episode (the person, for
 * risk). The functions read the referrals as the platform (their SET clause), so these policies do
 * not depend on `agency_referral`'s own. Which pathways of the assessment the agency sees is the
 * service's rule (the first wall): a row holds every pathway.
 */
export class AgencyReferral1700000000600 implements MigrationInterface {
  readonly name = 'AgencyReferral1700000000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "assessment"."agency_referral" (
        "referral_id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "agency_id" text NULL,
        "pathways" text[] NULL,
        "sent_at" timestamptz NULL,
        "sent_event_id" uuid NULL,
        "ended_at" timestamptz NULL,
        "ended_by" text NULL CHECK ("ended_by" IN ('CLOSED', 'WITHDRAWN')),
        "end_event_id" uuid NULL,
        "recorded_at" timestamptz NOT NULL,
        CONSTRAINT "agency_referral_sent_together"
          CHECK (num_nonnulls("agency_id", "pathways", "sent_at", "sent_event_id") IN (0, 4)),
        CONSTRAINT "agency_referral_ended_together"
          CHECK (num_nonnulls("ended_at", "ended_by", "end_event_id") IN (0, 3)),
        CONSTRAINT "agency_referral_sent_or_ended" CHECK ("agency_id" IS NOT NULL OR "ended_at" IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE INDEX "agency_referral_active_idx" ON "assessment"."agency_referral" ("person_id", "episode", "agency_id")
       WHERE "ended_at" IS NULL AND "agency_id" IS NOT NULL`);
    for (const [signature, from] of AGENCY_FUNCTIONS)
      await queryRunner.query(`
        CREATE FUNCTION "assessment".${signature}
        RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET throughcare.unrestricted = 'on'
        AS $$
          SELECT coalesce(array_agg(DISTINCT r.agency_id), '{}'::text[])
            ${from} AND r.ended_at IS NULL AND r.agency_id IS NOT NULL
        $$`);
    for (const fn of FUNCTIONS) await queryRunner.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    for (const sql of protectTableSql(
      `"assessment"."agency_referral"`,
      'agency_referral_scope',
      `agency_id = ${rls.agency}`,
    ))
      await queryRunner.query(sql);
    for (const [table, scoped] of AGENCY_READS)
      await queryRunner.query(readOnlyPolicySql(`"assessment"."${table}"`, `${table}_agency_read`, scoped));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of AGENCY_READS)
      await queryRunner.query(`DROP POLICY IF EXISTS "${table}_agency_read" ON "assessment"."${table}"`);
    for (const sql of unprotectTableSql(`"assessment"."agency_referral"`, 'agency_referral_scope'))
      await queryRunner.query(sql);
    for (const fn of FUNCTIONS) await queryRunner.query(`DROP FUNCTION ${fn}`);
    await queryRunner.query(`DROP TABLE "assessment"."agency_referral"`);
  }
}
