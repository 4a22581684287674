import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AbsenceCorrectionReason, AbsenceKind } from '@throughcare/contracts';
import type { AbsenceStatus } from './temporary-absence.schemas';

/** One temporary absence (ROTL or court) of an open episode: departure, return and reversals (migration 1100). */
@Entity({ name: 'temporary_absence' })
export class TemporaryAbsence {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text')
  kind!: AbsenceKind;

  /** Where the person left from (and comes back to). */
  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('timestamptz', { name: 'left_at' })
  leftAt!: Date;

  @Column('timestamptz', { name: 'due_back_at', nullable: true })
  dueBackAt!: Date | null;

  /**
   * The NOMIS movement reason code of the departure, as an HMPPS event gave it (migration 1900);
   * null when staff recorded it. Kept, not interpreted: it may tell an escorted absence (hospital,
   * funeral) from a ROTL, which the event's reason does not.
   */
  @Column('text', { name: 'movement_reason_code', nullable: true })
  movementReasonCode!: string | null;

  @Column('uuid', { name: 'departure_event_id' })
  departureEventId!: string;

  @Column('timestamptz', { name: 'departure_recorded_at' })
  departureRecordedAt!: Date;

  @Column('text', { name: 'departure_recorded_by' })
  departureRecordedBy!: string;

  @Column('timestamptz', { name: 'returned_at', nullable: true })
  returnedAt!: Date | null;

  @Column('uuid', { name: 'return_event_id', nullable: true })
  returnEventId!: string | null;

  @Column('timestamptz', { name: 'return_recorded_at', nullable: true })
  returnRecordedAt!: Date | null;

  @Column('text', { name: 'return_recorded_by', nullable: true })
  returnRecordedBy!: string | null;

  @Column('timestamptz', { name: 'departure_reversed_at', nullable: true })
  departureReversedAt!: Date | null;

  @Column('text', { name: 'departure_reversed_by', nullable: true })
  departureReversedBy!: string | null;

  @Column('uuid', { name: 'departure_reversal_event_id', nullable: true })
  departureReversalEventId!: string | null;

  @Column('timestamptz', { name: 'return_reversed_at', nullable: true })
  returnReversedAt!: Date | null;

  @Column('text', { name: 'return_reversed_by', nullable: true })
  returnReversedBy!: string | null;

  @Column('uuid', { name: 'return_reversal_event_id', nullable: true })
  returnReversalEventId!: string | null;

  /** A release or a transfer while out ended the absence (migration 1200). */
  @Column('text', { name: 'ended_by_movement', nullable: true })
  endedByMovement!: 'RELEASE' | 'TRANSFER' | null;

  @Column('timestamptz', { name: 'ended_by_movement_at', nullable: true })
  endedByMovementAt!: Date | null;

  /** The custody.person.released or .transferred event of that movement. */
  @Column('uuid', { name: 'ended_by_movement_event_id', nullable: true })
  endedByMovementEventId!: string | null;

  /**
   * The HMPPS event (its platform id) this absence's departure is: recorded by the HMPPS adapter,
   * or staff's departure an HMPPS event was matched to (migration 2300). Null: none yet. Each
   * absence is matched to one HMPPS departure at most.
   */
  @Column('uuid', { name: 'hmpps_departure_event_id', nullable: true })
  hmppsDepartureEventId!: string | null;

  /** The same for the return (migration 2300). */
  @Column('uuid', { name: 'hmpps_return_event_id', nullable: true })
  hmppsReturnEventId!: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  /** 1 as first recorded; each correction in place adds one (migration 3001). Its ETag: "absence-vN". */
  @Column('integer', { default: 1 })
  version!: number;
}

/** A correction in place of an absence (migration 3001): the facts it superseded and those it set. */
@Entity({ name: 'absence_correction' })
export class AbsenceCorrection {
  /** The eventId of `custody.absence.corrected`. */
  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('uuid', { name: 'absence_id' })
  absenceId!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('integer')
  version!: number;

  @Column('text')
  reason!: AbsenceCorrectionReason;

  @Column('text', { nullable: true })
  note!: string | null;

  @Column('timestamptz', { name: 'left_at' })
  leftAt!: Date;

  @Column('timestamptz', { name: 'previous_left_at' })
  previousLeftAt!: Date;

  @Column('timestamptz', { name: 'returned_at', nullable: true })
  returnedAt!: Date | null;

  @Column('timestamptz', { name: 'previous_returned_at', nullable: true })
  previousReturnedAt!: Date | null;

  @Column('timestamptz', { name: 'due_back_at', nullable: true })
  dueBackAt!: Date | null;

  @Column('timestamptz', { name: 'previous_due_back_at', nullable: true })
  previousDueBackAt!: Date | null;

  @Column('timestamptz', { name: 'corrected_at' })
  correctedAt!: Date;

  @Column('text', { name: 'corrected_by' })
  correctedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}

/** Derived: the absence stands (its departure not reversed). */
export const absenceStands = (a: TemporaryAbsence): boolean => a.departureReversedAt === null;

/** Derived: the person is back (a return recorded and not reversed). */
export const absenceReturned = (a: TemporaryAbsence): boolean =>
  a.returnedAt !== null && a.returnReversedAt === null;

/** Derived: a release or transfer while out ended the absence (the person never came back to the prison). */
export const absenceEndedByMovement = (a: TemporaryAbsence): boolean => a.endedByMovementAt !== null;

/** Derived: the person is out now on this absence. */
export const absenceOpen = (a: TemporaryAbsence): boolean =>
  absenceStands(a) && !absenceReturned(a) && !absenceEndedByMovement(a);

/** Derived: the absence's status now, as its view and the list's `status` filter have it. */
export function absenceStatusOf(a: TemporaryAbsence): AbsenceStatus {
  if (!absenceStands(a)) return 'REVERSED';
  if (absenceReturned(a)) return 'RETURNED';
  if (a.endedByMovement === 'RELEASE') return 'RELEASED';
  if (a.endedByMovement === 'TRANSFER') return 'TRANSFERRED';
  return 'OUT';
}

/**
 * `absenceStatusOf` in SQL, one condition a status (alias `a`), for the list's `status` filter.
 * A Record, so a new status fails compilation until it has its condition.
 */
export const ABSENCE_STATUS_SQL: Readonly<Record<AbsenceStatus, string>> = {
  REVERSED: 'a.departure_reversed_at IS NOT NULL',
  RETURNED: 'a.departure_reversed_at IS NULL AND a.returned_at IS NOT NULL AND a.return_reversed_at IS NULL',
  RELEASED: `a.departure_reversed_at IS NULL AND (a.returned_at IS NULL OR a.return_reversed_at IS NOT NULL) AND a.ended_by_movement = 'RELEASE'`,
  TRANSFERRED: `a.departure_reversed_at IS NULL AND (a.returned_at IS NULL OR a.return_reversed_at IS NOT NULL) AND a.ended_by_movement = 'TRANSFER'`,
  OUT: 'a.departure_reversed_at IS NULL AND (a.returned_at IS NULL OR a.return_reversed_at IS NOT NULL) AND a.ended_by_movement IS NULL',
};
