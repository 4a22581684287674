import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Jurisdiction, ReceptionReason, ReleaseReason, Stages } from '@throughcare/contracts';

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * One row per custody episode. Facts carry who and when (`received_*`, `released_*`,
 * `stage_*`); the episode's state is derived from them, never stored as a status.
 */
export class CreateCustodyEpisode1700000000100 implements MigrationInterface {
  readonly name = 'CreateCustodyEpisode1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."custody_episode" (
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "prison_number" text NOT NULL CHECK ("prison_number" ~ '^[A-Z][0-9]{4}[A-Z]{2}$'),
        "establishment_code" text NOT NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        "jurisdiction" text NOT NULL CHECK ("jurisdiction" IN (${inList(Jurisdiction.options)})),
        "home_local_authority" text NOT NULL CHECK ("home_local_authority" ~ '^[SEW][0-9]{8}$'),
        "reception_reason" text NOT NULL CHECK ("reception_reason" IN (${inList(ReceptionReason.options)})),
        "sentence_date" date NOT NULL,
        "sentence_length_days" integer NOT NULL CHECK ("sentence_length_days" > 0),
        "expected_release_date" date NOT NULL CHECK ("expected_release_date" >= "sentence_date"),
        "received_at" timestamptz NOT NULL,
        "received_by" text NOT NULL,
        "released_at" timestamptz NULL,
        "released_by" text NULL,
        "release_establishment_code" text NULL CHECK ("release_establishment_code" ~ '^[A-Z]{3}$'),
        "release_reason" text NULL CHECK ("release_reason" IN (${inList(ReleaseReason.options)})),
        "stage" text NULL CHECK ("stage" IN (${inList(Stages)})),
        "stage_at" timestamptz NULL,
        "stage_recorded_at" timestamptz NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("person_id", "episode"),
        CONSTRAINT "custody_episode_release_facts" CHECK (
          ("released_at" IS NULL AND "released_by" IS NULL AND "release_establishment_code" IS NULL AND "release_reason" IS NULL)
          OR ("released_at" IS NOT NULL AND "released_by" IS NOT NULL AND "release_establishment_code" IS NOT NULL AND "release_reason" IS NOT NULL)
        ),
        CONSTRAINT "custody_episode_release_after_reception" CHECK ("released_at" IS NULL OR "released_at" >= "received_at"),
        CONSTRAINT "custody_episode_stage_facts" CHECK (("stage" IS NULL) = ("stage_at" IS NULL)),
        CONSTRAINT "custody_episode_person_received_at_key" UNIQUE ("person_id", "received_at")
      )`);
    // At most one open episode per person, whatever the application code does.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "custody_episode_one_open_per_person" ON "liberation"."custody_episode" ("person_id")
      WHERE "released_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "liberation"."custody_episode"`);
  }
}
