import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MeetingKind } from '@throughcare/contracts';

/**
 * A CJSW custody visit or the pre-release meeting, booked by the throughcare journey at an
 * establishment on a day. Held (recorded by prison staff) or cancelled (a compensation), never
 * deleted; its status is derived from which facts are present.
 */
@Entity({ name: 'meeting' })
export class Meeting {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text')
  kind!: MeetingKind;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('date', { name: 'meeting_date' })
  date!: string;

  @Column('text', { name: 'agency_id', nullable: true })
  agencyId!: string | null;

  @Column('timestamptz', { name: 'booked_at' })
  bookedAt!: Date;

  @Column('text', { name: 'booked_by' })
  bookedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('timestamptz', { name: 'held_at', nullable: true })
  heldAt!: Date | null;

  @Column('timestamptz', { name: 'held_recorded_at', nullable: true })
  heldRecordedAt!: Date | null;

  @Column('text', { name: 'held_by', nullable: true })
  heldBy!: string | null;

  /** The eventId of `custody.meeting.held`, answered again to a retry. */
  @Column('uuid', { name: 'held_event_id', nullable: true })
  heldEventId!: string | null;

  @Column('timestamptz', { name: 'cancelled_at', nullable: true })
  cancelledAt!: Date | null;

  @Column('text', { name: 'cancelled_by', nullable: true })
  cancelledBy!: string | null;

  @Column('text', { name: 'cancellation_reason', nullable: true })
  cancellationReason!: string | null;
}

export type MeetingStatus = 'BOOKED' | 'HELD' | 'CANCELLED';

export function meetingStatusOf(m: Meeting): MeetingStatus {
  if (m.cancelledAt !== null) return 'CANCELLED';
  return m.heldAt === null ? 'BOOKED' : 'HELD';
}
