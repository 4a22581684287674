import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Jurisdiction } from '@throughcare/contracts';
import type { RecordedBecause, RecordedDateInput, RecordedReleaseType } from '@throughcare/domain';

/**
 * One version of an episode's recorded official sentence dates (migration 3200): the dates staff
 * recorded with their sources, why they were recorded rather than calculated, and the release
 * date they give. Never updated: the current set is the highest version.
 */
@Entity({ name: 'recorded_sentence_dates' })
export class RecordedSentenceDates {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  @PrimaryColumn('integer')
  version!: number;

  @Column('text')
  jurisdiction!: Jurisdiction;

  @Column('text', { name: 'recorded_because' })
  recordedBecause!: RecordedBecause;

  @Column('jsonb')
  dates!: RecordedDateInput[];

  @Column('text', { name: 'release_date_type', nullable: true })
  releaseDateType!: RecordedReleaseType | null;

  @Column('date', { name: 'release_date', nullable: true })
  releaseDate!: string | null;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
