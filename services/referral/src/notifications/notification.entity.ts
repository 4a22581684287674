import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { NotificationSubject } from './notification.schemas';

/**
 * A notice to one agency of a change in one person's plan (e.g. a new liberation date), in that
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

  /** YYYY-MM-DD: a calendar date, no time zone. */
  @Column('date', { name: 'liberation_date' })
  liberationDate!: string;

  @Column('date', { name: 'previous_liberation_date', nullable: true })
  previousLiberationDate!: string | null;

  @Column('timestamptz', { name: 'notified_at' })
  notifiedAt!: Date;

  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt!: Date | null;

  /** A role or team, never a named person. */
  @Column('text', { name: 'read_by', nullable: true })
  readBy!: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
