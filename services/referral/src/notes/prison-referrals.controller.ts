import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import {
  ListAppointmentsQuerySchema,
  type AppointmentView,
  type ListAppointmentsQuery,
} from '../appointments/appointment.schemas';
import { AppointmentsService } from '../appointments/appointments.service';
import type { Page } from '../pagination/keyset-cursor';
import { ReferralIdSchema, type ReferralView } from '../referrals/referral.schemas';
import { onReferral } from '../referrals/referrals.controller';
import {
  ListNotesQuerySchema,
  ListPrisonReferralsQuerySchema,
  type ListNotesQuery,
  type ListPrisonReferralsQuery,
  type NoteView,
} from './referral-note.schemas';
import { ReferralNotesService, type PrisonScope } from './referral-notes.service';

const NOT_FOUND =
  "No such referral from the caller's prisons (problem+json): another prison's, or one sent before referrals named their prison, answers the same";

const scopeOf = (principal: Principal): PrisonScope => ({ establishments: principal.establishments });

/**
 * The prison side of the closed loop: the staff of the prison a referral was sent from (or now holding
 * the person, once the journey has told this service of a transfer) read it, with the agency's
 * decisions, its closure summary and the notes the agency shared with them.
 */
@ApiTags('prison referrals')
@Access('prison-staff')
@ApiBearerAuth()
@ApiResponse({
  status: 401,
  description:
    "No valid access token (problem+json; WWW-Authenticate: Bearer). The token names establishments: the caller reads only their prisons' referrals",
})
@Controller('prison/referrals')
@PersonalData()
export class PrisonReferralsController {
  constructor(
    private readonly notes: ReferralNotesService,
    private readonly appointments: AppointmentsService,
  ) {}

  @Audited({
    action: 'prison-referral.list',
    kind: 'list',
    objectType: 'referral',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "The referrals of the caller's prisons in sent order (by person, episode, status), one page at a time",
  })
  @ApiQueryFromZod(ListPrisonReferralsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of referrals and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(ListPrisonReferralsQuerySchema, 'query')) query: ListPrisonReferralsQuery,
  ): Promise<Page<ReferralView>> {
    return this.notes.referralsForPrison(scopeOf(principal), query);
  }

  @Audited(onReferral('prison-referral.read', 'read'))
  @Get(':id')
  @ApiOperation({
    summary:
      "One referral of the caller's prisons: the agency's acknowledgement, decisions, and closure with its summary",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The referral' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
  ): Promise<ReferralView> {
    return this.notes.referralForPrison(scopeOf(principal), id);
  }

  @Audited(onReferral('prison-referral-note.list', 'read'))
  @Get(':id/notes')
  @ApiOperation({
    summary:
      'The case notes the agency shared with the referrer (audience REFERRER), in writing order, one page at a time',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListNotesQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of notes and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  notesOf(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Query(new ZodValidationPipe(ListNotesQuerySchema, 'query')) query: ListNotesQuery,
  ): Promise<Page<NoteView>> {
    return this.notes.notesForPrison(scopeOf(principal), id, query);
  }

  @Audited(onReferral('prison-referral-appointment.list', 'read'))
  @Get(':id/appointments')
  @ApiOperation({
    summary:
      'The appointments the agency booked against the referral (custody visits and after release), with their current time and place, one page at a time',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListAppointmentsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of appointments and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  async appointmentsOf(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Query(new ZodValidationPipe(ListAppointmentsQuerySchema, 'query')) query: ListAppointmentsQuery,
  ): Promise<Page<AppointmentView>> {
    await this.notes.referralForPrison(scopeOf(principal), id);
    return this.appointments.listForReferral(id, query);
  }
}
