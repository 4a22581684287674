import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The person withdrew consent to voluntary throughcare for one custody episode: a fact, kept
 * once per episode. Absent means consent was not withdrawn (as far as this service knows).
 */
@Entity({ name: 'consent_withdrawal' })
export class ConsentWithdrawal {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  /** When the person withdrew consent (business time). */
  @Column('timestamptz', { name: 'withdrawn_at' })
  withdrawnAt!: Date;

  /** When this service recorded it. */
  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
