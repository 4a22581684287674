import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  CourtLiberationStatus,
  MeetingKind,
  RecallReasonCode,
  ReleaseReason,
  ReturnToCustodyReason,
  ReversibleMovement,
  subjectFor,
} from '@throughcare/contracts';

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * A standing release movement for every released episode that has none, from the
 * `custody.person.released` event in the outbox ($1: its subject). Idempotent.
 */
export const BACKFILL_RELEASE_MOVEMENTS = `
  INSERT INTO "liberation"."movement" (
    "event_id", "person_id", "episode", "movement", "from_establishment_code", "release_reason",
    "occurred_at", "recorded_at", "recorded_by", "correlation_id")
  SELECT (o."payload"->>'eventId')::uuid, e."person_id", e."episode", 'RELEASE',
         e."release_establishment_code", e."release_reason", e."released_at", o."created_at",
         e."released_by", o."payload"->>'correlationId'
    FROM "liberation"."outbox" o
    JOIN "liberation"."custody_episode" e
      ON (o."payload"->'data'->>'episode')::integer = e."episode"
     AND (o."payload"->'data'->>'releasedAt')::timestamptz = e."released_at"
     AND o."payload"->'personReference'->'identifiers'
         @> jsonb_build_array(jsonb_build_object('type', 'THROUGHCARE_ID', 'value', e."person_id"))
   WHERE o."subject" = $1 AND e."released_at" IS NOT NULL
  ON CONFLICT DO NOTHING`;

/**
 * Issue 3 in liberation:
 * - `custody_episode` learns how an episode began (`origin`): a reception into custody, or a
 *   liberation direct from court, which has no reception or sentence facts (those columns become
 *   nullable, and a check keeps them present for every reception); a reception may be a return to
 *   custody (recall or new sentence) after a released episode.
 * - `movement` keeps every release and transfer this service published, keyed by the event's id,
 *   so a movement can be reversed by that id; a reversal is a fact on the row (never a delete).
 *   Existing releases are back-filled from the outbox, so they can be reversed too.
 * - `meeting` holds CJSW custody visits and pre-release meetings booked by the journey: held or
 *   cancelled, never deleted.
 */
export class CreateMeetingAndMovement1700000000300 implements MigrationInterface {
  readonly name = 'CreateMeetingAndMovement1700000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD COLUMN "origin" text NOT NULL DEFAULT 'RECEPTION' CHECK ("origin" IN ('RECEPTION', 'COURT_LIBERATION')),
        ADD COLUMN "legal_status" text NULL CHECK ("legal_status" IN (${inList(CourtLiberationStatus.options)})),
        ADD COLUMN "court_liberation_event_id" uuid NULL UNIQUE,
        ADD COLUMN "return_to_custody_reason" text NULL
          CHECK ("return_to_custody_reason" IN (${inList(ReturnToCustodyReason.options)})),
        ADD COLUMN "recall_reason_code" text NULL CHECK ("recall_reason_code" IN (${inList(RecallReasonCode.options)})),
        ALTER COLUMN "reception_reason" DROP NOT NULL,
        ALTER COLUMN "sentence_date" DROP NOT NULL,
        ALTER COLUMN "sentence_length_days" DROP NOT NULL,
        ALTER COLUMN "expected_release_date" DROP NOT NULL,
        ALTER COLUMN "received_at" DROP NOT NULL,
        ALTER COLUMN "received_by" DROP NOT NULL,
        ADD CONSTRAINT "custody_episode_origin_facts" CHECK (
          ("origin" = 'RECEPTION'
            AND "reception_reason" IS NOT NULL AND "sentence_date" IS NOT NULL
            AND "sentence_length_days" IS NOT NULL AND "expected_release_date" IS NOT NULL
            AND "received_at" IS NOT NULL AND "received_by" IS NOT NULL
            AND "legal_status" IS NULL AND "court_liberation_event_id" IS NULL)
          OR ("origin" = 'COURT_LIBERATION'
            AND "reception_reason" IS NULL AND "sentence_date" IS NULL
            AND "sentence_length_days" IS NULL AND "expected_release_date" IS NULL
            AND "received_at" IS NULL AND "received_by" IS NULL
            AND "legal_status" IS NOT NULL AND "court_liberation_event_id" IS NOT NULL
            AND "released_at" IS NOT NULL
            AND "return_to_custody_reason" IS NULL)
        ),
        ADD CONSTRAINT "custody_episode_return_facts" CHECK (
          "recall_reason_code" IS NULL OR "return_to_custody_reason" = 'RECALL'
        )`);

    await queryRunner.query(`
      CREATE TABLE "liberation"."movement" (
        "event_id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "movement" text NOT NULL CHECK ("movement" IN (${inList(ReversibleMovement.options)})),
        "from_establishment_code" text NOT NULL CHECK ("from_establishment_code" ~ '^[A-Z]{3}$'),
        "to_establishment_code" text NULL CHECK ("to_establishment_code" ~ '^[A-Z]{3}$'),
        "release_reason" text NULL CHECK ("release_reason" IN (${inList(ReleaseReason.options)})),
        "occurred_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        "recorded_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        "reversed_at" timestamptz NULL,
        "reversed_by" text NULL,
        "reversal_event_id" uuid NULL UNIQUE,
        "reversal_correlation_id" text NULL,
        CONSTRAINT "movement_episode_fkey" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "movement_kind_facts" CHECK (
          ("movement" = 'TRANSFER' AND "to_establishment_code" IS NOT NULL
            AND "to_establishment_code" <> "from_establishment_code" AND "release_reason" IS NULL)
          OR ("movement" = 'RELEASE' AND "to_establishment_code" IS NULL AND "release_reason" IS NOT NULL)
        ),
        CONSTRAINT "movement_reversal_facts" CHECK (
          ("reversed_at" IS NULL AND "reversed_by" IS NULL AND "reversal_event_id" IS NULL AND "reversal_correlation_id" IS NULL)
          OR ("reversed_at" IS NOT NULL AND "reversed_by" IS NOT NULL AND "reversal_event_id" IS NOT NULL AND "reversal_correlation_id" IS NOT NULL)
        ),
        CONSTRAINT "movement_reversed_after_movement" CHECK ("reversed_at" IS NULL OR "reversed_at" >= "occurred_at")
      )`);
    await queryRunner.query(`
      CREATE INDEX "movement_episode_idx" ON "liberation"."movement" ("person_id", "episode", "occurred_at")`);
    // One standing transfer per instant of an episode: the natural key of a retried transfer.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "movement_standing_transfer_key" ON "liberation"."movement" ("person_id", "episode", "occurred_at")
      WHERE "movement" = 'TRANSFER' AND "reversed_at" IS NULL`);
    // At most one standing release per episode, whatever the application code does.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "movement_standing_release_key" ON "liberation"."movement" ("person_id", "episode")
      WHERE "movement" = 'RELEASE' AND "reversed_at" IS NULL`);

    // Releases recorded before this migration: their event ids are in the outbox.
    await queryRunner.query(BACKFILL_RELEASE_MOVEMENTS, [subjectFor('custody.person.released')]);

    await queryRunner.query(`
      CREATE TABLE "liberation"."meeting" (
        "id" uuid PRIMARY KEY,
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN (${inList(MeetingKind.options)})),
        "establishment_code" text NOT NULL CHECK ("establishment_code" ~ '^[A-Z]{3}$'),
        "meeting_date" date NOT NULL,
        "agency_id" text NULL CHECK (char_length("agency_id") BETWEEN 1 AND 200),
        "booked_at" timestamptz NOT NULL,
        "booked_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        "held_at" timestamptz NULL,
        "held_recorded_at" timestamptz NULL,
        "held_by" text NULL,
        "held_event_id" uuid NULL UNIQUE,
        "cancelled_at" timestamptz NULL,
        "cancelled_by" text NULL,
        "cancellation_reason" text NULL CHECK (char_length("cancellation_reason") BETWEEN 1 AND 500),
        CONSTRAINT "meeting_episode_fkey" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "meeting_held_facts" CHECK (
          ("held_at" IS NULL AND "held_recorded_at" IS NULL AND "held_by" IS NULL AND "held_event_id" IS NULL)
          OR ("held_at" IS NOT NULL AND "held_recorded_at" IS NOT NULL AND "held_by" IS NOT NULL AND "held_event_id" IS NOT NULL)
        ),
        CONSTRAINT "meeting_cancellation_facts" CHECK (
          ("cancelled_at" IS NULL AND "cancelled_by" IS NULL AND "cancellation_reason" IS NULL)
          OR ("cancelled_at" IS NOT NULL AND "cancelled_by" IS NOT NULL AND "cancellation_reason" IS NOT NULL)
        ),
        CONSTRAINT "meeting_held_or_cancelled" CHECK ("held_at" IS NULL OR "cancelled_at" IS NULL),
        CONSTRAINT "meeting_cancelled_after_booked" CHECK ("cancelled_at" IS NULL OR "cancelled_at" >= "booked_at")
      )`);
    await queryRunner.query(`
      CREATE INDEX "meeting_episode_idx" ON "liberation"."meeting" ("person_id", "episode", "meeting_date", "booked_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "liberation"."meeting"`);
    await queryRunner.query(`DROP TABLE "liberation"."movement"`);
    // Court liberations cannot survive the old NOT NULL reception columns.
    await queryRunner.query(`DELETE FROM "liberation"."custody_episode" WHERE "origin" = 'COURT_LIBERATION'`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_return_facts",
        DROP CONSTRAINT "custody_episode_origin_facts",
        ALTER COLUMN "reception_reason" SET NOT NULL,
        ALTER COLUMN "sentence_date" SET NOT NULL,
        ALTER COLUMN "sentence_length_days" SET NOT NULL,
        ALTER COLUMN "expected_release_date" SET NOT NULL,
        ALTER COLUMN "received_at" SET NOT NULL,
        ALTER COLUMN "received_by" SET NOT NULL,
        DROP COLUMN "recall_reason_code",
        DROP COLUMN "return_to_custody_reason",
        DROP COLUMN "court_liberation_event_id",
        DROP COLUMN "legal_status",
        DROP COLUMN "origin"`);
  }
}
