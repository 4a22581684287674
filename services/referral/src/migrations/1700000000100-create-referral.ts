import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Pathway } from '@throughcare/contracts';

const pathways = Pathway.options.map((p) => `'${p}'`).join(', ');

/** Facts, not a status column: the status is derived from which facts are present (ADR 0004 style). */
export class CreateReferral1700000000100 implements MigrationInterface {
  readonly name = 'CreateReferral1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "referral"."referral" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "agency_id" text NOT NULL,
        "pathways" text[] NOT NULL CHECK (cardinality("pathways") >= 1 AND "pathways" <@ ARRAY[${pathways}]::text[]),
        "sent_at" timestamptz NOT NULL,
        "acknowledge_by" timestamptz NOT NULL CHECK ("acknowledge_by" >= "sent_at"),
        "correlation_id" text NOT NULL,
        "acknowledged_at" timestamptz NULL,
        "acknowledged_by" text NULL,
        "acknowledgement_recorded_at" timestamptz NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "referral_acknowledgement_complete" CHECK (
          ("acknowledged_at" IS NULL AND "acknowledged_by" IS NULL AND "acknowledgement_recorded_at" IS NULL)
          OR ("acknowledged_at" IS NOT NULL AND "acknowledged_by" IS NOT NULL AND "acknowledgement_recorded_at" IS NOT NULL)
        ),
        CONSTRAINT "referral_acknowledged_after_sent" CHECK ("acknowledged_at" IS NULL OR "acknowledged_at" >= "sent_at")
      )`);
    // Agencies page through their own referrals in sent order.
    await queryRunner.query(
      `CREATE INDEX "referral_agency_sent_idx" ON "referral"."referral" ("agency_id", "sent_at", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "referral_person_episode_idx" ON "referral"."referral" ("person_id", "episode")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "referral"."referral"`);
  }
}
