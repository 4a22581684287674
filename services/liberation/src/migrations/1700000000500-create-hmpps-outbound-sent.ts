import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The HMPPS outbound adapter's ledger: each platform event it has told on `hmpps.outbound`, so a
 * second copy (a dead letter replayed, a relay re-publish after JetStream's duplicate window) is
 * not told again, and a reversal is told only when what it reverses was. Event ids and types
 * only: nothing about a person.
 */
export class CreateHmppsOutboundSent1700000000500 implements MigrationInterface {
  readonly name = 'CreateHmppsOutboundSent1700000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."hmpps_outbound_sent" (
        "event_id" uuid PRIMARY KEY,
        "event_type" text NOT NULL CHECK (length("event_type") BETWEEN 1 AND 200),
        "sent_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "liberation"."hmpps_outbound_sent"`);
  }
}
