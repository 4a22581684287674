import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ReleaseDateChangeReason } from '@throughcare/contracts';

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * Changes of plan. `release_date_change` keeps every move of an episode's expected release
 * date (the current one is the latest change's, else the reception's); `gate_pickup` holds
 * the transport bookings the journey makes for a liberation date, cancelled (never deleted)
 * when the date no longer holds.
 */
export class CreateReleaseDateChangeAndGatePickup1700000000200 implements MigrationInterface {
  readonly name = 'CreateReleaseDateChangeAndGatePickup1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "liberation"."release_date_change" (
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "change_number" integer NOT NULL CHECK ("change_number" >= 1),
        "previous_expected_release_date" date NOT NULL,
        "expected_release_date" date NOT NULL CHECK ("expected_release_date" <> "previous_expected_release_date"),
        "reason" text NOT NULL CHECK ("reason" IN (${inList(ReleaseDateChangeReason.options)})),
        "changed_at" timestamptz NOT NULL,
        "changed_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        PRIMARY KEY ("person_id", "episode", "change_number"),
        CONSTRAINT "release_date_change_episode_fkey" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode")
      )`);
    await queryRunner.query(`
      CREATE TABLE "liberation"."gate_pickup" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "establishment_code" text NOT NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        "liberation_date" date NOT NULL,
        "booked_at" timestamptz NOT NULL,
        "booked_by" text NOT NULL,
        "cancelled_at" timestamptz NULL,
        "cancelled_by" text NULL,
        "cancellation_reason" text NULL CHECK (char_length("cancellation_reason") BETWEEN 1 AND 500),
        "correlation_id" text NOT NULL,
        CONSTRAINT "gate_pickup_episode_fkey" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "gate_pickup_cancellation_facts" CHECK (
          ("cancelled_at" IS NULL AND "cancelled_by" IS NULL AND "cancellation_reason" IS NULL)
          OR ("cancelled_at" IS NOT NULL AND "cancelled_by" IS NOT NULL AND "cancellation_reason" IS NOT NULL)
        ),
        CONSTRAINT "gate_pickup_cancelled_after_booked" CHECK ("cancelled_at" IS NULL OR "cancelled_at" >= "booked_at")
      )`);
    await queryRunner.query(`
      CREATE INDEX "gate_pickup_episode_idx" ON "liberation"."gate_pickup" ("person_id", "episode", "booked_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "liberation"."gate_pickup"`);
    await queryRunner.query(`DROP TABLE "liberation"."release_date_change"`);
  }
}
