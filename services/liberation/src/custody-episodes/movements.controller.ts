import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Headers, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ZodValidationPipe } from '@throughcare/platform-http';
import {
  MovementPathSchema,
  ReverseMovementBodySchema,
  type MovementPath,
  type MovementReversedView,
  type ReverseMovementBody,
} from './custody-episode.schemas';
import { MovementReversalService } from './movement-reversal.service';
import { CUSTODY_RECORD_CONFLICT_DOC, PrisonStaff } from './prison-scope';
import { ApiRecordingHeaders, requestContextOf } from './request-context';
import { MOVEMENT_REVERSAL_EXAMPLES } from './request-examples';

@ApiTags('custody episodes')
@PrisonStaff()
@ApiRecordingHeaders()
@Controller('movements')
@PersonalData()
export class MovementsController {
  constructor(private readonly reversals: MovementReversalService) {}

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
}
