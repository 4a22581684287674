import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { throughcareWorkflowId } from '@throughcare/contracts';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ZodValidationPipe } from '@throughcare/platform-http';
import {
  RecordReceptionBodySchema,
  type RecordReceptionBody,
  type ReceptionRecordedView,
} from './custody-episode.schemas';
import { linksOf } from './custody-episode.view';
import { ReceptionsService } from './receptions.service';
import { CUSTODY_RECORD_CONFLICT_DOC, PrisonStaff } from './prison-scope';
import { ApiRecordingHeaders, requestContextOf } from './request-context';
import { RECEPTION_EXAMPLES } from './request-examples';

@ApiTags('custody episodes')
@PrisonStaff()
@ApiRecordingHeaders()
@Controller('receptions')
@PersonalData()
export class ReceptionsController {
  constructor(private readonly receptions: ReceptionsService) {}

  @Audited({
    action: 'custody-episode.record-reception',
    kind: 'change',
    objectType: 'custody-episode',
    subject: from.first(from.body('personId'), from.result('personId')),
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: "Record a reception into custody: opens the person's next custody episode" })
  @ApiBody(apiBodyWithExamples(RecordReceptionBodySchema, RECEPTION_EXAMPLES))
  @ApiResponse({ status: 201, description: 'Episode opened; custody.person.received emitted' })
  @ApiResponse({
    status: 200,
    description: 'Already recorded (same prison number and receivedAt, or same Idempotency-Key)',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description: "PERSON_NOT_FOUND: establishmentCode is not one of the caller's establishments",
  })
  @ApiResponse({
    status: 409,
    description:
      'EPISODE_ALREADY_OPEN, NOT_A_RETURN_TO_CUSTODY, RECEPTION_CONFLICT or RECEPTION_REVERSED (this reception was reversed as recorded in error: record a new one with a new receivedAt), ' +
      "when the episode in the way is within the caller's establishments; else " +
      CUSTODY_RECORD_CONFLICT_DOC,
  })
  @ApiResponse({
    status: 422,
    description:
      "RECEPTION_BEFORE_PREVIOUS_RELEASE (the previous episode within the caller's establishments; else 409 CUSTODY_RECORD_CONFLICT), or IDEMPOTENCY_KEY_REUSED (same key, other facts)",
  })
  async record(
    @Body(new ZodValidationPipe(RecordReceptionBodySchema, 'body')) body: RecordReceptionBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReceptionRecordedView> {
    const { created, episode } = await this.receptions.record(body, requestContextOf(headers, principal));
    const links = linksOf(episode.personId, episode.episode);
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK).header('location', links.self);
    return {
      personId: episode.personId,
      prisonNumber: episode.prisonNumber,
      episode: episode.episode,
      workflowId: throughcareWorkflowId(episode.personId, episode.episode),
      receivedAt: episode.receivedAt?.toISOString() ?? body.receivedAt,
      links,
    };
  }
}
