import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  readOnlyPolicySql,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

/** The tables this migration protects with row-level security. */
export const CONSENT_GIVEN_PROTECTED_TABLES = ['consent_given', 'consent_presumption'] as const;

const agencyAmong = (agencies: string) =>
  `CASE WHEN ${rls.agency} IS NULL THEN false ELSE ${rls.agency} = ANY(${agencies}) END`;

/**
 * Whether consent stands for an episode: the latest consent given is later than its withdrawal (if
 * any), or, with no consent recorded, the episode is presumed (the cut-over) and not withdrawn. As
 * the service's `consentState`.
 */
const CONSENT_STANDS = `
        SELECT CASE
          WHEN g.given_at IS NOT NULL THEN w.withdrawn_at IS NULL OR g.given_at > w.withdrawn_at
          ELSE w.withdrawn_at IS NULL AND EXISTS (
            SELECT 1 FROM "assessment"."consent_presumption" p
             WHERE p.person_id = p_person_id AND p.episode = p_episode)
        END
          FROM (SELECT max(given_at) AS given_at FROM "assessment"."consent_given"
                 WHERE person_id = p_person_id AND episode = p_episode) g,
               (SELECT max(withdrawn_at) AS withdrawn_at FROM "assessment"."consent_withdrawal"
                 WHERE person_id = p_person_id AND episode = p_episode) w`;

/**
 * The agencies an agency read is open to, each function's signature and body: an active referral
 * of the episode (`episode_referral_agencies`, migration 800) while consent stands; of an
 * assessment's episode; of the person's latest episode (migration 800's rule for risk).
 */
const FUNCTIONS: ReadonlyArray<readonly [signature: string, returns: string, body: string]> = [
  [`"episode_consent_stands"(p_person_id text, p_episode integer)`, 'boolean', CONSENT_STANDS],
  [
    `"episode_consented_agencies"(p_person_id text, p_episode integer)`,
    'text[]',
    `SELECT CASE WHEN "assessment"."episode_consent_stands"(p_person_id, p_episode)
                 THEN "assessment"."episode_referral_agencies"(p_person_id, p_episode)
                 ELSE '{}'::text[] END`,
  ],
  [
    `"assessment_consented_agencies"(p_assessment_id uuid)`,
    'text[]',
    `SELECT coalesce((SELECT "assessment"."episode_consented_agencies"(a.person_id, a.episode)
                        FROM "assessment"."assessment" a WHERE a.id = p_assessment_id), '{}'::text[])`,
  ],
  [
    `"person_consented_agencies"(p_person_id text)`,
    'text[]',
    `SELECT coalesce("assessment"."episode_consented_agencies"(p_person_id, (SELECT max(e.episode) FROM (
               SELECT l.episode FROM "assessment"."assessment" l WHERE l.person_id = p_person_id
               UNION ALL
               SELECT l.episode FROM "assessment"."agency_referral" l WHERE l.person_id = p_person_id
             ) e)), '{}'::text[])`,
  ],
];
const SIGNATURES = [
  '"episode_consent_stands"(text, integer)',
  '"episode_consented_agencies"(text, integer)',
  '"assessment_consented_agencies"(uuid)',
  '"person_consented_agencies"(text)',
];

/** The agencies' read policies of the assessment, its answers and the risk: before (migrations 600 and 800) and after. */
const READS: ReadonlyArray<readonly [table: string, before: string, after: string]> = [
  [
    'assessment',
    `"episode_agencies"(person_id, episode)`,
    `"episode_consented_agencies"(person_id, episode)`,
  ],
  [
    'assessment_answers',
    `"assessment_agencies"(assessment_id)`,
    `"assessment_consented_agencies"(assessment_id)`,
  ],
  ['risk_assessment', `"person_agencies"(person_id)`, `"person_consented_agencies"(person_id)`],
];

async function readPolicies(queryRunner: QueryRunner, which: 'before' | 'after'): Promise<void> {
  for (const [table, before, after] of READS) {
    await queryRunner.query(`DROP POLICY "${table}_agency_read" ON "assessment"."${table}"`);
    await queryRunner.query(
      readOnlyPolicySql(
        `"assessment"."${table}"`,
        `${table}_agency_read`,
        agencyAmong(`"assessment".${which === 'before' ? before : after}`),
      ),
    );
  }
}

async function withdrawalKey(queryRunner: QueryRunner, columns: string): Promise<void> {
  await queryRunner.query(`
    ALTER TABLE "assessment"."consent_withdrawal"
      DROP CONSTRAINT "consent_withdrawal_pkey",
      ADD CONSTRAINT "consent_withdrawal_pkey" PRIMARY KEY (${columns})`);
}

/**
 * Issue 10, consent as a recorded fact. Until now consent to voluntary throughcare was presumed
 * when throughcare started and only a withdrawal (migration 200) ended it; an agency read while
 * no withdrawal was recorded.
 *
 * - `consent_given`: the person gave consent for a custody episode, at `given_at`, recorded by
 *   `given_by` (the caller's identity) at `recorded_at`. Append-only: a fact per recording, never
 *   updated or deleted (the application's role may only SELECT and INSERT it); giving consent again
 *   after a withdrawal is a new fact.
 * - `consent_withdrawal` is keyed by its instant too: after consent given again, the person may
 *   withdraw again (a withdrawal must stay as easy as giving consent); the latest counts.
 * - `consent_presumption`: the cut-over. Every episode this service already knows (an assessment or
 *   an agency referral of it) at this migration is marked, once, as presumed under the old rule
 *   (`PRESUMED_BEFORE_CUTOVER`), so the agencies supporting those people are not cut off overnight
 *   and no consent is fabricated. The set is closed: an episode first seen after this migration is
 *   never marked; a recorded consent replaces the presumption, a withdrawal ends it.
 *
 * Row-level security as their neighbour `consent_withdrawal`: prison staff see the facts of an
 * episode one of whose assessments is at one of their establishments (`episode_establishments`,
 * migration 300); an agency reads them while it holds an active referral of the episode
 * (`episode_referral_agencies`, migration 800), writes stay prison staff's.
 *
 * The agencies' read policies of the assessment, its answers and the risk follow consent as the
 * service does (`episode_consent_stands`): migration 800's functions refused after any withdrawal
 * for good, so consent given again after a withdrawal could never reopen the rows, and they admitted
 * an episode with no consent at all. The policies now call the `*_consented_agencies` functions
 * (800's functions stay, unused by these policies; `down` puts the policies back on them).
 * Functions read as the platform (their SET clause), so the policies do not depend on the tables' own.
 */
export class ConsentGiven1700000001100 implements MigrationInterface {
  readonly name = 'ConsentGiven1700000001100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "assessment"."consent_given" (
        "id" uuid NOT NULL,
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "given_at" timestamptz NOT NULL,
        "given_by" text NOT NULL CHECK (btrim("given_by") <> ''),
        "recorded_at" timestamptz NOT NULL,
        CONSTRAINT "consent_given_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE INDEX "consent_given_person_episode_idx"
        ON "assessment"."consent_given" ("person_id", "episode", "given_at")`);
    await queryRunner.query(`
      CREATE TABLE "assessment"."consent_presumption" (
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "marked_at" timestamptz NOT NULL,
        CONSTRAINT "consent_presumption_pkey" PRIMARY KEY ("person_id", "episode")
      )`);
    // As the platform: the tables read here are under forced row-level security.
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    await queryRunner.query(`
      INSERT INTO "assessment"."consent_presumption" ("person_id", "episode", "marked_at")
      SELECT DISTINCT e.person_id, e.episode, date_trunc('milliseconds', now())
        FROM (SELECT person_id, episode FROM "assessment"."assessment"
              UNION
              SELECT person_id, episode FROM "assessment"."agency_referral") e`);
    for (const table of CONSENT_GIVEN_PROTECTED_TABLES) {
      for (const sql of protectTableSql(
        `"assessment"."${table}"`,
        `${table}_scope`,
        `"assessment"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
      ))
        await queryRunner.query(sql);
      await queryRunner.query(
        readOnlyPolicySql(
          `"assessment"."${table}"`,
          `${table}_agency_read`,
          agencyAmong(`"assessment"."episode_referral_agencies"(person_id, episode)`),
        ),
      );
    }
    for (const [signature, returns, body] of FUNCTIONS)
      await queryRunner.query(`
        CREATE FUNCTION "assessment".${signature}
        RETURNS ${returns} LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET throughcare.unrestricted = 'on'
        AS $$${body}
        $$`);
    for (const signature of SIGNATURES)
      await queryRunner.query(`REVOKE ALL ON FUNCTION "assessment".${signature} FROM PUBLIC`);
    await readPolicies(queryRunner, 'after');
    // A withdrawal of a consent given again after the first: one per episode and instant.
    await withdrawalKey(queryRunner, `"person_id", "episode", "withdrawn_at"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to one withdrawal per episode: the first stands (the later ones ended consents given
    // again, which this down drops with `consent_given`).
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    await queryRunner.query(`
      DELETE FROM "assessment"."consent_withdrawal" w
       WHERE EXISTS (SELECT 1 FROM "assessment"."consent_withdrawal" e
                      WHERE e.person_id = w.person_id AND e.episode = w.episode AND e.withdrawn_at < w.withdrawn_at)`);
    await withdrawalKey(queryRunner, `"person_id", "episode"`);
    await readPolicies(queryRunner, 'before');
    for (const signature of [...SIGNATURES].reverse())
      await queryRunner.query(`DROP FUNCTION "assessment".${signature}`);
    for (const table of CONSENT_GIVEN_PROTECTED_TABLES) {
      await queryRunner.query(`DROP POLICY IF EXISTS "${table}_agency_read" ON "assessment"."${table}"`);
      for (const sql of unprotectTableSql(`"assessment"."${table}"`, `${table}_scope`))
        await queryRunner.query(sql);
      await queryRunner.query(`DROP TABLE "assessment"."${table}"`);
    }
  }
}
