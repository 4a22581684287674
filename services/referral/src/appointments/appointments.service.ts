import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Repository, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type {
  AppointmentAttendanceRecordedV1,
  AppointmentBookedV1,
  AppointmentCancelledV1,
  AppointmentScheduledV1,
  ReferralAppointmentAttendanceRecordedV1,
  ReferralAppointmentBookedV1,
  ScheduleChange,
} from '@throughcare/contracts';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { personReferenceOf } from '../events/person-reference';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { CLOCK_SKEW_MS } from '../referrals/referral.state';
import { AppointmentSchedule } from './appointment-schedule.entity';
import { Appointment } from './appointment.entity';
import {
  AppointmentAttendanceOnRecordError,
  AppointmentCancelledError,
  AppointmentNotFoundError,
  AttendanceAlreadyRecordedError,
  AttendedBeforeBookedError,
  AttendanceDueFirstError,
  AttendedInFutureError,
  JourneyAppointmentError,
  NotAttendedBeforeStartError,
  PrisonPlaceAfterReleaseError,
  ReferralNotAcceptedError,
  RescheduleReasonRequiredError,
  StartsBeforeBookedError,
  StartsInPastError,
  StartsTooFarAheadError,
} from './appointment.errors';
import { lockedReferral, refuseIfWithdrawn } from '../referrals/referral-lock';
import { Referral } from '../referrals/referral.entity';
import { allows, referralAllowedActions } from '../referrals/referral.lifecycle';
import { loadAppointmentFacts, refreshReferralStatus } from '../referrals/referral-status';
import { IdempotencyKeyReusedError, ReferralNotFoundError } from '../referrals/referral.errors';
import type {
  AppointmentView,
  BookFirstAppointmentInput,
  BookReferralAppointmentBody,
  CancelAppointmentBody,
  CancelAppointmentInput,
  ListAppointmentsQuery,
  RecordAttendanceBody,
  ScheduleAppointmentBody,
} from './appointment.schemas';
import { sameOutcome, toAppointmentView } from './appointment.state';
import { enqueueWebhooks } from '../webhooks/webhook-fanout';

export interface AppointmentWrite {
  appointment: AppointmentView;
  /** False for a repeat (the same outcome, or the same time and place, already on record): nothing changed, no event. */
  recorded: boolean;
}

/** How far ahead an appointment may be set: a year (a typed 2062 for 2026 is refused). */
const SCHEDULE_HORIZON_MS = 366 * 24 * 60 * 60_000;

/** What an Idempotency-Key remembers of a schedule: enough to tell a faithful retry from a reused key. */
type ScheduleKeyResult = Record<
  'appointmentId' | 'startsAt' | 'durationMinutes' | 'placeKind' | 'place' | 'reasonCode' | 'reason',
  string | number | null
>;

function scheduleKeyResult(appointmentId: string, body: ScheduleAppointmentBody): ScheduleKeyResult {
  return {
    appointmentId,
    startsAt: new Date(body.startsAt).toISOString(),
    durationMinutes: body.durationMinutes ?? null,
    placeKind: body.placeKind,
    place: body.place,
    reasonCode: body.reasonCode ?? null,
    reason: body.reason ?? null,
  };
}

/** IDEMPOTENCY_KEY_REUSED, naming the fields, when a key's first request said otherwise. */
function refuseReusedKey(what: string, first: ScheduleKeyResult, again: ScheduleKeyResult): void {
  const differences = (Object.keys(again) as (keyof ScheduleKeyResult)[]).filter(
    (k) => first[k] !== again[k],
  );
  if (differences.length > 0)
    throw new IdempotencyKeyReusedError(`${what} sent with this Idempotency-Key`, differences);
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
          referralId: null,
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
        await enqueueWebhooks(tx, appointment.agencyId, event);
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
        const { appointment, referral } = await lockedWithReferral(tx, { id: input.appointmentId });
        if (appointment.cancelledAt) return { cancelled: false };
        if (appointment.attendance !== null && appointment.attendedAt)
          throw new AppointmentAttendanceOnRecordError(
            appointment.id,
            appointment.attendance,
            appointment.attendedAt,
          );

        await cancelWithEvent(tx, appointment, input.reason, input.correlationId, now);
        if (referral) await refreshReferralStatus(tx, referral);
        return { cancelled: true };
      },
    );
  }

  /**
   * The agency cancels an appointment it booked against a referral (a session it cannot hold, one
   * no longer needed), under the appointment's row lock, with `referral.appointment.cancelled`
   * whose reason is the code alone (who cancelled stays here, `cancelled_by`).
   * - The same code again answers the cancellation on record (200, nothing emitted), whoever
   *   sends it; another code is 409 APPOINTMENT_CANCELLED. So is any code on an appointment the
   *   cascade of its referral's end cancelled.
   * - Attendance on record: 409 ATTENDANCE_ALREADY_RECORDED (it took place or was missed). A
   *   time gone by with no attendance: 409 ATTENDANCE_DUE_FIRST (a missed session is recorded,
   *   not cancelled away).
   * - The journey's own appointment: 409 JOURNEY_APPOINTMENT.
   */
  cancelByAgency(
    agencyId: string,
    id: string,
    body: CancelAppointmentBody,
    correlationId: string,
    clock: () => Date = () => new Date(),
  ): Promise<AppointmentWrite> {
    return this.dataSource.transaction(async (tx) => {
      const { appointment, referral } = await lockedWithReferral(tx, { id, agencyId });
      const now = clock();
      if (referral === null) throw new JourneyAppointmentError(id, appointment.purpose);
      if (appointment.cancelledAt && appointment.cancellationReason) {
        if (appointment.cancelledBy !== null && appointment.cancellationReason === body.reasonCode)
          return { appointment: await viewOf(tx, appointment), recorded: false };
        throw new AppointmentCancelledError(
          id,
          appointment.cancelledAt,
          appointment.cancellationReason,
          'it cannot be cancelled again',
        );
      }
      if (appointment.attendance !== null && appointment.attendedAt)
        throw new AppointmentAttendanceOnRecordError(id, appointment.attendance, appointment.attendedAt);
      const current = ((await loadSchedules(tx, [id])).get(id) ?? []).at(-1);
      const startsAt = current?.startsAt ?? appointment.dueBy;
      if (startsAt.getTime() < now.getTime() - CLOCK_SKEW_MS)
        throw new AttendanceDueFirstError(id, startsAt, 'cancelling it');
      await cancelWithEvent(tx, appointment, body.reasonCode, correlationId, now, body.cancelledBy);
      // The referral goes back to its latest attendance, or ACCEPTED, unless another is live.
      await refreshReferralStatus(tx, referral);
      return { appointment: await viewOf(tx, appointment), recorded: true };
    });
  }

  /**
   * Books an appointment against the agency's referral (a custody visit with placeKind PRISON, or
   * any appointment after release) with its first time and place, in one transaction under the
   * referral's row lock: the referral must be taken on (ACCEPTED, APPOINTMENT_BOOKED, ATTENDED or
   * NOT_ATTENDED; REFERRAL_NOT_ACCEPTED otherwise, with the allowed actions; a
   * withdrawn one is REFERRAL_WITHDRAWN). Emits `referral.referral-appointment.booked` and the
   * first `referral.appointment.scheduled`. With an Idempotency-Key a retry answers the
   * appointment booked first (the same key with another booking is IDEMPOTENCY_KEY_REUSED);
   * without one every request books another appointment.
   */
  bookForReferral(
    agencyId: string,
    referralId: string,
    body: BookReferralAppointmentBody,
    context: { correlationId: string; idempotencyKey?: string },
    clock: () => Date = () => new Date(),
  ): Promise<AppointmentWrite> {
    return this.dataSource.transaction(async (tx) => {
      // A retry of a booking made before the referral ended answers that booking: the referral's
      // state is checked only for a new one.
      const referral = await lockedReferral(tx, agencyId, referralId);
      const now = clock();
      const schedule = {
        startsAt: body.startsAt,
        durationMinutes: body.durationMinutes,
        placeKind: body.placeKind,
        place: body.place,
        scheduledBy: body.bookedBy,
      };
      let recorded = false;
      const book = async (manager: EntityManager): Promise<ScheduleKeyResult> => {
        refuseIfWithdrawn(referral);
        // A referral the agency has taken on (ACCEPTED, APPOINTMENT_BOOKED, ATTENDED, NOT_ATTENDED).
        if (!allows(referral.status, 'BOOK_APPOINTMENT')) {
          const facts = (await loadAppointmentFacts(manager, [referral.id])).get(referral.id) ?? [];
          throw new ReferralNotAcceptedError(
            referral.id,
            referral.status,
            referralAllowedActions(referral.status, facts, now),
          );
        }
        const appointment = manager.getRepository(Appointment).create({
          id: randomUUID(),
          personId: referral.personId,
          episode: referral.episode,
          agencyId: referral.agencyId,
          purpose: 'REFERRAL_APPOINTMENT',
          referralId: referral.id,
          dueBy: new Date(body.startsAt),
          bookedAt: now,
          correlationId: context.correlationId,
          attendance: null,
          attendedAt: null,
          nonAttendanceReason: null,
          attendanceRecordedAt: null,
          attendanceRecordedBy: null,
          cancelledAt: null,
          cancellationReason: null,
        });
        await manager.getRepository(Appointment).insert(appointment);
        const event: ReferralAppointmentBookedV1 = {
          eventType: 'referral.referral-appointment.booked',
          version: 1,
          eventId: randomUUID(),
          occurredAt: now.toISOString(),
          correlationId: context.correlationId,
          personReference: personReferenceOf(appointment.personId),
          data: {
            referralId: referral.id,
            appointmentId: appointment.id,
            episode: appointment.episode,
            agencyId: appointment.agencyId,
            startsAt: appointment.dueBy.toISOString(),
            placeKind: body.placeKind,
          },
        };
        await enqueueEvent(manager, event);
        // Validates the time (not before now, at most a year ahead) and emits the first schedule.
        await this.applySchedule(manager, appointment, schedule, context.correlationId, now);
        await refreshReferralStatus(manager, referral);
        recorded = true;
        return scheduleKeyResult(appointment.id, schedule);
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `appointment:book:${agencyId}:${context.idempotencyKey}`, book)
        : await book(tx);
      const again = scheduleKeyResult(first.appointmentId as string, schedule);
      refuseReusedKey('the booking', first, again);
      const appointment = await locked(tx, { id: first.appointmentId as string });
      if (appointment.referralId !== referralId)
        throw new IdempotencyKeyReusedError('the booking sent with this Idempotency-Key', ['referral']);
      return { appointment: await viewOf(tx, appointment), recorded };
    });
  }

  /**
   * The appointments booked against one referral, by their first agreed time (keyset on (due_by,
   * id)). The caller checks the referral is theirs (the agency's, or a prison's read).
   */
  listForReferral(referralId: string, query: ListAppointmentsQuery): Promise<Page<AppointmentView>> {
    return this.page(query, (qb) => qb.where('a.referral_id = :referralId', { referralId }));
  }

  /** The agency's appointments against its referral, or REFERRAL_NOT_FOUND. */
  async listForAgencyReferral(
    agencyId: string,
    referralId: string,
    query: ListAppointmentsQuery,
  ): Promise<Page<AppointmentView>> {
    if (!(await this.dataSource.getRepository(Referral).existsBy({ id: referralId, agencyId })))
      throw new ReferralNotFoundError(referralId);
    return this.listForReferral(referralId, query);
  }

  /** The agency's appointments by due date; keyset pagination on (due_by, id). */
  list(agencyId: string, query: ListAppointmentsQuery): Promise<Page<AppointmentView>> {
    return this.page(query, (qb) => qb.where('a.agency_id = :agencyId', { agencyId }));
  }

  private async page(
    query: ListAppointmentsQuery,
    filter: (qb: SelectQueryBuilder<Appointment>) => void,
  ): Promise<Page<AppointmentView>> {
    const qb = this.appointments.createQueryBuilder('a');
    filter(qb);
    qb.orderBy('a.due_by', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .take(query.limit + 1);
    if (query.cursor)
      qb.andWhere('(a.due_by, a.id) > (:at::timestamptz, :id::uuid)', decodeCursor(query.cursor));
    const rows = await qb.getMany();
    const schedules = await loadSchedules(
      this.dataSource.manager,
      rows.map((a) => a.id),
    );
    return toPage(
      rows,
      query.limit,
      (a) => toAppointmentView(a, schedules.get(a.id), { history: false }),
      (a) => ({ at: a.dueBy, id: a.id }),
    );
  }

  async get(agencyId: string, id: string): Promise<AppointmentView> {
    const appointment = await this.appointments.findOneBy({ id, agencyId });
    if (!appointment) throw new AppointmentNotFoundError(id);
    return viewOf(this.dataSource.manager, appointment);
  }

  /**
   * Sets when and where the agency will see the person, moves it, or corrects it, as a fact of its
   * own with `referral.appointment.scheduled`, in one transaction under the appointment's row lock.
   * - The first time and place may be recorded after the event (retrospective), not before the
   *   booking nor more than a year ahead.
   * - Later ones need a reasonCode. CORRECTION corrects the same appointment (any time, also after
   *   attendance); any other code moves it to a time to come, and only while its current time has
   *   not gone by unrecorded (its attendance first: a missed appointment has consequences).
   * - The same time and place as the current one is a repeat (no event), as is a retry with the
   *   same Idempotency-Key (the same key with other facts is IDEMPOTENCY_KEY_REUSED).
   * - A cancelled appointment takes none.
   */
  schedule(
    agencyId: string,
    id: string,
    body: ScheduleAppointmentBody,
    context: { correlationId: string; idempotencyKey?: string },
    clock: () => Date = () => new Date(),
  ): Promise<AppointmentWrite> {
    return this.dataSource.transaction(async (tx) => {
      const appointment = await locked(tx, { id, agencyId });
      let recorded = false;
      const apply = async (manager: EntityManager): Promise<ScheduleKeyResult> => {
        recorded = await this.applySchedule(manager, appointment, body, context.correlationId, clock());
        return scheduleKeyResult(id, body);
      };
      if (context.idempotencyKey) {
        const first = await withIdempotency(
          tx,
          `appointment:schedule:${agencyId}:${context.idempotencyKey}`,
          apply,
        );
        const again = scheduleKeyResult(id, body);
        refuseReusedKey('the schedule', first, again);
      } else {
        await apply(tx);
      }
      return { appointment: await viewOf(tx, appointment), recorded };
    });
  }

  /** Returns whether a schedule was recorded (false: the same time and place stand already). */
  private async applySchedule(
    manager: EntityManager,
    appointment: Appointment,
    body: ScheduleAppointmentBody,
    correlationId: string,
    now: Date,
  ): Promise<boolean> {
    const id = appointment.id;
    if (appointment.cancelledAt && appointment.cancellationReason)
      throw new AppointmentCancelledError(
        id,
        appointment.cancelledAt,
        appointment.cancellationReason,
        'it cannot be set for a time',
      );
    if (body.placeKind === 'PRISON' && appointment.referralId === null)
      throw new PrisonPlaceAfterReleaseError(id);
    const startsAt = new Date(body.startsAt);
    const schedules = (await loadSchedules(manager, [id])).get(id) ?? [];
    const current = schedules[schedules.length - 1];
    const durationMinutes = body.durationMinutes ?? null;
    if (
      current &&
      current.startsAt.getTime() === startsAt.getTime() &&
      current.durationMinutes === durationMinutes &&
      current.placeKind === body.placeKind &&
      current.place === body.place
    )
      return false;
    if (startsAt < appointment.bookedAt) throw new StartsBeforeBookedError(startsAt, appointment.bookedAt);
    const latest = new Date(now.getTime() + SCHEDULE_HORIZON_MS);
    if (startsAt > latest) throw new StartsTooFarAheadError(startsAt, latest);
    const gone = (at: Date) => at.getTime() < now.getTime() - CLOCK_SKEW_MS;
    let change: ScheduleChange = 'FIRST';
    if (current) {
      if (!body.reasonCode) throw new RescheduleReasonRequiredError(current.startsAt);
      change = body.reasonCode === 'CORRECTION' ? 'CORRECTED' : 'MOVED';
    }
    const { attendance, attendedAt } = appointment;
    if (attendance !== null && attendedAt) {
      // It took place (or was missed) at attendedAt: no move, and no time set after that.
      if (change === 'MOVED')
        throw new AppointmentAttendanceOnRecordError(
          id,
          attendance,
          attendedAt,
          'it is not moved (its time or place as it was is taken, as a CORRECTION)',
        );
      if (startsAt.getTime() > attendedAt.getTime() + CLOCK_SKEW_MS)
        throw new AppointmentAttendanceOnRecordError(
          id,
          attendance,
          attendedAt,
          'it cannot be set for a time after that',
        );
    } else if (current && gone(current.startsAt) && !gone(startsAt)) {
      // A time gone by unrecorded is not turned into a time to come, by a move or a correction:
      // what happened at it is recorded first (a missed appointment starts the follow-up).
      throw new AttendanceDueFirstError(id, current.startsAt);
    } else if (change === 'MOVED' && gone(startsAt)) {
      throw new StartsInPastError(startsAt);
    }

    const schedule = manager.getRepository(AppointmentSchedule).create({
      id: randomUUID(),
      appointmentId: id,
      startsAt,
      durationMinutes,
      placeKind: body.placeKind,
      place: body.place,
      change,
      reasonCode: current ? body.reasonCode! : null,
      reason: body.reason ?? null,
      scheduledAt: now,
      scheduledBy: body.scheduledBy,
      correlationId,
    });
    await manager.getRepository(AppointmentSchedule).insert(schedule);
    const event: AppointmentScheduledV1 = {
      eventType: 'referral.appointment.scheduled',
      version: 1,
      eventId: randomUUID(),
      occurredAt: now.toISOString(),
      correlationId,
      personReference: personReferenceOf(appointment.personId),
      data: {
        appointmentId: id,
        scheduleId: schedule.id,
        ...(current ? { supersedes: current.id } : {}),
        episode: appointment.episode,
        agencyId: appointment.agencyId,
        startsAt: startsAt.toISOString(),
        durationMinutes,
        placeKind: body.placeKind,
        change,
        ...(current ? { reasonCode: body.reasonCode! } : {}),
      },
    };
    await enqueueEvent(manager, event);
    return true;
  }

  /**
   * Records attendance once. Repeating the same outcome answers the record as it stands with no
   * second event; a different outcome conflicts (a correction needs its own, explicit event). On
   * an appointment booked against a referral, the referral's status is rewritten in the same
   * transaction, under its row lock (ATTENDED or NOT_ATTENDED for a referral taken on).
   */
  recordAttendance(
    agencyId: string,
    id: string,
    body: RecordAttendanceBody,
    correlationId: string,
    clock: () => Date = () => new Date(),
  ): Promise<AppointmentWrite> {
    return this.dataSource.transaction(async (tx) => {
      const repository = tx.getRepository(Appointment);
      const { appointment, referral } = await lockedWithReferral(tx, { id, agencyId });
      // Read under the row lock: a request that waited on it is judged at the time it is decided.
      const now = clock();
      if (appointment.cancelledAt && appointment.cancellationReason)
        throw new AppointmentCancelledError(id, appointment.cancelledAt, appointment.cancellationReason);
      if (appointment.attendance !== null) {
        if (sameOutcome(appointment, body))
          return { appointment: await viewOf(tx, appointment), recorded: false };
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
      // Not missed before it starts (a missed appointment starts the journey's follow-up).
      const set = ((await loadSchedules(tx, [id])).get(id) ?? []).at(-1);
      if (body.attendance === 'NO' && set && attendedAt.getTime() < set.startsAt.getTime() - CLOCK_SKEW_MS)
        throw new NotAttendedBeforeStartError(attendedAt, set.startsAt);

      const facts = {
        attendance: body.attendance,
        attendedAt,
        nonAttendanceReason: body.reason ?? null,
        attendanceRecordedAt: now,
        attendanceRecordedBy: body.recordedBy,
      };
      await repository.update({ id }, facts);
      Object.assign(appointment, facts);
      // ATTENDED or NOT_ATTENDED for a referral taken on, unless another appointment is live.
      if (referral) await refreshReferralStatus(tx, referral);
      const attended = {
        appointmentId: appointment.id,
        episode: appointment.episode,
        attendance: body.attendance,
        attendedAt: attendedAt.toISOString(),
        ...(body.reason ? { reason: body.reason } : {}),
      };
      const envelope = {
        version: 1 as const,
        eventId: randomUUID(),
        occurredAt: now.toISOString(),
        correlationId,
        personReference: personReferenceOf(appointment.personId),
      };
      // The journey follows its own appointments; one booked against a referral is for readers.
      const event: AppointmentAttendanceRecordedV1 | ReferralAppointmentAttendanceRecordedV1 =
        appointment.referralId === null
          ? { ...envelope, eventType: 'referral.appointment.attendance-recorded', data: attended }
          : {
              ...envelope,
              eventType: 'referral.referral-appointment.attendance-recorded',
              data: { ...attended, referralId: appointment.referralId, agencyId: appointment.agencyId },
            };
      await enqueueEvent(tx, event);
      return { appointment: await viewOf(tx, appointment), recorded: true };
    });
  }
}

/** Records the cancellation and `referral.appointment.cancelled`, in the caller's transaction. */
async function cancelWithEvent(
  manager: EntityManager,
  appointment: Appointment,
  reason: string,
  correlationId: string,
  now: Date,
  cancelledBy: string | null = null,
): Promise<void> {
  const cancellation = { cancelledAt: now, cancellationReason: reason, cancelledBy };
  await manager.getRepository(Appointment).update({ id: appointment.id }, cancellation);
  Object.assign(appointment, cancellation);
  const event: AppointmentCancelledV1 = {
    eventType: 'referral.appointment.cancelled',
    version: 1,
    eventId: randomUUID(),
    occurredAt: now.toISOString(),
    correlationId,
    personReference: personReferenceOf(appointment.personId),
    data: { appointmentId: appointment.id, episode: appointment.episode, reason },
  };
  await enqueueEvent(manager, event);
  // The agency is told of what the platform cancelled (the journey, or the cascade of a referral
  // that ended), not of its own cancellations.
  if (cancelledBy === null) await enqueueWebhooks(manager, appointment.agencyId, event);
}

/**
 * The cascade of a referral that ends (withdrawn by the journey, given up or declined by the
 * agency, closed): its appointments still to come (neither attended nor cancelled, their time
 * not gone by) are cancelled with `reason`, each with its event, in the caller's transaction
 * (under the referral's row lock). One whose time has gone by with no attendance is left for its
 * attendance (a cancelled one takes none). Returns how many were cancelled.
 */
export async function cancelOpenReferralAppointments(
  manager: EntityManager,
  referralId: string,
  reason: string,
  correlationId: string,
  now: Date,
): Promise<number> {
  const open = await manager.getRepository(Appointment).find({
    where: { referralId, attendance: IsNull(), cancelledAt: IsNull() },
    order: { dueBy: 'ASC', id: 'ASC' },
    lock: { mode: 'pessimistic_write' },
  });
  const schedules = await loadSchedules(
    manager,
    open.map((a) => a.id),
  );
  const toCome = open.filter((a) => {
    const startsAt = schedules.get(a.id)?.at(-1)?.startsAt ?? a.dueBy;
    return startsAt.getTime() >= now.getTime() - CLOCK_SKEW_MS;
  });
  for (const appointment of toCome) await cancelWithEvent(manager, appointment, reason, correlationId, now);
  return toCome.length;
}

/** The appointment (the agency's own, when `agencyId` is given) under a row lock, else APPOINTMENT_NOT_FOUND. */
async function locked(
  manager: EntityManager,
  where: { id: string; agencyId?: string },
): Promise<Appointment> {
  const appointment = await manager
    .getRepository(Appointment)
    .findOne({ where, lock: { mode: 'pessimistic_write' } });
  if (!appointment) throw new AppointmentNotFoundError(where.id);
  return appointment;
}

/**
 * The appointment (the agency's own, when `agencyId` is given) and, for one booked against a
 * referral, that referral, both under row locks, the referral's first (the order of the
 * referral's own facts, whose cascade locks its appointments): a fact on the appointment rewrites
 * the referral's status in the same transaction. APPOINTMENT_NOT_FOUND when there is none.
 */
async function lockedWithReferral(
  manager: EntityManager,
  where: { id: string; agencyId?: string },
): Promise<{ appointment: Appointment; referral: Referral | null }> {
  const found = await manager
    .getRepository(Appointment)
    .findOne({ select: { id: true, referralId: true }, where });
  if (!found) throw new AppointmentNotFoundError(where.id);
  // An appointment's referral never changes: read unlocked, it names the row to lock first.
  const referral = found.referralId
    ? await manager
        .getRepository(Referral)
        .findOne({ where: { id: found.referralId }, lock: { mode: 'pessimistic_write' } })
    : null;
  return { appointment: await locked(manager, where), referral };
}

/** Each appointment's schedules, in recording order. */
async function loadSchedules(
  manager: EntityManager,
  appointmentIds: string[],
): Promise<Map<string, AppointmentSchedule[]>> {
  const byAppointment = new Map<string, AppointmentSchedule[]>();
  if (appointmentIds.length === 0) return byAppointment;
  const schedules = await manager.getRepository(AppointmentSchedule).find({
    where: { appointmentId: In(appointmentIds) },
    order: { sequence: 'ASC' },
  });
  for (const schedule of schedules) {
    const list = byAppointment.get(schedule.appointmentId) ?? [];
    list.push(schedule);
    byAppointment.set(schedule.appointmentId, list);
  }
  return byAppointment;
}

async function viewOf(manager: EntityManager, appointment: Appointment): Promise<AppointmentView> {
  return toAppointmentView(appointment, (await loadSchedules(manager, [appointment.id])).get(appointment.id));
}
