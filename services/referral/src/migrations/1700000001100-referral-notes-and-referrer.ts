import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  readOnlyPolicySql,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

// Frozen with this migration.
const AUDIENCES = `'AGENCY', 'REFERRER'`;
const NOTE_TEXT_MAX = 4000;

/**
 * The closed loop back to prison staff (issue 9): the prison responsible for a referral reads it,
 * with the agency's decisions, its closure summary and the case notes the agency shared with
 * prison staff. That is the prison it was sent from until the journey tells this service of a
 * transfer; then the prison now holding the person (the one that referred no longer reads it).
 *
 * - `referral.establishment_code`: that prison (NULL for referrals sent before it was recorded:
 *   prison staff cannot read those through this service, and a transfer does not give them one).
 * - `referral_note`: an agency's case notes on its referral, each for the agency itself or shared
 *   with the referrer (`audience`), with who wrote it (a role or team), when, and when it reached us.
 * - Row-level security: a referral and its decisions are also readable by a scope naming its
 *   establishment; a note is its agency's (the agency of its referral), and a REFERRER note also
 *   readable by the referral's prison. Reads only (policies FOR SELECT): every write stays the agency's or the platform's.
 *   `referral_establishment` reads the referral as the platform, as `referral_agency` does.
 */
export class ReferralNotesAndReferrer1700000001100 implements MigrationInterface {
  readonly name = 'ReferralNotesAndReferrer1700000001100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."referral"
        ADD COLUMN "establishment_code" text NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$')`);
    await queryRunner.query(
      `CREATE INDEX "referral_establishment_person_idx" ON "referral"."referral" ("establishment_code", "person_id", "sent_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "referral_establishment_sent_idx" ON "referral"."referral" ("establishment_code", "sent_at", "id")`,
    );
    await queryRunner.query(`
      CREATE FUNCTION "referral"."referral_establishment"(p_referral_id uuid)
      RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$ SELECT r.establishment_code FROM "referral"."referral" r WHERE r.id = p_referral_id $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION "referral"."referral_establishment"(uuid) FROM PUBLIC`);

    // Read only: a policy FOR SELECT adds to what the FOR ALL policies (agency only) show, and
    // writes stay the agency's (permissive policies are OR-ed per command).
    await queryRunner.query(
      readOnlyPolicySql(
        `"referral"."referral"`,
        'referral_prison_read',
        `establishment_code = ANY(${rls.establishments})`,
      ),
    );
    await queryRunner.query(
      readOnlyPolicySql(
        `"referral"."referral_outcome"`,
        'referral_outcome_prison_read',
        `"referral"."referral_establishment"(referral_id) = ANY(${rls.establishments})`,
      ),
    );

    await queryRunner.query(`
      CREATE TABLE "referral"."referral_note" (
        "id" uuid PRIMARY KEY,
        "referral_id" uuid NOT NULL REFERENCES "referral"."referral" ("id"),
        "agency_id" text NOT NULL,
        "audience" text NOT NULL CHECK ("audience" IN (${AUDIENCES})),
        "text" text NOT NULL CHECK (char_length("text") BETWEEN 1 AND ${NOTE_TEXT_MAX}),
        "written_by" text NOT NULL CHECK (char_length("written_by") BETWEEN 1 AND 200),
        "written_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "correlation_id" text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "referral_note_referral_idx" ON "referral"."referral_note" ("referral_id", "written_at", "id")`,
    );
    for (const sql of protectTableSql(
      `"referral"."referral_note"`,
      'referral_note_scope',
      // The note's agency is its referral's (a foreign key alone ignores row-level security).
      `agency_id = ${rls.agency} AND "referral"."referral_agency"(referral_id) = agency_id`,
    ))
      await queryRunner.query(sql);
    await queryRunner.query(
      readOnlyPolicySql(
        `"referral"."referral_note"`,
        'referral_note_prison_read',
        `audience = 'REFERRER' AND "referral"."referral_agency"(referral_id) = agency_id
         AND "referral"."referral_establishment"(referral_id) = ANY(${rls.establishments})`,
      ),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"referral"."referral_note"`, 'referral_note_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "referral"."referral_note"`);
    await queryRunner.query(`DROP POLICY "referral_outcome_prison_read" ON "referral"."referral_outcome"`);
    await queryRunner.query(`DROP POLICY "referral_prison_read" ON "referral"."referral"`);
    await queryRunner.query(`DROP FUNCTION "referral"."referral_establishment"(uuid)`);
    await queryRunner.query(`DROP INDEX "referral"."referral_establishment_sent_idx"`);
    await queryRunner.query(`DROP INDEX "referral"."referral_establishment_person_idx"`);
    await queryRunner.query(`ALTER TABLE "referral"."referral" DROP COLUMN "establishment_code"`);
  }
}
