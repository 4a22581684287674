import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 9: a reception (or court liberation) may give the person's sex and date of birth, so that
 * the directory can offer services for one sex only (women's services) and age-banded ones. Both
 * nullable: not recorded, and every episode before this migration. Kept per episode, as given with
 * the movement that opened it (a retry must give the same), under the table's row-level security.
 */
export class PersonEligibilityFacts1700000000700 implements MigrationInterface {
  readonly name = 'PersonEligibilityFacts1700000000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Nullable columns with no default: no table rewrite. The check's scan finds only nulls.
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        ADD COLUMN "sex" text,
        ADD COLUMN "date_of_birth" date,
        ADD CONSTRAINT "custody_episode_sex" CHECK ("sex" IN ('FEMALE', 'MALE'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "liberation"."custody_episode"
        DROP CONSTRAINT "custody_episode_sex",
        DROP COLUMN "date_of_birth",
        DROP COLUMN "sex"`);
  }
}
