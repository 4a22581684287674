import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/**
 * Issue 10, gate arrangements: who collects the person at liberation, where and when, the
 * transport, the travel warrant and the first night's accommodation. Each recording is a version
 * (facts with `*_at` / `*_by`; the current one is the highest), for the liberation date it was
 * made for: when the date moves, the view says the arrangement needs confirming again. Under the
 * same forced row-level security as every custody table.
 */
export class GateArrangement1700000001300 implements MigrationInterface {
  readonly name = 'GateArrangement1700000001300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."gate_arrangement" (
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "version" integer NOT NULL CHECK ("version" >= 1),
        "for_liberation_date" date NOT NULL,
        "arrangement" jsonb NOT NULL,
        "recorded_at" timestamptz NOT NULL,
        "recorded_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        CONSTRAINT "gate_arrangement_pk" PRIMARY KEY ("person_id", "episode", "version"),
        CONSTRAINT "gate_arrangement_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode")
      )`);
    for (const sql of protectTableSql(
      `"liberation"."gate_arrangement"`,
      'gate_arrangement_scope',
      `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of unprotectTableSql(`"liberation"."gate_arrangement"`, 'gate_arrangement_scope'))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."gate_arrangement"`);
  }
}
