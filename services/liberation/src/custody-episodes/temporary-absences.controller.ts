import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseOrThrow } from '@throughcare/platform-errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { EpisodePathSchema, type EpisodePath } from './custody-episode.schemas';
import { PrisonStaff, scopeOf } from './prison-scope';
import { ApiRecordingHeaders, IfMatchHeaderSchema, requestContextOf } from './request-context';
import { AbsenceCorrectionService } from './absence-correction.service';
import {
  AbsencePathSchema,
  CorrectAbsenceBodySchema,
  type AbsenceCorrectedView,
  type CorrectAbsenceBody,
  ListAbsencesQuerySchema,
  RecordDepartureBodySchema,
  RecordReturnBodySchema,
  ReverseAbsenceBodySchema,
  type AbsencePage,
  type AbsencePath,
  type AbsenceView,
  type ListAbsencesQuery,
  type RecordDepartureBody,
  type RecordReturnBody,
  type ReverseAbsenceBody,
} from './temporary-absence.schemas';
import { TemporaryAbsencesService, type AbsenceOutcome } from './temporary-absences.service';
import {
  ABSENCE_CORRECTION_EXAMPLES,
  ABSENCE_DEPARTURE_EXAMPLES,
  ABSENCE_RETURN_EXAMPLES,
  ABSENCE_REVERSAL_EXAMPLES,
} from './request-examples';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';

const RETRY_DOC = 'The same fact again (or the same Idempotency-Key): what is recorded, nothing emitted';

@ApiTags('temporary absences')
@PrisonStaff()
@Controller('people/:personId/episodes/:episode/absences')
@PersonalData()
export class TemporaryAbsencesController {
  constructor(
    private readonly absences: TemporaryAbsencesService,
    private readonly corrections: AbsenceCorrectionService,
  ) {}

  private answer(outcome: AbsenceOutcome, reply: FastifyReply): AbsenceView {
    void reply.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.absence;
  }

  @Audited({
    action: 'custody-episode.record-absence',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Record a temporary absence: the person left on temporary licence (ROTL) or for court; custody.absence.started',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiRecordingHeaders()
  @ApiBody(apiBodyWithExamples(RecordDepartureBodySchema, ABSENCE_DEPARTURE_EXAMPLES))
  @ApiResponse({ status: 201, description: 'Recorded: the absence (status OUT)' })
  @ApiResponse({ status: 200, description: RETRY_DOC })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  @ApiResponse({
    status: 409,
    description: `EPISODE_ALREADY_RELEASED, ABSENCE_ALREADY_OPEN or ${EPISODE_RECEIVED_IN_ERROR_DOC}`,
  })
  @ApiResponse({
    status: 422,
    description:
      'ABSENCE_BEFORE_RECEPTION, ABSENCE_BEFORE_TRANSFER, ABSENCE_BEFORE_LAST_RETURN or IDEMPOTENCY_KEY_REUSED',
  })
  async depart(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(RecordDepartureBodySchema, 'body')) body: RecordDepartureBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AbsenceView> {
    return this.answer(
      await this.absences.depart(personId, episode, body, requestContextOf(headers, principal)),
      reply,
    );
  }

  @Audited({
    action: 'custody-episode.record-absence-return',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post(':absenceId/return')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Record the return from a temporary absence; custody.absence.ended' })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'absenceId', schema: { type: 'string', format: 'uuid' } })
  @ApiRecordingHeaders()
  @ApiBody(apiBodyWithExamples(RecordReturnBodySchema, ABSENCE_RETURN_EXAMPLES))
  @ApiResponse({ status: 201, description: 'Recorded: the absence (status RETURNED)' })
  @ApiResponse({ status: 200, description: RETRY_DOC })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'EPISODE_NOT_FOUND or ABSENCE_NOT_FOUND' })
  @ApiResponse({
    status: 409,
    description:
      'ABSENCE_ALREADY_ENDED (at another instant), ABSENCE_REVERSED, ABSENCE_ENDED_BY_MOVEMENT (a transfer while out ended it), or EPISODE_ALREADY_RELEASED (released while out: the absence ended with the release)',
  })
  @ApiResponse({ status: 422, description: 'RETURN_BEFORE_DEPARTURE or IDEMPOTENCY_KEY_REUSED' })
  async return(
    @Param(new ZodValidationPipe(AbsencePathSchema, 'path')) { personId, episode, absenceId }: AbsencePath,
    @Body(new ZodValidationPipe(RecordReturnBodySchema, 'body')) body: RecordReturnBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AbsenceView> {
    return this.answer(
      await this.absences.return(personId, episode, absenceId, body, requestContextOf(headers, principal)),
      reply,
    );
  }

  @Audited({
    action: 'custody-episode.reverse-absence',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post(':absenceId/reversal')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Correct a temporary absence recorded in error: undo its return (the person is out again) or its departure (it never was); custody.absence.reversed',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'absenceId', schema: { type: 'string', format: 'uuid' } })
  @ApiRecordingHeaders()
  @ApiBody(apiBodyWithExamples(ReverseAbsenceBodySchema, ABSENCE_REVERSAL_EXAMPLES))
  @ApiResponse({ status: 201, description: 'Reversed: the absence' })
  @ApiResponse({ status: 200, description: RETRY_DOC })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'EPISODE_NOT_FOUND or ABSENCE_NOT_FOUND' })
  @ApiResponse({
    status: 409,
    description:
      'ABSENCE_RETURN_STANDS, ABSENCE_NOT_ENDED, ABSENCE_SUPERSEDED, ABSENCE_REVERSED, ABSENCE_ENDED_BY_MOVEMENT or EPISODE_ALREADY_RELEASED (reverse the release or transfer first)',
  })
  @ApiResponse({ status: 422, description: 'REVERSAL_BEFORE_MOVEMENT or IDEMPOTENCY_KEY_REUSED' })
  async reverse(
    @Param(new ZodValidationPipe(AbsencePathSchema, 'path')) { personId, episode, absenceId }: AbsencePath,
    @Body(new ZodValidationPipe(ReverseAbsenceBodySchema, 'body')) body: ReverseAbsenceBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AbsenceView> {
    return this.answer(
      await this.absences.reverse(personId, episode, absenceId, body, requestContextOf(headers, principal)),
      reply,
    );
  }

  @Audited({
    action: 'custody-episode.correct-absence',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post(':absenceId/correction')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Correct a temporary absence in place: its departure or return instant, or its due-back time, recorded wrongly; custody.absence.corrected',
    description:
      'The absence keeps its id and events; the facts it superseded stay in its history (`corrections`). ' +
      "Refused (409) where the episode's history would become impossible.",
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'absenceId', schema: { type: 'string', format: 'uuid' } })
  @ApiRecordingHeaders()
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The absence\'s ETag ("absence-vN", its `etag`): refused (412 PRECONDITION_FAILED) if it was corrected since. Optional',
  })
  @ApiBody(apiBodyWithExamples(CorrectAbsenceBodySchema, ABSENCE_CORRECTION_EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Corrected: the absence, with its corrections; ETag header: the new version',
  })
  @ApiResponse({ status: 200, description: RETRY_DOC })
  @ApiResponse({
    status: 400,
    description:
      'Invalid path, body or If-Match (problem+json naming each field): none of leftAt, returnedAt, dueBackAt',
  })
  @ApiResponse({ status: 404, description: 'EPISODE_NOT_FOUND or ABSENCE_NOT_FOUND' })
  @ApiResponse({
    status: 409,
    description:
      'ABSENCE_REVERSED, ABSENCE_NOT_ENDED (a returnedAt with no return standing), CORRECTION_BEFORE_RECEPTION, ' +
      'CORRECTION_REORDERS_HISTORY (past another standing movement, departure or return, named in `conflictsWith`), or EPISODE_RECEIVED_IN_ERROR',
  })
  @ApiResponse({
    status: 412,
    description: "PRECONDITION_FAILED: If-Match is not the absence's current version",
  })
  @ApiResponse({
    status: 422,
    description: 'RETURN_BEFORE_DEPARTURE, DUE_BACK_BEFORE_DEPARTURE or IDEMPOTENCY_KEY_REUSED',
  })
  async correct(
    @Param(new ZodValidationPipe(AbsencePathSchema, 'path')) { personId, episode, absenceId }: AbsencePath,
    @Body(new ZodValidationPipe(CorrectAbsenceBodySchema, 'body')) body: CorrectAbsenceBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AbsenceCorrectedView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const outcome = await this.corrections.correct(
      personId,
      episode,
      absenceId,
      body,
      ifMatch,
      requestContextOf(headers, principal),
    );
    void reply
      .status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK)
      .header('etag', outcome.absence.etag);
    return outcome.absence;
  }

  @Audited({
    action: 'custody-episode.list-absences',
    kind: 'list',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({ summary: "The episode's temporary absences, latest first" })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiQueryFromZod(ListAbsencesQuerySchema)
  @ApiResponse({
    status: 200,
    description:
      'A page of absences and the cursor of the next one (movementReasonCode: the NOMIS movement reason an HMPPS event gave for the departure, as sent; null when staff recorded it)',
  })
  @ApiResponse({ status: 400, description: 'Invalid path or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  list(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Query(new ZodValidationPipe(ListAbsencesQuerySchema, 'query')) query: ListAbsencesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AbsencePage> {
    return this.absences.list(personId, episode, query, scopeOf(principal));
  }
}
