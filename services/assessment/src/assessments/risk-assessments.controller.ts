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
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { parseOrThrow } from '@throughcare/platform-errors';
import {
  apiBodyWithExamples,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { callerOf, PrisonStaffOnly } from './establishment-scope';
import { CORRELATION_HEADER, IDEMPOTENCY_HEADER, requestContextOf } from './request-context';
import {
  ListRiskAssessmentsQuerySchema,
  PersonPathSchema,
  RecordRiskBodySchema,
  RiskAssessmentPageSchema,
  RiskAssessmentViewSchema,
  type ListRiskAssessmentsQuery,
  type PersonPath,
  type RecordRiskBody,
  type RiskAssessmentPage,
  type RiskAssessmentView,
} from './risk-assessment.schemas';
import { RiskAssessmentsService } from './risk-assessments.service';

const problem = 'application/problem+json';
const IfMatchSchema = z.string().max(1000).optional();
const PERSON_NOT_FOUND =
  "PERSON_NOT_FOUND: no assessment of the person's latest custody episode at the caller's establishments";

const EXAMPLES = {
  first: {
    summary: 'A first assessment, not a MAPPA case',
    value: {
      likelihoodOfReoffending: 'MEDIUM',
      riskOfSeriousHarm: 'MEDIUM',
      reasons: 'Two previous convictions for assault; engaged with addiction services.',
      assessedOn: '2027-01-12',
      mappa: null,
    },
  },
  rise: {
    summary: 'A reassessment: risk of serious harm raised, a MAPPA case at level 2',
    value: {
      likelihoodOfReoffending: 'MEDIUM',
      riskOfSeriousHarm: 'HIGH',
      reasons: 'Disclosed threats towards a former partner; police intelligence shared at the MAPPA meeting.',
      assessedOn: '2027-02-03',
      mappa: { category: 2, level: 2 },
    },
  },
};

const VIEW_EXAMPLE: RiskAssessmentView = {
  personId: 'p0123456789abcdef0123',
  version: 2,
  etag: '"risk-v2"',
  likelihoodOfReoffending: 'MEDIUM',
  riskOfSeriousHarm: 'HIGH',
  reasons: 'Disclosed threats towards a former partner; police intelligence shared at the MAPPA meeting.',
  assessedOn: '2027-02-03',
  mappa: { category: 2, level: 2 },
  rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
  recordedAt: '2027-02-03T10:14:00.000Z',
  recordedBy: 'user:st-4f1c',
};

/**
 * A person's risk assessments (issue 10): versions, newest first, and the current one. A person is
 * the caller's when an assessment of their latest custody episode is at one of the caller's
 * establishments; any other is answered 404 as unknown.
 */
@ApiTags('risk')
@PrisonStaffOnly()
@Controller('people/:personId/risk-assessments')
@PersonalData()
export class RiskAssessmentsController {
  constructor(private readonly risks: RiskAssessmentsService) {}

  @Audited({
    action: 'risk-assessment.record',
    kind: 'change',
    objectType: 'risk-assessment',
    objectId: from.param('personId'),
    subject: from.param('personId'),
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      "Record a risk assessment of the person: likelihood of reoffending, risk of serious harm, reasons, the day assessed and the MAPPA status, as the person's next version",
    description:
      'What rose against the version before (risk of serious harm, MAPPA level, likelihood of reoffending) is derived, ' +
      'never typed in, and published with the bands as assessment.risk.assessed (the reasons are not). ' +
      'A retry with the same Idempotency-Key answers the first recording (200) and records nothing new.',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag of the current version ("risk-vN"): the recording is refused (412) if another came first',
  })
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
      "A retry with the same key answers the first recording; the same key with another request is 422. Keys are the calling client's own",
  })
  @ApiBody(apiBodyWithExamples(RecordRiskBodySchema, EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Recorded: the new version (ETag header)',
    schema: openApiSchemaOf(RiskAssessmentViewSchema) as never,
    example: VIEW_EXAMPLE,
  })
  @ApiResponse({
    status: 200,
    description: 'A retry with the same Idempotency-Key: the version it recorded (ETag header)',
    schema: openApiSchemaOf(RiskAssessmentViewSchema) as never,
  })
  @ApiResponse({
    status: 400,
    description: `Invalid path, body, headers or If-Match, naming each field (${problem})`,
  })
  @ApiResponse({ status: 404, description: `${PERSON_NOT_FOUND} (${problem})` })
  @ApiResponse({
    status: 412,
    description: `PRECONDITION_FAILED: If-Match is not the current version (${problem})`,
  })
  @ApiResponse({
    status: 422,
    description: `RISK_ASSESSED_IN_FUTURE (naming assessedOn), or IDEMPOTENCY_KEY_REUSED (${problem})`,
  })
  async record(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Body(new ZodValidationPipe(RecordRiskBodySchema, 'body')) body: RecordRiskBody,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RiskAssessmentView> {
    const ifMatch = parseOrThrow(IfMatchSchema, headers['if-match'], 'If-Match');
    const { created, view } = await this.risks.record(
      callerOf(principal),
      personId,
      body,
      actorOf(principal),
      requestContextOf(headers),
      ifMatch,
    );
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK).header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'risk-assessment.list',
    kind: 'list',
    objectType: 'risk-assessment',
    objectId: from.param('personId'),
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({
    summary: "Every version of the person's risk assessment, newest first, one page at a time",
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiQueryFromZod(ListRiskAssessmentsQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of versions and the cursor of the next one (empty when none is recorded)',
    schema: openApiSchemaOf(RiskAssessmentPageSchema) as never,
    example: { items: [VIEW_EXAMPLE], nextCursor: null },
  })
  @ApiResponse({ status: 400, description: `Invalid path or query, naming each field (${problem})` })
  @ApiResponse({ status: 404, description: `${PERSON_NOT_FOUND} (${problem})` })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Query(new ZodValidationPipe(ListRiskAssessmentsQuerySchema, 'query')) query: ListRiskAssessmentsQuery,
  ): Promise<RiskAssessmentPage> {
    return this.risks.list(principal, personId, query);
  }

  @Audited({
    action: 'risk-assessment.read',
    kind: 'read',
    objectType: 'risk-assessment',
    objectId: from.param('personId'),
    subject: from.param('personId'),
  })
  @Get('current')
  @ApiOperation({ summary: "The person's current risk assessment (the highest version; ETag header)" })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiResponse({
    status: 200,
    description: 'The current version',
    schema: openApiSchemaOf(RiskAssessmentViewSchema) as never,
    example: VIEW_EXAMPLE,
  })
  @ApiResponse({ status: 400, description: `Invalid path, naming each field (${problem})` })
  @ApiResponse({
    status: 404,
    description: `${PERSON_NOT_FOUND}, or RISK_ASSESSMENT_NOT_FOUND: none recorded yet (${problem})`,
  })
  async current(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RiskAssessmentView> {
    const view = await this.risks.current(principal, personId);
    void reply.header('etag', view.etag);
    return view;
  }
}
