import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, Param, Put, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { parseOrThrow } from '@throughcare/platform-errors';
import { apiBodyWithExamples, ZodValidationPipe } from '@throughcare/platform-http';
import {
  RecordAnswersBodySchema,
  type AnswersView,
  type QuestionSetView,
  type RecordAnswersBody,
} from './assessment-answers.schemas';
import { AssessmentAnswersService } from './assessment-answers.service';
import { AssessmentParamsSchema, type AssessmentParams } from './assessment.schemas';
import { PrisonStaffOnly } from './establishment-scope';
import { ANSWERS_EXAMPLES } from './request-examples';

const subject = from.lookup('SELECT person_id AS value FROM assessment.assessment WHERE id = $1', 'id');
const NOT_FOUND = "ASSESSMENT_NOT_FOUND: no such assessment at the caller's establishments";

@ApiTags('assessments')
@PrisonStaffOnly()
@Controller('assessments/:id')
@PersonalData()
export class AssessmentAnswersController {
  constructor(private readonly answers: AssessmentAnswersService) {}

  @Audited({
    action: 'assessment.read-questions',
    kind: 'read',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject,
  })
  @Get('questions')
  @ApiOperation({ summary: "The assessment's questions by pathway (its kind's question set, versioned)" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The question set' })
  @ApiResponse({ status: 400, description: 'Invalid id (problem+json)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  questions(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) { id }: AssessmentParams,
  ): Promise<QuestionSetView> {
    return this.answers.questions(principal, id);
  }

  @Audited({
    action: 'assessment.read-answers',
    kind: 'read',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject,
  })
  @Get('answers')
  @ApiOperation({
    summary: "The assessment's answers, each pathway's status and the needs derived from them (ETag header)",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The current answers (version null before any is saved)' })
  @ApiResponse({ status: 400, description: 'Invalid id (problem+json)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  async current(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) { id }: AssessmentParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AnswersView> {
    const view = await this.answers.current(principal, id);
    if (view.etag) void reply.header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'assessment.record-answers',
    kind: 'change',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject,
  })
  @Put('answers')
  @ApiOperation({
    summary:
      'Save the answers so far (all of them, and the skipped pathways): a new version; statuses and needs are derived, never typed in',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag of the answers read ("answers-vN"): the save is refused (412) if another came first',
  })
  @ApiBody(apiBodyWithExamples(RecordAnswersBodySchema, ANSWERS_EXAMPLES))
  @ApiResponse({ status: 200, description: 'Saved: the new version, statuses and needs (ETag header)' })
  @ApiResponse({
    status: 400,
    description: 'Invalid body or If-Match, or answers that do not fit the questions, naming each field',
  })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  @ApiResponse({ status: 409, description: 'ASSESSMENT_ALREADY_COMPLETED: its answers are fixed' })
  @ApiResponse({ status: 412, description: 'PRECONDITION_FAILED: If-Match is not the current version' })
  async save(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) { id }: AssessmentParams,
    @Body(new ZodValidationPipe(RecordAnswersBodySchema, 'body')) body: RecordAnswersBody,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AnswersView> {
    const ifMatch = parseOrThrow(z.string().max(1000).optional(), headers['if-match'], 'If-Match');
    const view = await this.answers.save(principal, id, body, actorOf(principal), ifMatch);
    if (view.etag) void reply.header('etag', view.etag);
    return view;
  }
}
