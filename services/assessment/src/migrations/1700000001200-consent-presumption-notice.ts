import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/** Prison staff see an episode's notices where one of its assessments is at their establishments (as the consent facts). */
const EPISODE_SCOPE = `"assessment"."episode_establishments"(person_id, episode) && ${rls.establishments}`;

/**
 * Review stop 41, M6: the notice that the cut-over's presumption of an episode lapses soon.
 * `consent_presumption_notice` records, once per episode and `presumed_until`, that the service
 * published `assessment.consent.presumption-lapsing` (the event id, and when): the sweep inserts
 * the row and enqueues the event in one transaction, and a row already there means the notice was
 * given (replicas and restarts give it once). Append-only (the application's role may only SELECT
 * and INSERT it). Row-level security as its neighbours `consent_given` and `consent_presumption`:
 * prison staff of the episode's establishments; agencies see none of it.
 */
export class ConsentPresumptionNotice1700000001200 implements MigrationInterface {
  readonly name = 'ConsentPresumptionNotice1700000001200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`
      CREATE TABLE "assessment"."consent_presumption_notice" (
        "person_id" text NOT NULL CHECK ("person_id" ~ '^p[0-9a-f]{20}$'),
        "episode" integer NOT NULL CHECK ("episode" >= 1),
        "presumed_until" timestamptz NOT NULL,
        "event_id" uuid NOT NULL,
        "notified_at" timestamptz NOT NULL,
        CONSTRAINT "consent_presumption_notice_pkey" PRIMARY KEY ("person_id", "episode", "presumed_until")
      )`);
    for (const sql of protectTableSql(
      `"assessment"."consent_presumption_notice"`,
      'consent_presumption_notice_scope',
      EPISODE_SCOPE,
    ))
      await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
    // The record of the notices given is evidence (that staff were told, in time): never dropped
    // with rows in it, as migration 1100's facts.
    const [{ given }] = (await queryRunner.query(
      `SELECT EXISTS (SELECT 1 FROM "assessment"."consent_presumption_notice") AS given`,
    )) as [{ given: boolean }];
    if (given)
      throw new Error(
        'Migration 1200 cannot be reverted: consent_presumption_notice records notices given; reverting would destroy that record',
      );
    for (const sql of unprotectTableSql(
      `"assessment"."consent_presumption_notice"`,
      'consent_presumption_notice_scope',
    ))
      await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "assessment"."consent_presumption_notice"`);
  }
}
