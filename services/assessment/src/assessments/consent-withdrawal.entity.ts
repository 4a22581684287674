import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The person withdrew consent to voluntary throughcare for one custody episode: a fact. Once per
 * episode, unless consent was given again after it (migration 1100: the key takes `withdrawn_at`);
 * the latest counts. Absent means consent was not withdrawn (as far as this service knows).
 */
@Entity({ name: 'consent_withdrawal' })
export class ConsentWithdrawal {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  /** When the person withdrew consent (business time). */
  @PrimaryColumn('timestamptz', { name: 'withdrawn_at' })
  withdrawnAt!: Date;

  /** When this service recorded it (in the key: the same instant again after a re-consent, migration 1100). */
  @PrimaryColumn('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
