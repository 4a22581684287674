import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type {
  AppointmentAttendanceRecordedV1,
  AppointmentBookedV1,
  AppointmentCancelledV1,
} from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { personReferenceOf } from '../events/person-reference';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { CLOCK_SKEW_MS } from '../referrals/referral.state';
import { Appointment } from './appointment.entity';
import {
  AppointmentAttendanceOnRecordError,
  AppointmentCancelledError,
  AppointmentNotFoundError,
  AttendanceAlreadyRecordedError,
  AttendedBeforeBookedError,
  AttendedInFutureError,
} from './appointment.errors';
import type {
  AppointmentView,
  BookFirstAppointmentInput,
  CancelAppointmentInput,
  ListAppointmentsQuery,
  RecordAttendanceBody,
} from './appointment.schemas';
import { sameOutcome, toAppointmentView } from './appointment.state';

export interface AttendanceOutcome {
  appointment: AppointmentView;
  /** False when the same outcome was already on record: nothing changed, no event. */
  recorded: boolean;
}

@Injectable()
export class AppointmentsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Appointment) private readonly appointments: Repository<Appointment>,
  ) {}

  /**
   * Once per idempotency key: the appointment row and `referral.appointment.booked` commit
   * together. The key alone decides a repeat: the same key with another purpose or date answers
   * the appointment first booked.
   */
  bookFirst(input: BookFirstAppointmentInput, now = new Date()): Promise<{ appointmentId: string }> {
    return withIdempotency(
      this.dataSource.manager,
      `bookFirstAppointment:${input.idempotencyKey}`,
      async (tx) => {
        const appointment = tx.getRepository(Appointment).create({
          id: randomUUID(),
          personId: input.personId,
          episode: input.episode,
          agencyId: input.agencyId,
          purpose: input.purpose ?? 'FIRST_APPOINTMENT',
          dueBy: new Date(input.dueBy),
          bookedAt: now,
          correlationId: input.correlationId,
          attendance: null,
          attendedAt: null,
          nonAttendanceReason: null,
          attendanceRecordedAt: null,
          attendanceRecordedBy: null,
          cancelledAt: null,
          cancellationReason: null,
        });
        await tx.getRepository(Appointment).insert(appointment);
        const event: AppointmentBookedV1 = {
          eventType: 'referral.appointment.booked',
          version: 1,
          eventId: randomUUID(),
          occurredAt: appointment.bookedAt.toISOString(),
          correlationId: input.correlationId,
          personReference: personReferenceOf(appointment.personId),
          data: {
            appointmentId: appointment.id,
            episode: appointment.episode,
            agencyId: appointment.agencyId,
            dueBy: appointment.dueBy.toISOString(),
          },
        };
        await enqueueEvent(tx, event);
        return { appointmentId: appointment.id };
      },
    );
  }

  /**
   * Cancels an appointment (a compensation the journey runs), whichever agency holds it. Once
   * per key; an appointment already cancelled (by any key) stays as it was, with no second
   * event. One with attendance on record took place or was missed: it cannot be cancelled.
   */
  cancel(input: CancelAppointmentInput, now = new Date()): Promise<{ cancelled: boolean }> {
    return withIdempotency(
      this.dataSource.manager,
      `cancelAppointment:${input.idempotencyKey}`,
      async (tx) => {
        const repository = tx.getRepository(Appointment);
        const appointment = await repository.findOne({
          where: { id: input.appointmentId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!appointment) throw new AppointmentNotFoundError(input.appointmentId);
        if (appointment.cancelledAt) return { cancelled: false };
        if (appointment.attendance !== null && appointment.attendedAt)
          throw new AppointmentAttendanceOnRecordError(
            appointment.id,
            appointment.attendance,
            appointment.attendedAt,
          );

        await repository.update(
          { id: appointment.id },
          { cancelledAt: now, cancellationReason: input.reason },
        );
        const event: AppointmentCancelledV1 = {
          eventType: 'referral.appointment.cancelled',
          version: 1,
          eventId: randomUUID(),
          occurredAt: now.toISOString(),
          correlationId: input.correlationId,
          personReference: personReferenceOf(appointment.personId),
          data: { appointmentId: appointment.id, episode: appointment.episode, reason: input.reason },
        };
        await enqueueEvent(tx, event);
        return { cancelled: true };
      },
    );
  }

  /** The agency's appointments by due date; keyset pagination on (due_by, id). */
  async list(agencyId: string, query: ListAppointmentsQuery): Promise<Page<AppointmentView>> {
    const qb = this.appointments
      .createQueryBuilder('a')
      .where('a.agency_id = :agencyId', { agencyId })
      .orderBy('a.due_by', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .take(query.limit + 1);
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(a.due_by, a.id) > (:at::timestamptz, :id::uuid)', after);
    }
    const rows = await qb.getMany();
    return toPage(rows, query.limit, toAppointmentView, (a) => ({ at: a.dueBy, id: a.id }));
  }

  async get(agencyId: string, id: string): Promise<AppointmentView> {
    const appointment = await this.appointments.findOneBy({ id, agencyId });
    if (!appointment) throw new AppointmentNotFoundError(id);
    return toAppointmentView(appointment);
  }

  /**
   * Records attendance once. Repeating the same outcome answers the record as it stands with no
   * second event; a different outcome conflicts (a correction needs its own, explicit event).
   */
  recordAttendance(
    agencyId: string,
    id: string,
    body: RecordAttendanceBody,
    correlationId: string,
    now = new Date(),
  ): Promise<AttendanceOutcome> {
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(Appointment);
      const appointment = await repository.findOne({
        where: { id, agencyId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!appointment) throw new AppointmentNotFoundError(id);
      if (appointment.cancelledAt && appointment.cancellationReason)
        throw new AppointmentCancelledError(id, appointment.cancelledAt, appointment.cancellationReason);
      if (appointment.attendance !== null) {
        if (sameOutcome(appointment, body))
          return { appointment: toAppointmentView(appointment), recorded: false };
        throw new AttendanceAlreadyRecordedError(id, {
          attendance: appointment.attendance,
          attendedAt: appointment.attendedAt!.toISOString(),
          reason: appointment.nonAttendanceReason,
        });
      }

      const attendedAt = new Date(body.attendedAt);
      if (attendedAt < appointment.bookedAt)
        throw new AttendedBeforeBookedError(attendedAt, appointment.bookedAt);
      if (attendedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new AttendedInFutureError(attendedAt);

      const facts = {
        attendance: body.attendance,
        attendedAt,
        nonAttendanceReason: body.reason ?? null,
        attendanceRecordedAt: now,
        attendanceRecordedBy: body.recordedBy,
      };
      await repository.update({ id }, facts);
      Object.assign(appointment, facts);
      const event: AppointmentAttendanceRecordedV1 = {
        eventType: 'referral.appointment.attendance-recorded',
        version: 1,
        eventId: randomUUID(),
        occurredAt: now.toISOString(),
        correlationId,
        personReference: personReferenceOf(appointment.personId),
        data: {
          appointmentId: appointment.id,
          episode: appointment.episode,
          attendance: body.attendance,
          attendedAt: attendedAt.toISOString(),
          ...(body.reason ? { reason: body.reason } : {}),
        },
      };
      await enqueueEvent(tx, event);
      return { appointment: toAppointmentView(appointment), recorded: true };
    });
  }
}
