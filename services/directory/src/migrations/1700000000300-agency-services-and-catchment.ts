import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Pathway } from '@throughcare/contracts';
import { AGENCY_SERVICE_SEX } from '../agencies/agency-service.entity';

const pathways = Pathway.options.map((p) => `'${p}'`).join(', ');
const sexes = AGENCY_SERVICE_SEX.map((s) => `'${s}'`).join(', ');

/**
 * The English North East's councils (GSS codes): the Probation Service North East serves them, and
 * each runs a housing options service (seed data, issue 9).
 */
export const NORTH_EAST_AUTHORITIES: Array<[gss: string, council: string]> = [
  ['E06000001', 'Hartlepool Borough Council'],
  ['E06000002', 'Middlesbrough Council'],
  ['E06000003', 'Redcar and Cleveland Borough Council'],
  ['E06000004', 'Stockton-on-Tees Borough Council'],
  ['E06000005', 'Darlington Borough Council'],
  ['E06000047', 'Durham County Council'],
  ['E06000057', 'Northumberland County Council'],
  ['E08000021', 'Newcastle City Council'],
  ['E08000022', 'North Tyneside Council'],
  ['E08000023', 'South Tyneside Council'],
  ['E08000024', 'Sunderland City Council'],
  ['E08000037', 'Gateshead Council'],
];

const SEEDED_BY = 'seed:directory';
/** A seeded row's id: name-based (UUIDv3-shaped md5 of its parts), the same in every environment. */
const seededId = (parts: string) =>
  `overlay(overlay(md5(${parts}) placing '3' from 13) placing '8' from 17)::uuid`;

/**
 * What an agency offers, by resettlement pathway, and where: each agency gets a catchment (the
 * council areas it serves; at first the one it was listed for), opening hours and named points of
 * contact, and its services (pathway, eligibility, capacity) in `agency_service`, searchable by
 * words (full text, prefixes) and by near spellings (pg_trgm).
 *
 * Seed data: every justice social work team and the probation regions offer statutory supervision
 * (ATTITUDES_THINKING_AND_BEHAVIOUR); the Probation Service North East serves the region's twelve
 * councils; every seeded council (the 32 Scottish ones and the twelve of the North East) runs a
 * housing options service (ACCOMMODATION), as each must under its homelessness duties.
 */
export class AgencyServicesAndCatchment1700000000300 implements MigrationInterface {
  readonly name = 'AgencyServicesAndCatchment1700000000300';

  async up(q: QueryRunner): Promise<void> {
    // Trusted since Postgres 13: the database's owner may create it. In `public`, so that every
    // schema reaches it by one name.
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`);
    const trgm = await q.query(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
    );
    const ops = `"${(trgm as Array<{ schema: string }>)[0]!.schema}".gin_trgm_ops`;

    await q.query(`
      ALTER TABLE "directory"."agency"
        ADD COLUMN "catchment" text[] NOT NULL DEFAULT '{}'
          CHECK (cardinality("catchment") <= 400 AND array_position("catchment", NULL) IS NULL),
        ADD COLUMN "opening_hours" jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof("opening_hours") = 'array'),
        ADD COLUMN "contacts" jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof("contacts") = 'array'),
        ADD COLUMN "updated_at" timestamptz,
        ADD COLUMN "updated_by" text`);
    await q.query(`UPDATE "directory"."agency" SET "catchment" = ARRAY["local_authority"]`);
    await q.query(`CREATE INDEX "agency_catchment_idx" ON "directory"."agency" USING gin ("catchment")`);

    await q.query(`
      CREATE TABLE "directory"."agency_service" (
        "id" uuid PRIMARY KEY,
        "agency_id" uuid NOT NULL REFERENCES "directory"."agency" ("id") ON DELETE CASCADE,
        "pathway" text NOT NULL CHECK ("pathway" IN (${pathways})),
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 200),
        "description" text NOT NULL DEFAULT '' CHECK (length("description") <= 2000),
        "sex" text NOT NULL DEFAULT 'ANY' CHECK ("sex" IN (${sexes})),
        "min_age" integer CHECK ("min_age" BETWEEN 0 AND 130),
        "max_age" integer CHECK ("max_age" BETWEEN 0 AND 130),
        "min_sentence_months" integer CHECK ("min_sentence_months" >= 0),
        "max_sentence_months" integer CHECK ("max_sentence_months" >= 0),
        "capacity" integer CHECK ("capacity" >= 0),
        "accepting_referrals" boolean NOT NULL DEFAULT true,
        "search_text" text NOT NULL,
        "search" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "search_text")) STORED,
        CONSTRAINT "agency_service_ages" CHECK ("min_age" IS NULL OR "max_age" IS NULL OR "min_age" <= "max_age"),
        CONSTRAINT "agency_service_sentences" CHECK (
          "min_sentence_months" IS NULL OR "max_sentence_months" IS NULL OR "min_sentence_months" <= "max_sentence_months"),
        CONSTRAINT "agency_service_agency_pathway_name_key" UNIQUE ("agency_id", "pathway", "name")
      )`);
    await q.query(`CREATE INDEX "agency_service_pathway_idx" ON "directory"."agency_service" ("pathway")`);
    await q.query(`CREATE INDEX "agency_service_agency_idx" ON "directory"."agency_service" ("agency_id")`);
    await q.query(
      `CREATE INDEX "agency_service_search_idx" ON "directory"."agency_service" USING gin ("search")`,
    );
    await q.query(
      `CREATE INDEX "agency_service_trgm_idx" ON "directory"."agency_service" USING gin ("search_text" ${ops})`,
    );

    // Every word the services' search text holds, for near spellings: a typed word that matches
    // no word is replaced by the known words most like it (pg_trgm's text-search integration).
    await q.query(`CREATE TABLE "directory"."search_word" ("word" text PRIMARY KEY)`);
    await q.query(
      `CREATE INDEX "search_word_trgm_idx" ON "directory"."search_word" USING gin ("word" ${ops})`,
    );

    // The North East's probation region serves its councils.
    await q.query(
      `UPDATE "directory"."agency" SET "catchment" = $1 WHERE "kind" = 'PROBATION' AND "local_authority" = 'E12000001'`,
      [NORTH_EAST_AUTHORITIES.map(([gss]) => gss)],
    );
    // Statutory supervision, offered by every justice social work team and probation region.
    await q.query(
      `INSERT INTO "directory"."agency_service" ("id", "agency_id", "pathway", "name", "description", "search_text")
       SELECT ${seededId(`a."id"::text || ':supervision'`)}, a."id", 'ATTITUDES_THINKING_AND_BEHAVIOUR', s.name, s.description,
              a."name" || ' ' || s.name || ' ' || s.description || ' attitudes thinking behaviour'
         FROM "directory"."agency" a,
              LATERAL (SELECT CASE a."kind" WHEN 'CJSW' THEN 'Throughcare and statutory supervision' ELSE 'Licence supervision' END AS name,
                              CASE a."kind" WHEN 'CJSW'
                                THEN 'Throughcare assessment in custody, the pre-release plan, and supervision on licence or voluntary throughcare after release'
                                ELSE 'Sentence management in custody and supervision on licence after release' END AS description) s
        WHERE a."created_by" = $1 AND a."kind" IN ('CJSW', 'PROBATION')`,
      [SEEDED_BY],
    );
    // A housing options service in every seeded council area (Scotland's 32 and the North East's 12).
    const councils = await q.query(
      `SELECT "local_authority" AS gss, regexp_replace("name", ' Justice Social Work$', '') AS council
         FROM "directory"."agency" WHERE "created_by" = $1 AND "kind" = 'CJSW'`,
      [SEEDED_BY],
    );
    const housing: Array<[string, string]> = [
      ...(councils as Array<{ gss: string; council: string }>).map((c): [string, string] => [
        c.gss,
        c.council,
      ]),
      ...NORTH_EAST_AUTHORITIES,
    ];
    for (const [gss, council] of housing) {
      const name = `${council} Housing Options`;
      await q.query(
        `INSERT INTO "directory"."agency" ("id", "name", "kind", "local_authority", "contact_point", "created_by", "catchment")
         VALUES (${seededId(`'HOUSING:' || $1::text`)}, $2, 'HOUSING', $1, 'Housing options and homelessness duty team', $3, ARRAY[$1::text])`,
        [gss, name, SEEDED_BY],
      );
      const service = 'Housing options and homelessness assessment';
      const description =
        'Advice on housing before release, a homelessness application and temporary accommodation from the day of release';
      await q.query(
        `INSERT INTO "directory"."agency_service" ("id", "agency_id", "pathway", "name", "description", "search_text")
         VALUES (${seededId(`'HOUSING:' || $1::text || ':options'`)}, ${seededId(`'HOUSING:' || $1::text`)}, 'ACCOMMODATION', $2, $3, $4)`,
        [gss, service, description, `${name} ${service} ${description} accommodation`],
      );
    }
    await q.query(
      `INSERT INTO "directory"."search_word" ("word")
       SELECT "word" FROM ts_stat('SELECT "search" FROM "directory"."agency_service"') ON CONFLICT DO NOTHING`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "directory"."search_word"`);
    await q.query(`DELETE FROM "directory"."agency" WHERE "created_by" = $1 AND "kind" = 'HOUSING'`, [
      SEEDED_BY,
    ]);
    await q.query(`DROP TABLE "directory"."agency_service"`);
    await q.query(`
      ALTER TABLE "directory"."agency"
        DROP COLUMN "catchment", DROP COLUMN "opening_hours", DROP COLUMN "contacts",
        DROP COLUMN "updated_at", DROP COLUMN "updated_by"`);
  }
}
