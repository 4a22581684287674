import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { NotificationBasis } from './notification.schemas';
import type { NotificationSubject } from './notification.schemas';

/**
 * A notice to one agency of a change in one person's plan (a new liberation date, a transfer, a closure), in that
 * agency's inbox. Facts only: unread until `readAt` is recorded; the first read is kept.
 */
@Entity({ name: 'agency_notification' })
export class AgencyNotification {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text', { name: 'agency_id' })
  agencyId!: string;

  @Column('text')
  subject!: NotificationSubject;

  /** What happened, as the agency's staff read it (given, or written from the facts). */
  @Column('text')
  message!: string;

  /** YYYY-MM-DD: a calendar date, no time zone. */
  @Column('date', { name: 'liberation_date', nullable: true })
  liberationDate!: string | null;

  @Column('date', { name: 'previous_liberation_date', nullable: true })
  previousLiberationDate!: string | null;

  @Column('text', { name: 'establishment_code', nullable: true })
  establishmentCode!: string | null;

  @Column('text', { name: 'previous_establishment_code', nullable: true })
  previousEstablishmentCode!: string | null;

  /** The pre-release meeting booked (named with a changed liberation date): its day, YYYY-MM-DD. */
  @Column('date', { name: 'pre_release_meeting_date', nullable: true })
  preReleaseMeetingDate!: string | null;

  /** The prison the pre-release meeting is at (with its day, or neither). */
  @Column('text', { name: 'pre_release_meeting_establishment_code', nullable: true })
  preReleaseMeetingEstablishmentCode!: string | null;

  @Column('timestamptz', { name: 'notified_at' })
  notifiedAt!: Date;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt!: Date | null;

  /** A role or team, never a named person. */
  @Column('text', { name: 'read_by', nullable: true })
  readBy!: string | null;

  /** Why the agency holds it (NOTIFICATION_BASES, migration 2500); null before. */
  @Column('text', { name: 'basis', nullable: true })
  basis!: NotificationBasis | null;

  /** What the basis rests on (e.g. `gate-arrangement-v2` for GATE_COLLECTOR), else null. */
  @Column('text', { name: 'basis_reference', nullable: true })
  basisReference!: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
