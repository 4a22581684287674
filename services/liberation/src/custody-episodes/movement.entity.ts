import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MovementCorrectionReason, ReleaseReason, ReversibleMovement } from '@throughcare/contracts';

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

  /** 1 as first recorded; each correction in place adds one (migration 3000). Its ETag: "movement-vN". */
  @Column('integer', { default: 1 })
  version!: number;
}

/**
 * A correction in place of a release or transfer (migration 3000): the facts it superseded and
 * those it set. The movement row carries the facts as they stand; these keep the history.
 */
@Entity({ name: 'movement_correction' })
export class MovementCorrection {
  /** The eventId of `custody.movement.corrected`. */
  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('uuid', { name: 'movement_event_id' })
  movementEventId!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  /** The movement's version this correction made (2, 3, …). */
  @Column('integer')
  version!: number;

  @Column('text')
  reason!: MovementCorrectionReason;

  @Column('text', { nullable: true })
  note!: string | null;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('timestamptz', { name: 'previous_occurred_at' })
  previousOccurredAt!: Date;

  /** Transfers only. */
  @Column('text', { name: 'to_establishment_code', nullable: true })
  toEstablishmentCode!: string | null;

  @Column('text', { name: 'previous_to_establishment_code', nullable: true })
  previousToEstablishmentCode!: string | null;

  @Column('timestamptz', { name: 'corrected_at' })
  correctedAt!: Date;

  @Column('text', { name: 'corrected_by' })
  correctedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}

/** Standing: not reversed. */
export function stands(m: Movement): boolean {
  return m.reversedAt === null;
}
