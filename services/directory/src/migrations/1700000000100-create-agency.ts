import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AgencyKind } from '@throughcare/contracts';

const kinds = AgencyKind.options.map((k) => `'${k}'`).join(', ');

export class CreateAgency1700000000100 implements MigrationInterface {
  readonly name = 'CreateAgency1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "directory"."agency" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 200),
        "kind" text NOT NULL CHECK ("kind" IN (${kinds})),
        "local_authority" text NOT NULL CHECK ("local_authority" ~ '^[SEW][0-9]{8}$'),
        "contact_point" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "created_by" text NOT NULL,
        CONSTRAINT "agency_kind_area_name_key" UNIQUE ("kind", "local_authority", "name")
      )`);
    await queryRunner.query(`CREATE INDEX "agency_name_id_idx" ON "directory"."agency" ("name", "id")`);
    await queryRunner.query(
      `CREATE INDEX "agency_area_kind_idx" ON "directory"."agency" ("local_authority", "kind")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "directory"."agency"`);
  }
}
