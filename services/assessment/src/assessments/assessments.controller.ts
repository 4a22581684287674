import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseOrThrow } from '@throughcare/platform-errors';
import {
  apiBodyFromZod,
  ApiQueryFromZod,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { AssessmentsService } from './assessments.service';
import {
  AssessmentPageSchema,
  AssessmentParamsSchema,
  AssessmentViewSchema,
  CompleteCoreScreenBodySchema,
  CorrelationHeadersSchema,
  ListAssessmentsQuerySchema,
  type AssessmentPage,
  type AssessmentParams,
  type AssessmentView,
  type CompleteCoreScreenBody,
  type ListAssessmentsQuery,
} from './assessment.schemas';

const CORRELATION_HEADER = 'x-correlation-id';
const problem = { description: 'application/problem+json' };

@ApiTags('assessments')
@Controller('assessments')
export class AssessmentsController {
  constructor(private readonly assessments: AssessmentsService) {}

  @Get()
  @ApiOperation({
    summary: 'List assessments by person, derived status and establishment, one page at a time',
  })
  @ApiQueryFromZod(ListAssessmentsQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of assessments and the cursor of the next one',
    schema: openApiSchemaOf(AssessmentPageSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid query, naming each field (${problem.description})` })
  list(
    @Query(new ZodValidationPipe(ListAssessmentsQuerySchema, 'query')) query: ListAssessmentsQuery,
  ): Promise<AssessmentPage> {
    return this.assessments.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One assessment, with its completion once recorded' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 200,
    description: 'The assessment',
    schema: openApiSchemaOf(AssessmentViewSchema) as never,
  })
  @ApiResponse({ status: 404, description: `No such assessment (${problem.description})` })
  get(
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) params: AssessmentParams,
  ): Promise<AssessmentView> {
    return this.assessments.get(params.id);
  }

  @Post(':id/completion')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Record the completed core screen (needs and risk of serious harm)',
    description:
      'Idempotent: repeating the recorded completion answers 200 with the same assessment and emits no second event. ' +
      'A completion without completedAt repeats any recorded completedAt.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(CompleteCoreScreenBodySchema))
  @ApiHeader({
    name: CORRELATION_HEADER,
    required: false,
    description: "Carried onto the event; defaults to the journey's",
  })
  @ApiResponse({
    status: 200,
    description: 'Completed (now or before, with the same answers)',
    schema: openApiSchemaOf(AssessmentViewSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid body, naming each field (${problem.description})` })
  @ApiResponse({ status: 404, description: `No such assessment (${problem.description})` })
  @ApiResponse({
    status: 409,
    description: `ASSESSMENT_ALREADY_COMPLETED with different answers (${problem.description})`,
  })
  @ApiResponse({
    status: 422,
    description: `COMPLETION_BEFORE_REQUEST or COMPLETION_IN_FUTURE (${problem.description})`,
  })
  complete(
    @Param(new ZodValidationPipe(AssessmentParamsSchema, 'path')) params: AssessmentParams,
    @Body(new ZodValidationPipe(CompleteCoreScreenBodySchema, 'body')) body: CompleteCoreScreenBody,
    @Headers(CORRELATION_HEADER) correlationId: string | undefined,
  ): Promise<AssessmentView> {
    const headers = parseOrThrow(
      CorrelationHeadersSchema,
      { [CORRELATION_HEADER]: correlationId },
      'headers',
    );
    return this.assessments.completeCoreScreen(params.id, body, headers[CORRELATION_HEADER]);
  }
}
