import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/** Prison staff see an episode's supervision facts where one of its assessments is at their establishments (as consent). */
const EPISODE_SCOPE = `"assessment"."episode_establishments"(person_id, episode) && ${rls.establishments}`;

const FUNCTION_OPTIONS = `LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET throughcare.unrestricted = 'on'`;

/**
 * Migration 1100's `episode_consented_agencies`, restored by `down`. Copied, not imported: a
 * migration freezes the SQL it runs, and 1100 is released (never edited, not even to export it).
 */
const CONSENTED_1100 = `SELECT CASE "assessment"."episode_consent_state"(p_person_id, p_episode)
              WHEN 'GIVEN' THEN "assessment"."episode_referral_agencies"(p_person_id, p_episode)
              WHEN 'PRESUMED_BEFORE_CUTOVER' THEN ARRAY(
                SELECT unnest("assessment"."episode_referral_agencies"(p_person_id, p_episode))
                INTERSECT
                SELECT p.agency_id FROM "assessment"."consent_presumption" p
                 WHERE p.person_id = p_person_id AND p.episode = p_episode AND p.presumed_until > now())
              ELSE '{}'::text[] END`;

/**
 * The agencies supervising the episode by statute now: for each agency, its latest recorded fact
 * (a later recording corrects or ends an earlier one) whose period holds now, [starts_at, ends_at).
 */
const SUPERVISING = `SELECT coalesce(array_agg(s.agency_id ORDER BY s.agency_id), '{}'::text[]) FROM (
          SELECT DISTINCT ON (f.agency_id) f.agency_id, f.starts_at, f.ends_at
            FROM "assessment"."statutory_supervision" f
           WHERE f.person_id = p_person_id AND f.episode = p_episode
           ORDER BY f.agency_id, f.recorded_at DESC, f.id DESC) s
         WHERE s.starts_at <= now() AND now() < s.ends_at`;

/**
 * With statutory supervision: the agencies consent admits (1100), and the supervising agencies that
 * hold an active referral of the episode (the pathways are still the referral's: the policies only
 * decide whether the agency's scope sees the episode at all).
 */
const CONSENTED_OR_SUPERVISED = `SELECT ARRAY(
          SELECT unnest((${CONSENTED_1100}))
          UNION
          (SELECT unnest("assessment"."episode_referral_agencies"(p_person_id, p_episode))
           INTERSECT
           SELECT unnest("assessment"."episode_supervising_agencies"(p_person_id, p_episode))))`;

/**
 * Statutory supervision as a lawful basis of the agency read (review stop 41 follow-up).
 *
 * `statutory_supervision`: a fact, recorded by prison staff of the episode's establishments from
 * the licence issued at release (`recorded_by`, `recorded_at`), that an agency (the supervising
 * criminal-justice social work team or probation) supervises the person by statute for the
 * episode from `starts_at` to `ends_at` (`kind` LICENCE). Append-only: the latest fact of an
 * (episode, agency) is in force, so a correction, a variation or an early end is a new fact.
 * Row-level security as `consent_given`: prison staff of the episode's establishments; agencies
 * read none of it (the agency read decides unrestricted).
 *
 * `episode_consented_agencies` (migration 1100, behind the agencies' read policies of the
 * assessment, its answers and the risk) now also admits a supervising agency that holds an active
 * referral, inside the period, whatever the consent (the service's `accessOf` applies the same
 * rule). `down` restores 1100's body and refuses once a fact is recorded (facts are never destroyed).
 */
export class StatutorySupervision1700000001201 implements MigrationInterface {
  readonly name = 'StatutorySupervision1700000001201';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      CREATE TABLE "assessment"."statutory_supervision" (
        "id" uuid NOT NULL,
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "agency_id" text NOT NULL CHECK (btrim("agency_id") <> ''),
        "kind" text NOT NULL CHECK ("kind" IN ('LICENCE')),
        "starts_at" timestamptz NOT NULL,
        "ends_at" timestamptz NOT NULL CHECK ("ends_at" > "starts_at"),
        "recorded_by" text NOT NULL CHECK (btrim("recorded_by") <> ''),
        "recorded_at" timestamptz NOT NULL,
        CONSTRAINT "statutory_supervision_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE INDEX "statutory_supervision_episode_idx"
        ON "assessment"."statutory_supervision" ("person_id", "episode", "agency_id", "recorded_at")`);
    for (const sql of protectTableSql(
      `"assessment"."statutory_supervision"`,
      'statutory_supervision_scope',
      EPISODE_SCOPE,
    ))
      await queryRunner.query(sql);
    await queryRunner.query(`
      CREATE FUNCTION "assessment"."episode_supervising_agencies"(p_person_id text, p_episode integer)
        RETURNS text[] ${FUNCTION_OPTIONS}
        AS $$${SUPERVISING}
        $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION "assessment"."episode_supervising_agencies"(text, integer) FROM PUBLIC`,
    );
    await consented(queryRunner, CONSENTED_OR_SUPERVISED);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    const [{ recorded }] = (await queryRunner.query(
      `SELECT EXISTS (SELECT 1 FROM "assessment"."statutory_supervision") AS recorded`,
    )) as [{ recorded: boolean }];
    if (recorded)
      throw new Error(
        'Migration 1201 cannot be reverted: statutory_supervision holds facts; reverting would destroy them',
      );
    await consented(queryRunner, CONSENTED_1100);
    await queryRunner.query(`DROP FUNCTION "assessment"."episode_supervising_agencies"(text, integer)`);
    for (const sql of unprotectTableSql(
      `"assessment"."statutory_supervision"`,
      'statutory_supervision_scope',
    ))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "assessment"."statutory_supervision"`);
  }
}

async function consented(queryRunner: QueryRunner, body: string): Promise<void> {
  await queryRunner.query(`
    CREATE OR REPLACE FUNCTION "assessment"."episode_consented_agencies"(p_person_id text, p_episode integer)
      RETURNS text[] ${FUNCTION_OPTIONS}
      AS $$${body}
      $$`);
}
