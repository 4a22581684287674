import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The attrition funnel (issue 11): a read model of each custody episode's steps, built from the
 * bus (../oversight/funnel.projector.ts) so it can be dropped and rebuilt by replaying the stream.
 * Every column is set by a fact in a way that does not depend on the order facts arrive in: the
 * earliest instant of a step, the newest establishment, a union of needs. Which steps a journey
 * reached is worked out when the funnel is read, so the definitions can change without a rebuild.
 */
export class CreateAttritionFunnel1700000000700 implements MigrationInterface {
  readonly name = 'CreateAttritionFunnel1700000000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "throughcare"."funnel_episode" (
        "person_id"           text        NOT NULL,
        "episode"             int         NOT NULL CHECK ("episode" >= 1),
        "received_at"         timestamptz,
        "establishment_code"  text,
        "establishment_at"    timestamptz,
        "local_authority"     text,
        "jurisdiction"        text,
        "voided"              boolean     NOT NULL DEFAULT false,
        "needs"               text[]      NOT NULL DEFAULT '{}',
        "core_screen_at"      timestamptz,
        "comprehensive_at"    timestamptz,
        "referred_at"         timestamptz,
        "accepted_at"         timestamptz,
        "released_at"         timestamptz,
        "release_reason"      text,
        "release_date_reason" text,
        "release_date_changed_at" timestamptz,
        "closed_at"           timestamptz,
        "updated_at"          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("person_id", "episode")
      )`);
    await queryRunner.query(`
      CREATE TABLE "throughcare"."funnel_attendance" (
        "person_id"      text        NOT NULL,
        "episode"        int         NOT NULL,
        "appointment_id" uuid        NOT NULL,
        "attended"       boolean     NOT NULL,
        "attended_at"    timestamptz NOT NULL,
        "recorded_at"    timestamptz NOT NULL,
        PRIMARY KEY ("person_id", "episode", "appointment_id"),
        FOREIGN KEY ("person_id", "episode") REFERENCES "throughcare"."funnel_episode" ("person_id", "episode") ON DELETE CASCADE
      )`);
    // Every release recorded, and those reversed as recorded in error (the episode's release is
    // the earliest standing one, whatever order a release and its reversal arrive in).
    await queryRunner.query(`
      CREATE TABLE "throughcare"."funnel_release" (
        "person_id"   text        NOT NULL,
        "episode"     int         NOT NULL,
        "event_id"    uuid        NOT NULL,
        "released_at" timestamptz,
        "reason"      text,
        "reversed"    boolean     NOT NULL DEFAULT false,
        PRIMARY KEY ("person_id", "episode", "event_id"),
        FOREIGN KEY ("person_id", "episode") REFERENCES "throughcare"."funnel_episode" ("person_id", "episode") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "funnel_episode_received" ON "throughcare"."funnel_episode" ("received_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "funnel_episode_establishment" ON "throughcare"."funnel_episode" ("establishment_code")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "throughcare"."funnel_release"`);
    await queryRunner.query(`DROP TABLE "throughcare"."funnel_attendance"`);
    await queryRunner.query(`DROP TABLE "throughcare"."funnel_episode"`);
  }
}
