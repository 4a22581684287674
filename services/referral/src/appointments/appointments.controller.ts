import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  apiBodyFromZod,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { idempotencyKeyOf } from '../agency-scope/idempotency-key';
import { IDEMPOTENCY_HEADER } from '../referrals/referral.schemas';
import { AgencyScoped, CallingAgency, CorrelationId } from '../agency-scope/calling-agency.decorator';
import type { Page } from '../pagination/keyset-cursor';
import {
  AppointmentIdSchema,
  CancelAppointmentBodySchema,
  ListAppointmentsQuerySchema,
  RecordAttendanceBodySchema,
  ScheduleAppointmentBodySchema,
  type AppointmentView,
  type CancelAppointmentBody,
  type ListAppointmentsQuery,
  type RecordAttendanceBody,
  type ScheduleAppointmentBody,
} from './appointment.schemas';
import { AppointmentsService } from './appointments.service';

/** The person an appointment route concerns: from its answer, else looked up (a refusal has no answer). */
const appointmentSubject = from.first(
  from.result('personId'),
  from.lookup('SELECT person_id AS value FROM referral.appointment WHERE id = $1', 'id'),
);

@ApiTags('appointments')
@AgencyScoped()
@Controller('appointments')
@PersonalData()
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Audited({
    action: 'appointment.list',
    kind: 'list',
    objectType: 'appointment',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({ summary: "The calling agency's appointments by due date, one page at a time" })
  @ApiQueryFromZod(ListAppointmentsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of appointments and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CallingAgency() agencyId: string,
    @Query(new ZodValidationPipe(ListAppointmentsQuerySchema, 'query')) query: ListAppointmentsQuery,
  ): Promise<Page<AppointmentView>> {
    return this.appointments.list(agencyId, query);
  }

  @Audited({
    action: 'appointment.read',
    kind: 'read',
    objectType: 'appointment',
    objectId: from.param('id'),
    subject: appointmentSubject,
  })
  @Get(':id')
  @ApiOperation({ summary: 'One appointment of the calling agency' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'No such appointment for this agency (problem+json)' })
  get(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(AppointmentIdSchema, 'id')) id: string,
  ): Promise<AppointmentView> {
    return this.appointments.get(agencyId, id);
  }

  @Audited({
    action: 'appointment.record-attendance',
    kind: 'change',
    objectType: 'appointment',
    objectId: from.param('id'),
    subject: appointmentSubject,
  })
  @Post(':id/attendance')
  @ApiOperation({
    summary:
      'Record attendance (once; repeating the same outcome returns the record). On an appointment booked against a referral the agency has taken on, the referral becomes ATTENDED (YES, LATE) or NOT_ATTENDED (NO), unless another of its appointments is still booked',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(RecordAttendanceBodySchema))
  @ApiResponse({
    status: 201,
    description:
      "Attendance recorded; referral.appointment.attendance-recorded emitted (the journey's own appointments), or referral.referral-appointment.attendance-recorded (one booked against a referral)",
  })
  @ApiResponse({
    status: 200,
    description: 'The same outcome was already recorded: the record, nothing emitted',
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid body, e.g. NO without reason (problem+json naming each field)',
  })
  @ApiResponse({ status: 404, description: 'No such appointment for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      'ATTENDANCE_ALREADY_RECORDED with a different outcome, or APPOINTMENT_CANCELLED (problem+json)',
  })
  @ApiResponse({
    status: 422,
    description:
      'ATTENDED_BEFORE_BOOKED, ATTENDED_IN_FUTURE, or NOT_ATTENDED_BEFORE_START (a NO dated before the scheduled start) (problem+json)',
  })
  async recordAttendance(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(AppointmentIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(RecordAttendanceBodySchema, 'body')) body: RecordAttendanceBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentView> {
    const outcome = await this.appointments.recordAttendance(agencyId, id, body, correlationId);
    void reply.status(outcome.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.appointment;
  }

  @Audited({
    action: 'appointment.schedule',
    kind: 'change',
    objectType: 'appointment',
    objectId: from.param('id'),
    subject: appointmentSubject,
  })
  @Post(':id/schedule')
  @ApiOperation({
    summary:
      'Set when and where the agency will see the person, move it, or correct it (with a reasonCode after the first); each POST states the whole schedule; the appointment keeps every one',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description: 'A retry with the same key answers the appointment as it stands, recording nothing more',
  })
  @ApiBody(apiBodyFromZod(ScheduleAppointmentBodySchema))
  @ApiResponse({ status: 201, description: 'Set; referral.appointment.scheduled emitted; the appointment' })
  @ApiResponse({
    status: 200,
    description:
      'A repeat (the same time and place as the current schedule, or the same Idempotency-Key): the appointment, nothing emitted',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such appointment for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      'APPOINTMENT_CANCELLED; ATTENDANCE_ALREADY_RECORDED (only a CORRECTION is taken then); ATTENDANCE_DUE_FIRST (a move of a time gone by unrecorded) (problem+json)',
  })
  @ApiResponse({
    status: 422,
    description:
      "STARTS_BEFORE_BOOKED, STARTS_TOO_FAR_AHEAD (over a year), STARTS_IN_PAST (a move goes ahead), RESCHEDULE_REASON_REQUIRED, PRISON_PLACE_AFTER_RELEASE (placeKind PRISON on the journey's appointment after release), or IDEMPOTENCY_KEY_REUSED (the key with another schedule) (problem+json)",
  })
  async schedule(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(AppointmentIdSchema, 'id')) id: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body(new ZodValidationPipe(ScheduleAppointmentBodySchema, 'body')) body: ScheduleAppointmentBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentView> {
    const outcome = await this.appointments.schedule(agencyId, id, body, {
      correlationId,
      idempotencyKey: idempotencyKeyOf(headers),
    });
    void reply.status(outcome.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.appointment;
  }

  @Audited({
    action: 'appointment.cancel',
    kind: 'change',
    objectType: 'appointment',
    objectId: from.param('id'),
    subject: appointmentSubject,
  })
  @Post(':id/cancellation')
  @ApiOperation({
    summary:
      'Cancel an appointment the agency booked against a referral (a session it cannot hold or no longer needs); repeating the same reasonCode returns the cancellation',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(CancelAppointmentBodySchema))
  @ApiResponse({
    status: 201,
    description: 'Cancelled; referral.appointment.cancelled emitted with the reason code; the appointment',
  })
  @ApiResponse({
    status: 200,
    description: 'Already cancelled by the agency with the same reasonCode: the appointment, nothing emitted',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such appointment for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      "APPOINTMENT_CANCELLED (already, for another reason or by the referral's end); ATTENDANCE_ALREADY_RECORDED; ATTENDANCE_DUE_FIRST (its time has gone by: record attendance first); JOURNEY_APPOINTMENT (the journey's own appointment: the journey cancels it) (problem+json)",
  })
  async cancel(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(AppointmentIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(CancelAppointmentBodySchema, 'body')) body: CancelAppointmentBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentView> {
    const outcome = await this.appointments.cancelByAgency(agencyId, id, body, correlationId);
    void reply.status(outcome.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.appointment;
  }
}
