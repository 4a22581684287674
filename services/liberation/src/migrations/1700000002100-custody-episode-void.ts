import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ReceptionReversalReason } from '@throughcare/contracts';

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * A reception recorded in error (NOMIS "admission in error") is reversed: its episode is void,
 * never in custody, and no longer open. The reversal is recorded on the episode, which stays (who,
 * when, why, the note, and the `custody.reception.reversed` event). Row-level security is by row:
 * the new columns follow the table's existing policy (migration 400).
 */
export class CustodyEpisodeVoid1700000002100 implements MigrationInterface {
  readonly name = 'CustodyEpisodeVoid1700000002100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD COLUMN "voided_at" timestamptz NULL,
        ADD COLUMN "voided_by" text NULL,
        ADD COLUMN "void_reason" text NULL CHECK ("void_reason" IN (${inList(ReceptionReversalReason.options)})),
        ADD COLUMN "void_note" text NULL CHECK (char_length("void_note") BETWEEN 1 AND 1000),
        ADD COLUMN "void_event_id" uuid NULL,
        ADD COLUMN "void_correlation_id" text NULL,
        ADD CONSTRAINT "custody_episode_void_facts" CHECK (
          ("voided_at" IS NULL) = ("voided_by" IS NULL)
          AND ("voided_at" IS NULL) = ("void_reason" IS NULL)
          AND ("voided_at" IS NULL) = ("void_event_id" IS NULL)
          AND ("voided_at" IS NULL) = ("void_correlation_id" IS NULL)
          AND ("void_note" IS NULL OR "voided_at" IS NOT NULL)
        ),
        ADD CONSTRAINT "custody_episode_void_after_reception" CHECK ("voided_at" IS NULL OR "voided_at" >= "received_at"),
        ADD CONSTRAINT "custody_episode_void_not_released" CHECK ("voided_at" IS NULL OR "released_at" IS NULL)`);
    // At most one open episode per person (migration 100): a void one is not open.
    await queryRunner.query(`DROP INDEX "liberation"."custody_episode_one_open_per_person"`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "custody_episode_one_open_per_person" ON "liberation"."custody_episode" ("person_id")
      WHERE "released_at" IS NULL AND "voided_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to migration 100's index. A void episode counted as open again could break it: down is
    // for an empty or test database (the reversal is undone only by restoring a backup).
    await queryRunner.query(`DROP INDEX "liberation"."custody_episode_one_open_per_person"`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "custody_episode_one_open_per_person" ON "liberation"."custody_episode" ("person_id")
      WHERE "released_at" IS NULL`);
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_void_not_released",
        DROP CONSTRAINT "custody_episode_void_after_reception",
        DROP CONSTRAINT "custody_episode_void_facts",
        DROP COLUMN "void_correlation_id",
        DROP COLUMN "void_event_id",
        DROP COLUMN "void_note",
        DROP COLUMN "void_reason",
        DROP COLUMN "voided_by",
        DROP COLUMN "voided_at"`);
  }
}
