import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  protectTableSql,
  refuseRollbackWhileRows,
  rls,
  unprotectTableSql,
} from '@throughcare/platform-persistence';

/**
 * Issue 10, recorded dates: official sentence dates prison staff record for an episode when this
 * platform does not calculate them (Scottish long-term, extended, indeterminate and SOPC
 * sentences, recalls) or when the prison's own calculation is the official one. Kept as versions
 * (1, 2, …) like the sentence calculation: each recording holds every date with its type, source
 * and source reference (`dates`), why it was recorded rather than calculated, and the release
 * date it gives; never updated, the current set is the highest version. Row-level security as for
 * every custody table. `down()` refuses while a recording is on record.
 *
 * A release-date change a recording makes keeps the type of the recorded date it moved to
 * (`release_date_change.recorded_release_date_type`: PRRD, CRD or ARD; null for every other
 * change), so the change is typed by what wrote it, not by whichever recording is latest (review
 * stop 42, N5).
 */
export class RecordedSentenceDates1700000003200 implements MigrationInterface {
  readonly name = 'RecordedSentenceDates1700000003200';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Never queue behind a long read holding the table (every movement read and write would wait).
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      CREATE TABLE "liberation"."recorded_sentence_dates" (
        "person_id" text NOT NULL,
        "episode" integer NOT NULL,
        "version" integer NOT NULL CHECK ("version" >= 1),
        "jurisdiction" text NOT NULL CHECK ("jurisdiction" IN ('SCOTLAND', 'ENGLAND_AND_WALES')),
        "recorded_because" text NOT NULL,
        "dates" jsonb NOT NULL CHECK (jsonb_typeof("dates") = 'array'),
        "release_date_type" text NULL CHECK ("release_date_type" IN ('PRRD', 'CRD', 'ARD')),
        "release_date" date NULL,
        "recorded_at" timestamptz NOT NULL,
        "recorded_by" text NOT NULL,
        "correlation_id" text NOT NULL,
        PRIMARY KEY ("person_id", "episode", "version"),
        CONSTRAINT "recorded_sentence_dates_episode_fk" FOREIGN KEY ("person_id", "episode")
          REFERENCES "liberation"."custody_episode" ("person_id", "episode"),
        CONSTRAINT "recorded_sentence_dates_release_date" CHECK (("release_date" IS NULL) = ("release_date_type" IS NULL))
      )`);
    for (const sql of protectTableSql(
      `"liberation"."recorded_sentence_dates"`,
      'recorded_sentence_dates_scope',
      `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
    await queryRunner.query(`
      ALTER TABLE "liberation"."release_date_change"
        ADD COLUMN "recorded_release_date_type" text NULL
          CONSTRAINT "release_date_change_recorded_type" CHECK (
            "recorded_release_date_type" IS NULL
            OR ("recorded_release_date_type" IN ('PRRD', 'CRD', 'ARD') AND "reason" = 'RECALCULATION'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await refuseRollbackWhileRows(
      queryRunner,
      `"liberation"."recorded_sentence_dates"`,
      'recorded sentence date version(s)',
      'rolling back 3200 would lose the official dates and leave the release-date changes they made unexplained',
    );
    await queryRunner.query(
      `ALTER TABLE "liberation"."release_date_change" DROP COLUMN "recorded_release_date_type"`,
    );
    for (const sql of unprotectTableSql(
      `"liberation"."recorded_sentence_dates"`,
      'recorded_sentence_dates_scope',
    ))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "liberation"."recorded_sentence_dates"`);
  }
}
