import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseOrThrow } from '@throughcare/platform-errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ZodValidationPipe } from '@throughcare/platform-http';
import {
  CorrectMovementBodySchema,
  MovementPathSchema,
  type CorrectMovementBody,
  type MovementCorrectedView,
  ReverseMovementBodySchema,
  type MovementPath,
  type MovementReversedView,
  type ReverseMovementBody,
} from './custody-episode.schemas';
import { MovementCorrectionService } from './movement-correction.service';
import { MovementReversalService } from './movement-reversal.service';
import { CUSTODY_RECORD_CONFLICT_DOC, PrisonStaff } from './prison-scope';
import { ApiRecordingHeaders, IfMatchHeaderSchema, requestContextOf } from './request-context';
import { MOVEMENT_CORRECTION_EXAMPLES, MOVEMENT_REVERSAL_EXAMPLES } from './request-examples';

@ApiTags('custody episodes')
@PrisonStaff()
@ApiRecordingHeaders()
@Controller('movements')
@PersonalData()
export class MovementsController {
  constructor(
    private readonly reversals: MovementReversalService,
    private readonly corrections: MovementCorrectionService,
  ) {}

  @Audited({
    action: 'movement.reverse',
    kind: 'change',
    objectType: 'movement',
    objectId: from.param('eventId'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM liberation.movement WHERE event_id = $1', 'eventId'),
    ),
  })
  @Post(':eventId/reversal')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Reverse a release or transfer recorded in error: the episode is back in custody, or back at the establishment before',
  })
  @ApiParam({
    name: 'eventId',
    description: 'The eventId of the custody.person.released or custody.person.transferred event to undo',
  })
  @ApiBody(apiBodyWithExamples(ReverseMovementBodySchema, MOVEMENT_REVERSAL_EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Reversed; custody.movement.reversed emitted (eventId in the answer)',
  })
  @ApiResponse({ status: 200, description: 'Already reversed: the first reversal, no second event' })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "MOVEMENT_NOT_FOUND: no release or transfer with that eventId (also: its episode is not held in the caller's establishments)",
  })
  @ApiResponse({
    status: 409,
    description:
      'MOVEMENT_SUPERSEDED (a later release, transfer or episode stands); ' +
      "a release superseded by a later episode outside the caller's establishments: " +
      CUSTODY_RECORD_CONFLICT_DOC,
  })
  @ApiResponse({
    status: 422,
    description: 'REVERSAL_BEFORE_MOVEMENT, or IDEMPOTENCY_KEY_REUSED (same key, other facts)',
  })
  async reverse(
    @Param(new ZodValidationPipe(MovementPathSchema, 'path')) { eventId }: MovementPath,
    @Body(new ZodValidationPipe(ReverseMovementBodySchema, 'body')) body: ReverseMovementBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MovementReversedView> {
    const outcome = await this.reversals.reverse(eventId, body, requestContextOf(headers, principal));
    void reply
      .status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK)
      .header('location', outcome.reversal.links.self);
    return outcome.reversal;
  }

  @Audited({
    action: 'movement.correct',
    kind: 'change',
    objectType: 'movement',
    objectId: from.param('eventId'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM liberation.movement WHERE event_id = $1', 'eventId'),
    ),
  })
  @Post(':eventId/correction')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      "Correct a release or transfer that happened but was recorded with a wrong fact: its instant, a transfer's destination, or both",
    description:
      'The movement keeps its eventId and takes the corrected facts; the facts it superseded stay in its history (`corrections`), ' +
      "and the episode's derived state follows (its release instant, where the person is held, an absence the movement ended). " +
      "A correction that would make the episode's history impossible is refused (409). " +
      'Each correction is emitted (custody.movement.corrected) and the journey re-plans from it: a transfer to the wrong prison ' +
      'moves its plan, bookings and open items to the right one and the agencies are told it was a correction; a release instant ' +
      'corrected is told to the agencies by its day, and their follow-up clocks never run from earlier than the release instant ' +
      'they were told (README "The journey plans from a corrected movement").',
  })
  @ApiParam({
    name: 'eventId',
    description: 'The eventId of the custody.person.released or custody.person.transferred event to correct',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      "The movement's ETag (\"movement-vN\", the `etag` of the episode's movements or of a correction's answer): refused (412 PRECONDITION_FAILED) if it was corrected since. Optional: without it the correction is unconditional",
  })
  @ApiBody(apiBodyWithExamples(CorrectMovementBodySchema, MOVEMENT_CORRECTION_EXAMPLES))
  @ApiResponse({
    status: 201,
    description:
      'Corrected; custody.movement.corrected emitted (the last of `corrections` names its eventId); ETag header: the new version',
  })
  @ApiResponse({
    status: 200,
    description:
      'No change: the movement already has these facts (or the same Idempotency-Key again); no event',
  })
  @ApiResponse({
    status: 400,
    description:
      'Invalid path, body or If-Match (problem+json naming each field): neither occurredAt nor toEstablishmentCode, occurredAt in the future, toEstablishmentCode for a release',
  })
  @ApiResponse({
    status: 404,
    description:
      "MOVEMENT_NOT_FOUND: no release or transfer with that eventId (also: its episode is not held in the caller's establishments)",
  })
  @ApiResponse({
    status: 409,
    description:
      'MOVEMENT_REVERSED (undone: nothing to correct); CORRECTION_BEFORE_RECEPTION; CORRECTION_REORDERS_HISTORY (it would move past another standing movement, ' +
      'departure or return of the episode, named in `conflictsWith`: {eventId} or {absenceId}); CORRECTION_AFTER_LATER_EPISODE (a release moved past the next reception); ' +
      'DESTINATION_IN_USE (a later fact of the episode happened at the destination, named in `conflictsWith`); EPISODE_RECEIVED_IN_ERROR (the episode is void); ' +
      CUSTODY_RECORD_CONFLICT_DOC,
  })
  @ApiResponse({
    status: 412,
    description:
      "PRECONDITION_FAILED: If-Match is not the movement's current version; `currentETag` names it",
  })
  @ApiResponse({
    status: 422,
    description:
      'TRANSFER_TO_SAME_ESTABLISHMENT (the destination is where the person left from), or IDEMPOTENCY_KEY_REUSED (same key, other facts)',
  })
  async correct(
    @Param(new ZodValidationPipe(MovementPathSchema, 'path')) { eventId }: MovementPath,
    @Body(new ZodValidationPipe(CorrectMovementBodySchema, 'body')) body: CorrectMovementBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MovementCorrectedView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const outcome = await this.corrections.correct(
      eventId,
      body,
      ifMatch,
      requestContextOf(headers, principal),
    );
    void reply
      .status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK)
      .header('etag', outcome.correction.etag)
      .header('location', outcome.correction.links.self);
    return outcome.correction;
  }
}
