import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rls } from '@throughcare/platform-persistence';

// Frozen with this migration.
const BODY_KINDS = `'LOCAL_AUTHORITY', 'HEALTH_BOARD', 'POLICE_SCOTLAND', 'SKILLS_DEVELOPMENT_SCOTLAND', 'INTEGRATION_JOINT_BOARD'`;
const STATUSES = `'REQUESTED', 'WILL_ENGAGE', 'CANNOT_ENGAGE', 'ENGAGED', 'WITHDRAWN'`;
const MODES = `'MEETING', 'CASE_CONFERENCE', 'PHONE', 'VIDEO', 'WRITTEN'`;

/**
 * Duty to engage (issue 9; Bail and Release from Custody (Scotland) Act 2023 s.12): prison staff
 * ask a named body (a local authority, health board, Police Scotland, Skills Development
 * Scotland, an integration joint board) to engage in a person's release planning by a day they
 * state; the body answers (will engage, or cannot with its reason) and records its engagement;
 * prison staff may withdraw the request. One row per request, its facts each set once.
 *
 * Row-level security: the body's agency (`agency_id`) and the prison responsible for the request
 * (`establishment_code`: the one that asked, or the one holding the person after a transfer) read
 * and change it, the prison that asked still reads it; each route checks which of them may take
 * which action. `answer_recorded_at` is when the answer reached the service: whether it was late
 * is judged by it, not by the `answered_at` the body states.
 */
export class EngagementRequest1700000001800 implements MigrationInterface {
  readonly name = 'EngagementRequest1700000001800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "referral"."engagement_request" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "establishment_code" text NOT NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        "requesting_establishment_code" text NOT NULL CHECK ("requesting_establishment_code" ~ '^[A-Z]{3}$'),
        "agency_id" text NOT NULL CHECK (char_length("agency_id") BETWEEN 1 AND 200),
        "body_kind" text NOT NULL CHECK ("body_kind" IN (${BODY_KINDS})),
        "purpose" text NOT NULL CHECK (char_length("purpose") BETWEEN 1 AND 2000),
        "expected_release_date" date NULL,
        "requested_by" text NOT NULL CHECK (char_length("requested_by") BETWEEN 1 AND 200),
        "requested_at" timestamptz NOT NULL,
        "respond_by" date NOT NULL,
        "status" text NOT NULL CHECK ("status" IN (${STATUSES})),
        "answer" text NULL CHECK ("answer" IN ('WILL_ENGAGE', 'CANNOT_ENGAGE')),
        "answered_at" timestamptz NULL,
        "answer_recorded_at" timestamptz NULL,
        "answered_by" text NULL CHECK (char_length("answered_by") BETWEEN 1 AND 200),
        "answer_reason" text NULL CHECK (char_length("answer_reason") BETWEEN 1 AND 500),
        "contact" text NULL CHECK (char_length("contact") BETWEEN 1 AND 200),
        "engaged_at" timestamptz NULL,
        "engagement_mode" text NULL CHECK ("engagement_mode" IN (${MODES})),
        "engagement_summary" text NULL CHECK (char_length("engagement_summary") BETWEEN 1 AND 2000),
        "withdrawn_at" timestamptz NULL,
        "withdrawal_reason" text NULL CHECK (char_length("withdrawal_reason") BETWEEN 1 AND 500),
        "updated_at" timestamptz NOT NULL,
        "correlation_id" text NOT NULL,
        CONSTRAINT "engagement_request_answered" CHECK (
          ("answer" IS NULL) = ("answered_at" IS NULL)
          AND ("answer" IS NULL) = ("answered_by" IS NULL)
          AND ("answer" IS NULL) = ("answer_recorded_at" IS NULL)
          AND ("status" <> 'REQUESTED' OR "answer" IS NULL)
          AND ("status" NOT IN ('WILL_ENGAGE', 'ENGAGED') OR "answer" IS NOT DISTINCT FROM 'WILL_ENGAGE')
          AND ("status" <> 'CANNOT_ENGAGE' OR "answer" IS NOT DISTINCT FROM 'CANNOT_ENGAGE')
          AND ("status" <> 'WITHDRAWN' OR "answer" IS DISTINCT FROM 'CANNOT_ENGAGE')
          AND ("contact" IS NULL OR "answer" IS NOT NULL)
          AND ("answered_at" IS NULL OR "answered_at" >= "requested_at")),
        CONSTRAINT "engagement_request_cannot_has_reason" CHECK (
          coalesce("answer" = 'CANNOT_ENGAGE', false) = ("answer_reason" IS NOT NULL)),
        CONSTRAINT "engagement_request_engaged" CHECK (
          ("engaged_at" IS NULL) = ("engagement_mode" IS NULL)
          AND ("engaged_at" IS NULL) = ("engagement_summary" IS NULL)
          AND ("status" = 'ENGAGED') = ("engaged_at" IS NOT NULL)
          AND ("engaged_at" IS NULL OR "engaged_at" >= "requested_at")),
        CONSTRAINT "engagement_request_withdrawn" CHECK (
          ("status" = 'WITHDRAWN') = ("withdrawn_at" IS NOT NULL)
          AND ("withdrawn_at" IS NULL) = ("withdrawal_reason" IS NULL)
          AND ("withdrawn_at" IS NULL OR "withdrawn_at" >= "requested_at"))
      )`);
    await queryRunner.query(
      `CREATE INDEX "engagement_request_agency_idx" ON "referral"."engagement_request" ("agency_id", "requested_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "engagement_request_establishment_idx" ON "referral"."engagement_request" ("establishment_code", "requested_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "engagement_request_requesting_idx" ON "referral"."engagement_request" ("requesting_establishment_code", "requested_at", "id")`,
    );
    // One open request per body, person and episode (the service checks it first, under an advisory lock).
    await queryRunner.query(
      `CREATE UNIQUE INDEX "engagement_request_one_open_idx" ON "referral"."engagement_request" ("person_id", "episode", "agency_id")
         WHERE "status" IN ('REQUESTED', 'WILL_ENGAGE')`,
    );
    await queryRunner.query(
      `CREATE INDEX "engagement_request_person_idx" ON "referral"."engagement_request" ("person_id", "episode")`,
    );
    // Per command (hardening over one FOR ALL policy): both sides read; only a prison asks (at its
    // own establishment); the body and the prison responsible change it, and a change keeps it
    // theirs (a prison cannot hand a request to another); nobody deletes one. The prison that
    // asked keeps reading it after a transfer: its statutory record.
    const table = `"referral"."engagement_request"`;
    const reads = `agency_id = ${rls.agency} OR establishment_code = ANY(${rls.establishments}) OR requesting_establishment_code = ANY(${rls.establishments})`;
    const changes = `agency_id = ${rls.agency} OR establishment_code = ANY(${rls.establishments})`;
    for (const sql of [
      `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY "engagement_request_read" ON ${table} FOR SELECT USING (${rls.policy(reads)})`,
      `CREATE POLICY "engagement_request_ask" ON ${table} FOR INSERT WITH CHECK (${rls.policy(
        `establishment_code = ANY(${rls.establishments}) AND requesting_establishment_code = establishment_code`,
      )})`,
      `CREATE POLICY "engagement_request_change" ON ${table} FOR UPDATE USING (${rls.policy(changes)}) WITH CHECK (${rls.policy(changes)})`,
    ])
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "referral"."engagement_request"`);
  }
}
