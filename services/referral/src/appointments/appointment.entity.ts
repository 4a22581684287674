import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Attendance } from '@throughcare/contracts';
import type { AppointmentPurpose, NonAttendanceReason } from './appointment.schemas';

/**
 * An appointment with an agency: the journey's first community appointment after release (or its
 * follow-up), or one the agency booked against its referral (in custody or after). Facts only (attendance,
 * cancellation); status is derived.
 */
@Entity({ name: 'appointment' })
export class Appointment {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text', { name: 'agency_id' })
  agencyId!: string;

  @Column('text')
  purpose!: AppointmentPurpose;

  /** The referral an agency booked it against (purpose REFERRAL_APPOINTMENT); null for the journey's own. */
  @Column('uuid', { name: 'referral_id', nullable: true })
  referralId!: string | null;

  /**
   * The journey's clock for its own appointments; for one an agency booked against its referral,
   * the time first agreed (there is no clock on it).
   */
  @Column('timestamptz', { name: 'due_by' })
  dueBy!: Date;

  @Column('timestamptz', { name: 'booked_at' })
  bookedAt!: Date;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('text', { nullable: true })
  attendance!: Attendance | null;

  @Column('timestamptz', { name: 'attended_at', nullable: true })
  attendedAt!: Date | null;

  @Column('text', { name: 'non_attendance_reason', nullable: true })
  nonAttendanceReason!: NonAttendanceReason | null;

  @Column('timestamptz', { name: 'attendance_recorded_at', nullable: true })
  attendanceRecordedAt!: Date | null;

  /** A role or team, never a named person. */
  @Column('text', { name: 'attendance_recorded_by', nullable: true })
  attendanceRecordedBy!: string | null;

  @Column('timestamptz', { name: 'cancelled_at', nullable: true })
  cancelledAt!: Date | null;

  @Column('text', { name: 'cancellation_reason', nullable: true })
  cancellationReason!: string | null;

  /** Who at the agency cancelled it (an agency's own cancellation only; migration 1300). */
  @Column('text', { name: 'cancelled_by', nullable: true })
  cancelledBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
