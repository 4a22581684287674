import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReleaseReason, ReversibleMovement } from '@throughcare/contracts';

/**
 * A release or a transfer this service published, keyed by the event's id (what a reversal
 * names). A reversal is recorded on the row, which stays: who, when, and the reversal event.
 * A release's facts are also on its episode while it stands; a reversal clears them there.
 */
@Entity({ name: 'movement' })
export class Movement {
  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text')
  movement!: ReversibleMovement;

  /** Transfer: the establishment left; release: the establishment released from. */
  @Column('text', { name: 'from_establishment_code' })
  fromEstablishmentCode!: string;

  /** Transfer only. */
  @Column('text', { name: 'to_establishment_code', nullable: true })
  toEstablishmentCode!: string | null;

  /** Release only. */
  @Column('text', { name: 'release_reason', nullable: true })
  releaseReason!: ReleaseReason | null;

  /** transferredAt or releasedAt. */
  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('timestamptz', { name: 'reversed_at', nullable: true })
  reversedAt!: Date | null;

  @Column('text', { name: 'reversed_by', nullable: true })
  reversedBy!: string | null;

  /** The eventId of `custody.movement.reversed`. */
  @Column('uuid', { name: 'reversal_event_id', nullable: true })
  reversalEventId!: string | null;

  @Column('text', { name: 'reversal_correlation_id', nullable: true })
  reversalCorrelationId!: string | null;
}

/** Standing: not reversed. */
export function stands(m: Movement): boolean {
  return m.reversedAt === null;
}
