import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ZodValidationPipe } from '@throughcare/platform-http';
import {
  MeetingPathSchema,
  RecordMeetingHeldBodySchema,
  type MeetingHeldView,
  type MeetingPath,
  type RecordMeetingHeldBody,
} from './custody-episode.schemas';
import { MeetingService } from './meeting.service';
import { PrisonStaff } from './prison-scope';
import { ApiRecordingHeaders, requestContextOf } from './request-context';
import { MEETING_HELD_EXAMPLES } from './request-examples';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';

@ApiTags('custody episodes')
@PrisonStaff()
@ApiRecordingHeaders()
@Controller('meetings')
@PersonalData()
export class MeetingsController {
  constructor(private readonly meetings: MeetingService) {}

  @Audited({
    action: 'meeting.record-held',
    kind: 'change',
    objectType: 'meeting',
    objectId: from.param('bookingId'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM liberation.meeting WHERE id = $1', 'bookingId'),
    ),
  })
  @Post(':bookingId/held')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Record that a booked CJSW custody visit or pre-release meeting took place' })
  @ApiParam({ name: 'bookingId', description: 'The bookingId the journey received from bookMeeting' })
  @ApiBody(apiBodyWithExamples(RecordMeetingHeldBodySchema, MEETING_HELD_EXAMPLES))
  @ApiResponse({ status: 201, description: 'Recorded held; custody.meeting.held emitted; the meeting' })
  @ApiResponse({
    status: 200,
    description: 'Already recorded held at that instant (or same Idempotency-Key); the meeting',
  })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description: "MEETING_NOT_FOUND (also: the person is not held in the caller's establishments)",
  })
  @ApiResponse({
    status: 409,
    description: `MEETING_CANCELLED, MEETING_ALREADY_HELD (at another instant), or ${EPISODE_RECEIVED_IN_ERROR_DOC}`,
  })
  @ApiResponse({
    status: 422,
    description: 'MEETING_HELD_BEFORE_RECEPTION, or IDEMPOTENCY_KEY_REUSED (same key, another instant)',
  })
  async held(
    @Param(new ZodValidationPipe(MeetingPathSchema, 'path')) { bookingId }: MeetingPath,
    @Body(new ZodValidationPipe(RecordMeetingHeldBodySchema, 'body')) body: RecordMeetingHeldBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeetingHeldView> {
    const outcome = await this.meetings.recordHeld(bookingId, body, requestContextOf(headers, principal));
    void reply.status(outcome.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.meeting;
  }
}
