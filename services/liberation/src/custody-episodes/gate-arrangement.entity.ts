import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { GateArrangementDetails } from './gate-arrangement.schemas';

/** One version of an episode's gate arrangements (migration 1300). */
@Entity({ name: 'gate_arrangement' })
export class GateArrangement {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  @PrimaryColumn('integer')
  version!: number;

  /** The liberation date the arrangement was made for. */
  @Column('date', { name: 'for_liberation_date' })
  forLiberationDate!: string;

  /** As recorded (validated by `GateArrangementBodySchema`, without `confirmedForLiberationDate`). */
  @Column('jsonb')
  arrangement!: GateArrangementDetails;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
