import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why an agency holds a notice (review stop 42, M5): `basis` ADDRESSED (the agency the journey
 * told), OPEN_REFERRAL (a copy for an agency holding an open referral of the episode) or
 * GATE_COLLECTOR (a copy for the agency collecting the person at the gate, which may hold no
 * referral: `basis_reference` names the arrangement's version, e.g. `gate-arrangement-v2`).
 * Null for the notices made before: their basis was not kept. The columns are a catalogue change;
 * the checks are added NOT VALID (no scan under the exclusive lock) and validated by 2501 in a
 * transaction of its own, under a lock that lets reads and writes go on (review stop 43, N2). The
 * table's row-level security covers the columns.
 */
export class AgencyNotificationBasis1700000002500 implements MigrationInterface {
  readonly name = 'AgencyNotificationBasis1700000002500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        ADD COLUMN "basis" text NULL,
        ADD COLUMN "basis_reference" text NULL,
        ADD CONSTRAINT "agency_notification_basis" CHECK (
          "basis" IS NULL OR "basis" IN ('ADDRESSED', 'OPEN_REFERRAL', 'GATE_COLLECTOR')) NOT VALID,
        ADD CONSTRAINT "agency_notification_basis_reference" CHECK (
          ("basis" = 'GATE_COLLECTOR') = ("basis_reference" IS NOT NULL)) NOT VALID`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    // A gate collector's copy holds no referral: its basis is the only record of why the agency
    // was told. Refused while any exist (the audit trail also names them).
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    const [row] = (await queryRunner.query(
      `SELECT count(*)::int AS n FROM "referral"."agency_notification" WHERE "basis" = 'GATE_COLLECTOR'`,
    )) as Array<{ n: number }>;
    if ((row?.n ?? 0) > 0)
      throw new Error(
        `${row!.n} gate collectors' notices on record: rolling back 2500 would lose why those agencies were told`,
      );
    await queryRunner.query(`
      ALTER TABLE "referral"."agency_notification"
        DROP CONSTRAINT "agency_notification_basis_reference",
        DROP CONSTRAINT "agency_notification_basis",
        DROP COLUMN "basis_reference",
        DROP COLUMN "basis"`);
  }
}
