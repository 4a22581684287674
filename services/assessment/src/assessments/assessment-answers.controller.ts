import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { parseOrThrow } from '@throughcare/platform-errors';
import {
  apiBodyWithExamples,
  ApiQueryFromZod,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import {
  AnswersVersionPageSchema,
  AnswersVersionParamsSchema,
  ListAnswerVersionsQuerySchema,
  RecordAnswersBodySchema,
  type AnswersVersionPage,
  type AnswersVersionParams,
  type AnswersView,
  type ListAnswerVersionsQuery,
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
    action: 'assessment.read-answer-versions',
    kind: 'read',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject,
  })
  @Get('answers/versions')
  @ApiOperation({
    summary:
      "Every saved version of the assessment's answers, newest first, one page at a time: who saved each, when, against which question set",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListAnswerVersionsQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of versions and the cursor of the next one (empty before any is saved)',
    schema: openApiSchemaOf(AnswersVersionPageSchema) as never,
    example: {
      items: [
        {
          version: 2,
          recordedAt: '2026-03-02T10:15:00.000Z',
          recordedBy: 'role:PERSONAL_OFFICER',
          questionSet: { kind: 'COMPREHENSIVE_SCREEN', version: 1 },
        },
        {
          version: 1,
          recordedAt: '2026-03-01T14:02:00.000Z',
          recordedBy: 'role:PERSONAL_OFFICER',
          questionSet: { kind: 'COMPREHENSIVE_SCREEN', version: 1 },
        },
      ],
      nextCursor: null,
    },
  })
  @ApiResponse({ status: 400, description: 'Invalid id, limit or cursor, naming each field (problem+json)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  versions(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) { id }: AssessmentParams,
    @Query(new ZodValidationPipe(ListAnswerVersionsQuerySchema, 'query')) query: ListAnswerVersionsQuery,
  ): Promise<AnswersVersionPage> {
    return this.answers.versions(principal, id, query);
  }

  @Audited({
    action: 'assessment.read-answers-version',
    kind: 'read',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject,
  })
  @Get('answers/versions/:version')
  @ApiOperation({
    summary:
      "One saved version of the assessment's answers, with each pathway's status and the needs derived from it",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'version', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 200,
    description: 'That version (as GET …/answers shows the current one)',
    example: {
      assessmentId: '0b7c3f7e-4f1d-4a8e-9a55-2f4f5c1d9e01',
      version: 1,
      etag: '"answers-v1"',
      questionSet: { kind: 'COMPREHENSIVE_SCREEN', version: 1 },
      answers: { ACC_NO_ADDRESS: true },
      skips: [],
      pathways: [
        {
          pathway: 'ACCOMMODATION',
          status: 'IN_PROGRESS',
          reasons: [
            'need: Has the person nowhere settled to live on release?',
            'unanswered: ACC_WANTS_SUPPORT',
          ],
          skipped: null,
        },
      ],
      needs: [],
      unfinished: ['ACCOMMODATION'],
      recordedAt: '2026-03-01T14:02:00.000Z',
      recordedBy: 'role:PERSONAL_OFFICER',
    },
  })
  @ApiResponse({ status: 400, description: 'Invalid id or version, naming each field (problem+json)' })
  @ApiResponse({
    status: 404,
    description: `${NOT_FOUND}; or ANSWERS_VERSION_NOT_FOUND: no such version of its answers`,
  })
  version(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AnswersVersionParamsSchema, 'path')) { id, version }: AnswersVersionParams,
  ): Promise<AnswersView> {
    return this.answers.version(principal, id, version);
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
