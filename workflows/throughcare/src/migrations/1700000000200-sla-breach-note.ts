import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why a breach was recorded without waiting for its deadline (e.g. the meeting can no longer be held before release). */
export class SlaBreachNote1700000000200 implements MigrationInterface {
  readonly name = 'SlaBreachNote1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "throughcare"."sla_breach" ADD COLUMN "note" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "throughcare"."sla_breach" DROP COLUMN "note"`);
  }
}
