import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The person's sex as the prison recorded it at reception, given by the journey when it requests
 * an assessment (issue 10): the women-specific pathways are asked of women, and of someone whose
 * sex is not recorded (null: assessments requested before this, or a reception that gave none).
 * Set when the assessment is opened, never changed (answers are saved against it).
 */
export class AssessmentPersonSex1700000000900 implements MigrationInterface {
  readonly name = 'AssessmentPersonSex1700000000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        ADD COLUMN "person_sex" text,
        ADD CONSTRAINT "assessment_person_sex_known" CHECK ("person_sex" IS NULL OR "person_sex" IN ('FEMALE', 'MALE'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "assessment"."assessment"
        DROP CONSTRAINT "assessment_person_sex_known",
        DROP COLUMN "person_sex"`);
  }
}
