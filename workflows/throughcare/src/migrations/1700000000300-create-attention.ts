import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator list of attention items: one row per item of a journey (person, episode, item id),
 * its latest state (open or resolved, with the resolution). Rows are written by the journey's
 * `recordAttention` activity; the journey itself is the source of truth.
 */
export class CreateAttention1700000000300 implements MigrationInterface {
  readonly name = 'CreateAttention1700000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."attention_item" (
        "person_id"   text        NOT NULL,
        "episode"     int         NOT NULL,
        "item_id"     text        NOT NULL,
        "action"      text        NOT NULL,
        "what"        text        NOT NULL,
        "error_type"  text,
        "must_act"    text        NOT NULL,
        "since"       timestamptz NOT NULL,
        "options"     text[]      NOT NULL,
        "status"      text        NOT NULL CHECK ("status" IN ('OPEN', 'RESOLVED')),
        "resolution"  jsonb,
        "updated_at"  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("person_id", "episode", "item_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "attention_item_status_since" ON "throughcare"."attention_item" ("status", "since" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."attention_item"`);
  }
}
