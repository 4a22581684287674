import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Jurisdiction } from '@throughcare/contracts';
import type { SentenceCalculation as Calculation } from '@throughcare/domain';
import type { SentencesBody } from './sentence-calculation.schemas';

/**
 * One version of an episode's sentence calculation (migration 900): what staff entered, the
 * calculation with its explanations, and the release date it set. Never updated: the current
 * calculation is the highest version.
 */
@Entity({ name: 'sentence_calculation' })
export class SentenceCalculationRecord {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  @PrimaryColumn('integer')
  version!: number;

  @Column('text')
  jurisdiction!: Jurisdiction;

  @Column('jsonb')
  input!: SentencesBody;

  @Column('jsonb')
  calculation!: Calculation;

  @Column('date', { name: 'as_at' })
  asAt!: string;

  @Column('text', { name: 'release_date_type', nullable: true })
  releaseDateType!: 'CRD' | 'ARD' | null;

  @Column('date', { name: 'release_date', nullable: true })
  releaseDate!: string | null;

  @Column('text', { name: 'policy_ids', array: true })
  policyIds!: string[];

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
