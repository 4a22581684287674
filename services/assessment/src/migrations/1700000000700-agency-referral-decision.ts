import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An agency's own decision on a referral ends its access too (review of stop 36, S1): a referral
 * the agency DECLINED or WITHDREW from (`referral.referral.outcome-recorded`) is not active, though
 * it is neither closed nor withdrawn by the referrer. The latest decision by `decided_at` stands (an
 * agency may reconsider: DECLINED, then ACCEPTED). The three functions behind the agencies' read
 * policies (migration 600) are redefined with the same rule as the service's.
 */
const ACTIVE = (decision: boolean) =>
  `r.ended_at IS NULL AND r.agency_id IS NOT NULL${
    decision ? ` AND (r.decision IS NULL OR r.decision NOT IN ('DECLINED', 'WITHDRAWN'))` : ''
  }`;

const FUNCTIONS: ReadonlyArray<readonly [signature: string, from: string]> = [
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

async function defineFunctions(queryRunner: QueryRunner, decision: boolean): Promise<void> {
  for (const [signature, from] of FUNCTIONS)
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "assessment".${signature}
      RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$
        SELECT coalesce(array_agg(DISTINCT r.agency_id), '{}'::text[])
          ${from} AND ${ACTIVE(decision)}
      $$`);
}

export class AgencyReferralDecision1700000000700 implements MigrationInterface {
  readonly name = 'AgencyReferralDecision1700000000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "assessment"."agency_referral"
        ADD COLUMN "decision" text NULL
          CHECK ("decision" IN ('MORE_INFORMATION_REQUESTED', 'ON_WAITING_LIST', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')),
        ADD COLUMN "decided_at" timestamptz NULL,
        ADD COLUMN "decision_event_id" uuid NULL,
        ADD CONSTRAINT "agency_referral_decided_together"
          CHECK (num_nonnulls("decision", "decided_at", "decision_event_id") IN (0, 3))`);
    await defineFunctions(queryRunner, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await defineFunctions(queryRunner, false);
    await queryRunner.query(`
      ALTER TABLE "assessment"."agency_referral"
        DROP CONSTRAINT "agency_referral_decided_together",
        DROP COLUMN "decision_event_id",
        DROP COLUMN "decided_at",
        DROP COLUMN "decision"`);
  }
}
