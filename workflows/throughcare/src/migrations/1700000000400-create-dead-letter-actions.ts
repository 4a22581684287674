import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What operators did with each dead letter (issue 7, "dead-letter operations"): replayed or
 * discarded, by whom, why and when, with the letter itself (headers and payload) kept for the
 * record. The letter is then deleted from THROUGHCARE_DLQ, which holds only the open ones.
 */
export class CreateDeadLetterActions1700000000400 implements MigrationInterface {
  readonly name = 'CreateDeadLetterActions1700000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."dead_letter_action" (
        "dlq_seq"          bigint      PRIMARY KEY,
        "action"           text        NOT NULL CHECK ("action" IN ('REPLAYED', 'DISCARDED')),
        "by"               text        NOT NULL,
        "reason"           text,
        "at"               timestamptz NOT NULL DEFAULT now(),
        "consumer"         text,
        "code"             text,
        "dlq_reason"       text,
        "original_subject" text,
        "event_id"         text,
        "replayed_as_seq"  bigint,
        "headers"          jsonb       NOT NULL,
        "payload"          text        NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "dead_letter_action_at" ON "throughcare"."dead_letter_action" ("at" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."dead_letter_action"`);
  }
}
