import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SLA ledger (issue 11): a read model built from `throughcare.sla.clocks-reported` on the bus
 * (../oversight/ledger.projector.ts), so it can be dropped and rebuilt by replaying the stream.
 * `ledger_journey` holds the newest report applied per journey, by (reported_at, seq) (a report is a
 * snapshot of all its clocks: older or repeated ones are ignored), and when its case closed;
 * `ledger_clock` one row per clock of that report, under the establishment accountable for it.
 */
export class CreateSlaLedger1700000000600 implements MigrationInterface {
  readonly name = 'CreateSlaLedger1700000000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."ledger_journey" (
        "journey"       text        PRIMARY KEY,
        "person_id"     text        NOT NULL,
        "episode"       int         NOT NULL CHECK ("episode" >= 1),
        "seq"           int         NOT NULL CHECK ("seq" >= 1),
        "reported_at"   timestamptz NOT NULL,
        "stream_seq"    bigint      NOT NULL,
        "closed_at"     timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE "throughcare"."ledger_clock" (
        "journey"            text        NOT NULL REFERENCES "throughcare"."ledger_journey" ("journey") ON DELETE CASCADE,
        "clock_key"          text        NOT NULL,
        "person_id"          text        NOT NULL,
        "episode"            int         NOT NULL CHECK ("episode" >= 1),
        "clock"              text        NOT NULL,
        "status"             text        NOT NULL CHECK ("status" IN ('OPEN', 'MET', 'MET_LATE', 'BREACHED', 'CANCELLED')),
        "owner_kind"         text        NOT NULL CHECK ("owner_kind" IN ('PRISON', 'AGENCY', 'PRISON_AND_AGENCY', 'OTHER')),
        "owed_by"            text        NOT NULL,
        "owed_to"            text        NOT NULL,
        "agency_id"          text,
        "establishment_code" text        NOT NULL,
        "local_authority"    text        NOT NULL,
        "jurisdiction"       text        NOT NULL,
        "pathway"            text,
        "policy_id"          text        NOT NULL,
        "policy_version"     int         NOT NULL,
        "started_at"         timestamptz NOT NULL,
        "due_at"             timestamptz NOT NULL,
        "met_at"             timestamptz,
        "breached_at"        timestamptz,
        "note"               text,
        "reported_at"        timestamptz NOT NULL,
        "journey_closed_at"  timestamptz,
        PRIMARY KEY ("journey", "clock_key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ledger_clock_due" ON "throughcare"."ledger_clock" ("due_at" DESC, "journey" DESC, "clock_key" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "ledger_clock_status_due" ON "throughcare"."ledger_clock" ("status", "due_at" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "ledger_clock_establishment" ON "throughcare"."ledger_clock" ("establishment_code", "status")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ledger_clock_agency" ON "throughcare"."ledger_clock" ("agency_id", "status") WHERE "agency_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ledger_clock_person" ON "throughcare"."ledger_clock" ("person_id", "episode")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."ledger_clock"`);
    await queryRunner.query(`DROP TABLE "throughcare"."ledger_journey"`);
  }
}
