import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outcome measures (issue 11; seed 001 §5.6): convictions from `justice.person.reconvicted`, kept
 * per person (a conviction is the person's, not an episode's: which release it follows is worked
 * out when the measures are read), and the agencies each custody episode received a service from
 * (a referral accepted, an appointment attended), for attribution; why each case closed; the
 * version of each release after corrections. Built from the bus by the
 * funnel's consumer (../oversight/funnel.projector.ts).
 */
export class CreateOutcomes1700000000800 implements MigrationInterface {
  readonly name = 'CreateOutcomes1700000000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."outcome_conviction" (
        "conviction_id" uuid        PRIMARY KEY,
        "person_id"     text        NOT NULL,
        "offence_date"  date        NOT NULL,
        "convicted_on"  date        NOT NULL,
        "seriousness"   text        NOT NULL CHECK ("seriousness" IN ('MINOR', 'MODERATE', 'SERIOUS', 'VERY_SERIOUS')),
        "recorded_at"   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "outcome_conviction_person" ON "throughcare"."outcome_conviction" ("person_id", "offence_date")`,
    );
    await queryRunner.query(
      `ALTER TABLE "throughcare"."funnel_episode" ADD COLUMN "agencies_received" text[] NOT NULL DEFAULT '{}'`,
    );
    // Why the case closed (the funnel tells drop-out from closures that are not: death, deportation,
    // a move out of the jurisdiction, a return to custody), and each release's correction version.
    await queryRunner.query(`ALTER TABLE "throughcare"."funnel_episode" ADD COLUMN "close_reason" text`);
    await queryRunner.query(
      `ALTER TABLE "throughcare"."funnel_release" ADD COLUMN "version" int NOT NULL DEFAULT 1`,
    );
    // Where each read model's (re)build began on the bus: when the events stream no longer held
    // its first message then, facts older than that one's are missing (the stream keeps 30 days).
    await queryRunner.query(`
      CREATE TABLE "throughcare"."read_model_origin" (
        "read_model"       text        PRIMARY KEY,
        "built_at"         timestamptz NOT NULL,
        "stream_first_seq" bigint      NOT NULL,
        "complete_since"   timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX "funnel_episode_released" ON "throughcare"."funnel_episode" ("released_at") WHERE "released_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "throughcare"."funnel_episode_released"`);
    await queryRunner.query(`DROP TABLE "throughcare"."read_model_origin"`);
    await queryRunner.query(`ALTER TABLE "throughcare"."funnel_release" DROP COLUMN "version"`);
    await queryRunner.query(`ALTER TABLE "throughcare"."funnel_episode" DROP COLUMN "close_reason"`);
    await queryRunner.query(`ALTER TABLE "throughcare"."funnel_episode" DROP COLUMN "agencies_received"`);
    await queryRunner.query(`DROP TABLE "throughcare"."outcome_conviction"`);
  }
}
