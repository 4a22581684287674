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
  AddNoteBodySchema,
  ListNotesQuerySchema,
  type AddNoteBody,
  type ListNotesQuery,
  type NoteView,
} from './referral-note.schemas';
import { ReferralNotesService } from './referral-notes.service';

/** An agency's case notes on its own referrals. */
@ApiTags('referrals')
@AgencyScoped()
@Controller('referrals/:id/notes')
@PersonalData()
export class ReferralNotesController {
  constructor(private readonly notes: ReferralNotesService) {}

  @Audited(onReferral('referral-note.add', 'change'))
  @Post()
  @ApiOperation({
    summary: 'Add a case note to a referral, for the agency itself or shared with the officer who referred',
    description:
      'A note is a fact: it is never changed or deleted (a correction is a later note). A REFERRER note is read by the staff of ' +
      'the prison responsible for the referral: the one it was sent from, or after a transfer the one holding the person (GET /prison/referrals/{id}/notes); an AGENCY note only by this agency. The text stays in this service, never on the bus.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      'A retry with the same key answers the note on record (200). Without a key every request adds a note',
  })
  @ApiBody(apiBodyFromZod(AddNoteBodySchema))
  @ApiResponse({ status: 201, description: 'The note, recorded' })
  @ApiResponse({
    status: 200,
    description: 'The same Idempotency-Key again: the note on record, nothing added',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      'REFERRAL_WITHDRAWN (with the reason: no notes once consent or the case is gone) (problem+json)',
  })
  @ApiResponse({
    status: 422,
    description:
      'NOTE_BEFORE_SENT, NOTE_IN_FUTURE, or IDEMPOTENCY_KEY_REUSED with another note (problem+json)',
  })
  async add(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body(new ZodValidationPipe(AddNoteBodySchema, 'body')) body: AddNoteBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NoteView> {
    const added = await this.notes.add(agencyId, id, body, {
      correlationId,
      idempotencyKey: idempotencyKeyOf(headers),
    });
    void reply.status(added.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return added.note;
  }

  @Audited(onReferral('referral-note.list', 'read'))
  @Get()
  @ApiOperation({
    summary: "The agency's notes on its referral (both audiences), in writing order, one page at a time",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListNotesQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of notes and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  list(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Query(new ZodValidationPipe(ListNotesQuerySchema, 'query')) query: ListNotesQuery,
  ): Promise<Page<NoteView>> {
    return this.notes.listForAgency(agencyId, id, query);
  }
}
