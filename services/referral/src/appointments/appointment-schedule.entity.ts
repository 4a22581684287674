import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ScheduleChange, ScheduleChangeReason } from '@throughcare/contracts';
import type { AppointmentPlaceKind } from './appointment.schemas';

/** When and where the agency set an appointment: a fact each time it is set or moved, never updated. */
@Entity({ name: 'appointment_schedule' })
export class AppointmentSchedule {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'appointment_id' })
  appointmentId!: string;

  /** Recording order (set by Postgres): the latest is the appointment's schedule. */
  @Column({ type: 'bigint', insert: false, update: false })
  sequence!: string;

  @Column('timestamptz', { name: 'starts_at' })
  startsAt!: Date;

  @Column('integer', { name: 'duration_minutes', nullable: true })
  durationMinutes!: number | null;

  @Column('text', { name: 'place_kind' })
  placeKind!: AppointmentPlaceKind;

  /** The office, the prison and room, or the address (personal data for a home visit). */
  @Column('text')
  place!: string;

  @Column('text')
  change!: ScheduleChange;

  /** Why it changed: required for every schedule after the first (CORRECTION for a correction). */
  @Column('text', { name: 'reason_code', nullable: true })
  reasonCode!: ScheduleChangeReason | null;

  /** The agency's own words, if any: kept here, never on the bus. */
  @Column('text', { nullable: true })
  reason!: string | null;

  /** When the agency set it (recorded). */
  @Column('timestamptz', { name: 'scheduled_at' })
  scheduledAt!: Date;

  /** A role or team, never a named person. */
  @Column('text', { name: 'scheduled_by' })
  scheduledBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
