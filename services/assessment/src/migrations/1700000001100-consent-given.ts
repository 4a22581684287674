import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  readOnlyPolicySql,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

/** The tables of a person's facts this migration protects with row-level security (and `consent_cutover`, the platform's alone). */
export const CONSENT_GIVEN_PROTECTED_TABLES = ['consent_given', 'consent_presumption'] as const;

/** How long the cut-over's presumption lasts from its marking (S2): `presumed_until`. */
export const PRESUMPTION_DAYS = 90;

/** Prison staff see an episode's consent facts where one of its assessments is at their establishments. */
const EPISODE_SCOPE = `"assessment"."episode_establishments"(person_id, episode) && ${rls.establishments}`;

const agencyAmong = (agencies: string) =>
  `CASE WHEN ${rls.agency} IS NULL THEN false ELSE ${rls.agency} = ANY(${agencies}) END`;

/**
 * The episode's consent state, derived from its facts as the service's `consentState` derives it
 * (review stop 41, S1: fail closed on recording order):
 * - no withdrawal: GIVEN with any consent recorded; else PRESUMED_BEFORE_CUTOVER while a cut-over
 *   mark of the episode has not passed its `presumed_until`; else NONE.
 * - with withdrawals: GIVEN only for a consent recorded after every withdrawal was recorded AND
 *   given after every withdrawal's instant; else WITHDRAWN. A withdrawal thus ends every consent
 *   recorded before it, whatever the dates keyed in; ties fail closed.
 */
const CONSENT_STATE = `
        SELECT CASE
          WHEN w.recorded_at IS NULL THEN CASE
            WHEN EXISTS (SELECT 1 FROM "assessment"."consent_given" g
                          WHERE g.person_id = p_person_id AND g.episode = p_episode) THEN 'GIVEN'
            WHEN EXISTS (SELECT 1 FROM "assessment"."consent_presumption" p
                          WHERE p.person_id = p_person_id AND p.episode = p_episode
                            AND p.presumed_until > now()) THEN 'PRESUMED_BEFORE_CUTOVER'
            ELSE 'NONE' END
          WHEN EXISTS (SELECT 1 FROM "assessment"."consent_given" g
                        WHERE g.person_id = p_person_id AND g.episode = p_episode
                          AND g.recorded_at > w.recorded_at AND g.given_at > w.withdrawn_at) THEN 'GIVEN'
          ELSE 'WITHDRAWN'
        END
          FROM (SELECT max(recorded_at) AS recorded_at, max(withdrawn_at) AS withdrawn_at
                  FROM "assessment"."consent_withdrawal"
                 WHERE person_id = p_person_id AND episode = p_episode) w`;

/**
 * The agencies an agency read is open to, each function's signature and body: an active referral
 * of the episode (`episode_referral_agencies`, migration 800) while consent stands; of an
 * assessment's episode; of the person's latest episode (migration 800's rule for risk).
 */
const FUNCTIONS: ReadonlyArray<readonly [signature: string, returns: string, body: string]> = [
  [`"episode_consent_state"(p_person_id text, p_episode integer)`, 'text', CONSENT_STATE],
  [
    `"episode_consent_stands"(p_person_id text, p_episode integer)`,
    'boolean',
    `SELECT "assessment"."episode_consent_state"(p_person_id, p_episode) IN ('GIVEN', 'PRESUMED_BEFORE_CUTOVER')`,
  ],
  // On the presumption, only the agencies marked at the cut-over, until their mark passes (S2).
  [
    `"episode_consented_agencies"(p_person_id text, p_episode integer)`,
    'text[]',
    `SELECT CASE "assessment"."episode_consent_state"(p_person_id, p_episode)
              WHEN 'GIVEN' THEN "assessment"."episode_referral_agencies"(p_person_id, p_episode)
              WHEN 'PRESUMED_BEFORE_CUTOVER' THEN ARRAY(
                SELECT unnest("assessment"."episode_referral_agencies"(p_person_id, p_episode))
                INTERSECT
                SELECT p.agency_id FROM "assessment"."consent_presumption" p
                 WHERE p.person_id = p_person_id AND p.episode = p_episode AND p.presumed_until > now())
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
  '"episode_consent_state"(text, integer)',
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
 * - `consent_withdrawal` is keyed by its instant and recording too: after consent given again, the
 *   person may withdraw again (a withdrawal must stay as easy as giving consent). A withdrawal ends
 *   every consent recorded before it; a consent reopens access only if recorded after every
 *   withdrawal and given after it (`episode_consent_state`, fail closed on recording order).
 * - `consent_presumption`: the cut-over, once (`consent_cutover` records it: a re-run of `up` after a
 *   `down` marks nothing). Only the relationships active now are marked: (person, episode, agency)
 *   for each agency holding a sent referral, not ended, declined or withdrawn, of an episode with no
 *   withdrawal; each until `presumed_until` (PRESUMPTION_DAYS after the marking). A new agency, a
 *   later referral, a withdrawn episode or an episode with no active referral is never presumed.
 *   Presumed consent is not UK GDPR consent: see README for the transitional basis (a decision for
 *   the controller). Written by the migration only (the app role may only read it, M4).
 *
 * Row-level security as their neighbour `consent_withdrawal`: prison staff see the facts of an
 * episode one of whose assessments is at one of their establishments (`episode_establishments`,
 * migration 300); agencies read none of them (data minimisation, N4: the agency read decides
 * unrestricted). `consent_cutover` is the platform's alone. `down` refuses to run once consent is
 * recorded or an episode was withdrawn twice (facts are never destroyed, S3), and leaves the
 * cut-over's tables in place.
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
    // Bounds every wait for a lock (stop 40 M2, stop 41 M5): the policies and the key below take
    // ACCESS EXCLUSIVE locks; behind a long read this fails and rolls back instead of queueing.
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
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
    await protect(queryRunner, 'consent_given', EPISODE_SCOPE);
    // The cut-over's tables survive a `down` (S3): created, protected and filled once.
    if (!(await queryRunner.hasTable('assessment.consent_presumption'))) {
      await queryRunner.query(`
        CREATE TABLE "assessment"."consent_cutover" (
          "id" boolean NOT NULL DEFAULT true CHECK ("id"),
          "marked_at" timestamptz NOT NULL,
          "presumed_until" timestamptz NOT NULL,
          "marked" integer NOT NULL CHECK ("marked" >= 0),
          CONSTRAINT "consent_cutover_pkey" PRIMARY KEY ("id")
        )`);
      await queryRunner.query(`
        CREATE TABLE "assessment"."consent_presumption" (
          "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
          "episode" integer NOT NULL CHECK ("episode" >= 1),
          "agency_id" text NOT NULL,
          "marked_at" timestamptz NOT NULL,
          "presumed_until" timestamptz NOT NULL CHECK ("presumed_until" > "marked_at"),
          CONSTRAINT "consent_presumption_pkey" PRIMARY KEY ("person_id", "episode", "agency_id")
        )`);
      await protect(queryRunner, 'consent_presumption', EPISODE_SCOPE);
      // The platform's alone: no person, no establishment.
      for (const sql of protectTableSql(`"assessment"."consent_cutover"`, 'consent_cutover_scope', 'false'))
        await queryRunner.query(sql);
    }
    // As the platform: the tables read here are under forced row-level security.
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    const [{ recorded }] = (await queryRunner.query(
      `SELECT EXISTS (SELECT 1 FROM "assessment"."consent_cutover") AS recorded`,
    )) as [{ recorded: boolean }];
    if (!recorded) {
      // Only the relationships active now: an agency holding a sent referral, not ended, declined
      // or withdrawn, of an episode with no withdrawal of consent; each until PRESUMPTION_DAYS pass.
      await queryRunner.query(`
        WITH cutover AS (SELECT date_trunc('milliseconds', now()) AS marked_at),
        marked AS (
          INSERT INTO "assessment"."consent_presumption"
            ("person_id", "episode", "agency_id", "marked_at", "presumed_until")
          SELECT DISTINCT r.person_id, r.episode, r.agency_id, c.marked_at,
                 c.marked_at + make_interval(days => ${PRESUMPTION_DAYS})
            FROM "assessment"."agency_referral" r, cutover c
           WHERE r.sent_at IS NOT NULL AND r.ended_at IS NULL AND r.agency_id IS NOT NULL
             AND (r.decision IS NULL OR r.decision NOT IN ('DECLINED', 'WITHDRAWN'))
             AND NOT EXISTS (SELECT 1 FROM "assessment"."consent_withdrawal" w
                              WHERE w.person_id = r.person_id AND w.episode = r.episode)
          RETURNING 1)
        INSERT INTO "assessment"."consent_cutover" ("marked_at", "presumed_until", "marked")
        SELECT c.marked_at, c.marked_at + make_interval(days => ${PRESUMPTION_DAYS}), (SELECT count(*) FROM marked)
          FROM cutover c`);
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
    // A withdrawal of a consent given again after the first: one per episode, instant and
    // recording (the same instant again after a re-consent is recorded anew: it ends that consent).
    await withdrawalKey(queryRunner, `"person_id", "episode", "withdrawn_at", "recorded_at"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    // Facts are never destroyed by a rollback (S3): consent given is the proof of consent, and a
    // later withdrawal ended one; migration 200's key holds one withdrawal per episode.
    const [{ given, repeated }] = (await queryRunner.query(`
      SELECT EXISTS (SELECT 1 FROM "assessment"."consent_given") AS given,
             EXISTS (SELECT 1 FROM "assessment"."consent_withdrawal"
                      GROUP BY person_id, episode HAVING count(*) > 1) AS repeated`)) as [
      {
        given: boolean;
        repeated: boolean;
      },
    ];
    if (given || repeated)
      throw new Error(
        'Migration 1100 cannot be reverted: consent_given holds consent facts or an episode has more than one withdrawal; reverting would destroy them',
      );
    await withdrawalKey(queryRunner, `"person_id", "episode"`);
    await readPolicies(queryRunner, 'before');
    for (const signature of [...SIGNATURES].reverse())
      await queryRunner.query(`DROP FUNCTION "assessment".${signature}`);
    // consent_given is empty here; consent_presumption and consent_cutover stay (the cut-over is
    // recorded once: a later `up` does not mark again).
    for (const sql of unprotectTableSql(`"assessment"."consent_given"`, 'consent_given_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "assessment"."consent_given"`);
  }
}

async function protect(queryRunner: QueryRunner, table: string, scoped: string): Promise<void> {
  for (const sql of protectTableSql(`"assessment"."${table}"`, `${table}_scope`, scoped))
    await queryRunner.query(sql);
}
