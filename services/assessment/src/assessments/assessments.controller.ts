import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  apiBodyWithExamples,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { AssessmentsService } from './assessments.service';
import {
  AssessmentPageSchema,
  AssessmentParamsSchema,
  AssessmentViewSchema,
  CompleteAssessmentBodySchema,
  ListAssessmentsQuerySchema,
  type AssessmentPage,
  type AssessmentParams,
  type AssessmentView,
  type CompleteAssessmentBody,
  type ListAssessmentsQuery,
} from './assessment.schemas';
import { callerOf, PrisonStaffOnly } from './establishment-scope';
import { CORRELATION_HEADER, IDEMPOTENCY_HEADER, requestContextOf } from './request-context';
import { COMPLETION_EXAMPLES } from './request-examples';

const problem = { description: 'application/problem+json' };

@ApiTags('assessments')
@PrisonStaffOnly()
@Controller('assessments')
@PersonalData()
export class AssessmentsController {
  constructor(private readonly assessments: AssessmentsService) {}

  @Audited({
    action: 'assessment.list',
    kind: 'list',
    objectType: 'assessment',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      'List assessments by person, kind, derived status and establishment, one page at a time, each with the consent status of its episode',
    description:
      "Only assessments at the caller's establishments (named by the access token); an establishment filter outside them finds nothing.",
  })
  @ApiQueryFromZod(ListAssessmentsQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of assessments and the cursor of the next one',
    schema: openApiSchemaOf(AssessmentPageSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid query, naming each field (${problem.description})` })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(ListAssessmentsQuerySchema, 'query')) query: ListAssessmentsQuery,
  ): Promise<AssessmentPage> {
    return this.assessments.list(principal, query);
  }

  @Audited({
    action: 'assessment.read',
    kind: 'read',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM assessment.assessment WHERE id = $1', 'id'),
    ),
  })
  @Get(':id')
  @ApiOperation({
    summary: 'One assessment, with its completion once recorded and the consent status of its episode',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 200,
    description: 'The assessment',
    schema: openApiSchemaOf(AssessmentViewSchema) as never,
  })
  @ApiResponse({
    status: 404,
    description: `ASSESSMENT_NOT_FOUND: no such assessment at the caller's establishments (${problem.description})`,
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) params: AssessmentParams,
  ): Promise<AssessmentView> {
    return this.assessments.get(principal, params.id);
  }

  @Audited({
    action: 'assessment.record-completion',
    kind: 'change',
    objectType: 'assessment',
    objectId: from.param('id'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM assessment.assessment WHERE id = $1', 'id'),
    ),
  })
  @Post(':id/completion')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Record a completed assessment: a core screen, comprehensive screen, standard or summary review',
    description:
      'The needs are derived from the answers saved by pathway (PUT /assessments/{id}/answers): leave needs out ' +
      '(a list sent must agree with the answers). An assessment requested before the typed-needs cut-over (migration 1000) ' +
      'and with no answers saved may still be completed with a typed list of needs; any other without answers is 422 ANSWERS_REQUIRED. ' +
      'A core screen records riskOfSeriousHarm and completedBy (completedAt defaults to now) and emits ' +
      'assessment.core-screen.completed. A comprehensive screen or review records completedAt ' +
      '(completedBy optional, no riskOfSeriousHarm) and emits assessment.assessment.completed with its kind. ' +
      "Both events carry each pathway's status and skip reason (pathways) when completed from answers. " +
      'Idempotent: repeating the recorded completion answers 200 with the same assessment and emits no second event. ' +
      'A completion without completedAt repeats any recorded completedAt.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyWithExamples(CompleteAssessmentBodySchema, COMPLETION_EXAMPLES))
  @ApiHeader({
    name: CORRELATION_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description: "Carried onto the event; defaults to the journey's",
  })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      "A retry with the same key answers the first result; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED. Keys are the calling client's own",
  })
  @ApiResponse({
    status: 200,
    description: 'Completed (now or before, with the same answers)',
    schema: openApiSchemaOf(AssessmentViewSchema) as never,
  })
  @ApiResponse({
    status: 400,
    description: `Invalid body, or one that does not fit the kind, naming each field (${problem.description})`,
  })
  @ApiResponse({
    status: 404,
    description: `ASSESSMENT_NOT_FOUND: no such assessment at the caller's establishments (${problem.description})`,
  })
  @ApiResponse({
    status: 409,
    description: `ASSESSMENT_ALREADY_COMPLETED with different answers (${problem.description})`,
  })
  @ApiResponse({
    status: 422,
    description: `ANSWERS_REQUIRED (no answers saved for an assessment requested since the cut-over; errors names needs or answers), COMPLETION_BEFORE_REQUEST, COMPLETION_IN_FUTURE, PATHWAYS_UNFINISHED, NEEDS_DISAGREE_WITH_ANSWERS, SAVED_ANSWERS_INVALID (the latest saved answers no longer pass the PUT's checks, e.g. a skip hiding a need; errors names the field as the PUT would), or IDEMPOTENCY_KEY_REUSED (same key, other answers) (${problem.description})`,
  })
  complete(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) params: AssessmentParams,
    @Body(new ZodValidationPipe(CompleteAssessmentBodySchema, 'body')) body: CompleteAssessmentBody,
    @Headers() headers: Record<string, string | undefined>,
  ): Promise<AssessmentView> {
    return this.assessments.complete(callerOf(principal), params.id, body, requestContextOf(headers));
  }
}
