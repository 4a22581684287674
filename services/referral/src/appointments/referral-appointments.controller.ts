import { Audited, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  apiBodyFromZod,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { AgencyScoped, CallingAgency, CorrelationId } from '../agency-scope/calling-agency.decorator';
import { idempotencyKeyOf } from '../agency-scope/idempotency-key';
import type { Page } from '../pagination/keyset-cursor';
import { IDEMPOTENCY_HEADER, ReferralIdSchema } from '../referrals/referral.schemas';
import { onReferral } from '../referrals/referrals.controller';
import {
  BookReferralAppointmentBodySchema,
  ListAppointmentsQuerySchema,
  type AppointmentView,
  type BookReferralAppointmentBody,
  type ListAppointmentsQuery,
} from './appointment.schemas';
import { AppointmentsService } from './appointments.service';

/** Appointments an agency books against its own referral: custody visits and appointments after release. */
@ApiTags('appointments')
@AgencyScoped()
@Controller('referrals/:id/appointments')
@PersonalData()
export class ReferralAppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Audited(onReferral('referral-appointment.book', 'change'))
  @Post()
  @ApiOperation({
    summary:
      'Book an appointment with the person against a referral it has taken on (ACCEPTED, APPOINTMENT_BOOKED, ATTENDED or NOT_ATTENDED; the referral becomes APPOINTMENT_BOOKED): a custody visit (placeKind PRISON) or one after release, with its first time and place',
    description:
      'Then it is worked as any appointment: POST /appointments/{id}/schedule moves or corrects it, POST /appointments/{id}/attendance records attendance, POST /appointments/{id}/cancellation cancels it. ' +
      'When the referral ends (withdrawn by the journey, WITHDRAWN or DECLINED by the agency, or closed) its appointments still to come are cancelled. ' +
      "The journey's clocks do not follow these appointments yet (its own first appointment is booked by the journey).",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      'A retry with the same key answers the appointment booked first (200). Without a key every request books another appointment',
  })
  @ApiBody(apiBodyFromZod(BookReferralAppointmentBodySchema))
  @ApiResponse({
    status: 201,
    description:
      'Booked; referral.referral-appointment.booked and referral.appointment.scheduled emitted; the appointment',
  })
  @ApiResponse({ status: 200, description: 'The same Idempotency-Key again: the appointment booked first' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      'REFERRAL_NOT_ACCEPTED (with its status and allowedActions), or REFERRAL_WITHDRAWN (with the reason) (problem+json)',
  })
  @ApiResponse({
    status: 422,
    description:
      'STARTS_BEFORE_BOOKED (a time gone by), STARTS_TOO_FAR_AHEAD (over a year), or IDEMPOTENCY_KEY_REUSED (the key with another booking) (problem+json)',
  })
  async book(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body(new ZodValidationPipe(BookReferralAppointmentBodySchema, 'body')) body: BookReferralAppointmentBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentView> {
    const booked = await this.appointments.bookForReferral(agencyId, id, body, {
      correlationId,
      idempotencyKey: idempotencyKeyOf(headers),
    });
    void reply.status(booked.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return booked.appointment;
  }

  @Audited(onReferral('referral-appointment.list', 'read'))
  @Get()
  @ApiOperation({
    summary:
      "The appointments booked against the agency's referral, by the time first agreed, one page at a time",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListAppointmentsQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of appointments (each with its current schedule) and the next cursor',
  })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  list(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Query(new ZodValidationPipe(ListAppointmentsQuerySchema, 'query')) query: ListAppointmentsQuery,
  ): Promise<Page<AppointmentView>> {
    return this.appointments.listForAgencyReferral(agencyId, id, query);
  }
}
