import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One missed deadline: who owed what to whom, when it was due and when it was found breached.
 * `metAt` closes it late; lateness is derived (metAt − dueAt), never stored.
 */
@Entity({ name: 'sla_breach' })
export class SlaBreach {
  @PrimaryColumn('uuid')
  id!: string;

  /** The journey's key for this breach (`<workflowId>:breach:<clock>`): one row per missed clock. */
  @Column('text', { name: 'breach_key', unique: true })
  breachKey!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('int')
  episode!: number;

  @Column('text')
  clock!: string;

  @Column('text', { name: 'owed_by' })
  owedBy!: string;

  @Column('text', { name: 'owed_to' })
  owedTo!: string;

  @Column('timestamptz', { name: 'due_at' })
  dueAt!: Date;

  @Column('timestamptz', { name: 'breached_at' })
  breachedAt!: Date;

  @Column('timestamptz', { name: 'met_at', nullable: true })
  metAt!: Date | null;

  /** Why, when the breach was known without waiting for the deadline; null otherwise. */
  @Column('text', { nullable: true })
  note!: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
