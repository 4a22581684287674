import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { apiBodyFromZod, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgencyScoped, CallingAgency, CorrelationId } from '../agency-scope/calling-agency.decorator';
import type { Page } from '../pagination/keyset-cursor';
import {
  AppointmentIdSchema,
  ListAppointmentsQuerySchema,
  RecordAttendanceBodySchema,
  type AppointmentView,
  type ListAppointmentsQuery,
  type RecordAttendanceBody,
} from './appointment.schemas';
import { AppointmentsService } from './appointments.service';

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
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM referral.appointment WHERE id = $1', 'id'),
    ),
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
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM referral.appointment WHERE id = $1', 'id'),
    ),
  })
  @Post(':id/attendance')
  @ApiOperation({ summary: 'Record attendance (once; repeating the same outcome returns the record)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(RecordAttendanceBodySchema))
  @ApiResponse({
    status: 201,
    description: 'Attendance recorded; referral.appointment.attendance-recorded emitted',
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
  @ApiResponse({ status: 422, description: 'ATTENDED_BEFORE_BOOKED or ATTENDED_IN_FUTURE (problem+json)' })
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
}
