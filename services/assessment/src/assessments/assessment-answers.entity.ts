import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Answers, PathwaySkip } from '@throughcare/domain';

/** One saved version of an assessment's answers (migration 400). Never updated. */
@Entity({ name: 'assessment_answers' })
export class AssessmentAnswers {
  @PrimaryColumn('uuid', { name: 'assessment_id' })
  assessmentId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('integer', { name: 'question_set_version' })
  questionSetVersion!: number;

  @Column('jsonb')
  answers!: Answers;

  @Column('jsonb')
  skips!: PathwaySkip[];

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;
}
