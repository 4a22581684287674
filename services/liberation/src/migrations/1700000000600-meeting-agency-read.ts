import type { MigrationInterface, QueryRunner } from 'typeorm';
import { readOnlyPolicySql, rls } from '@throughcare/platform-persistence';

/**
 * Issue 9: an agency reads the custody visits and pre-release meetings it takes part in
 * (`GET /agency/meetings`). A read-only policy beside 400's: the meeting's own agency sees it;
 * every write stays with the prison's policy and the platform.
 */
export class MeetingAgencyRead1700000000600 implements MigrationInterface {
  readonly name = 'MeetingAgencyRead1700000000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      readOnlyPolicySql(`"liberation"."meeting"`, 'meeting_agency_read', `"agency_id" = ${rls.agency}`),
    );
    // The agency's list: by meeting day, then booking id (the keyset of its pages).
    await queryRunner.query(
      `CREATE INDEX "meeting_agency_date_idx" ON "liberation"."meeting" ("agency_id", "meeting_date", "id")
        WHERE "agency_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "liberation"."meeting_agency_date_idx"`);
    await queryRunner.query(`DROP POLICY "meeting_agency_read" ON "liberation"."meeting"`);
  }
}
