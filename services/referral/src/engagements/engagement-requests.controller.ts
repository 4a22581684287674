import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { apiBodyFromZod, ApiQueryFromZod, AgencyScoped, ZodValidationPipe } from '@throughcare/platform-http';
import { CallingAgency, CorrelationId } from '../agency-scope/calling-agency.decorator';
import type { Page } from '../pagination/keyset-cursor';
import {
  AnswerEngagementBodySchema,
  EngagementRequestIdSchema,
  ListEngagementRequestsQuerySchema,
  RecordEngagementBodySchema,
  type AnswerEngagementBody,
  type EngagementRequestView,
  type ListEngagementRequestsQuery,
  type RecordEngagementBody,
} from './engagement.schemas';
import { EngagementsService } from './engagements.service';

/** Audit of a route on one request to engage: the person it is about, from the answer or the table. */
export const onEngagement = (action: string, kind: 'read' | 'change') => ({
  action,
  kind,
  objectType: 'engagement-request',
  objectId: from.param('id'),
  subject: from.first(
    from.result('personId'),
    from.lookup('SELECT person_id AS value FROM referral.engagement_request WHERE id = $1', 'id'),
  ),
});

const NOT_FOUND = 'No such engagement request made to this agency (problem+json)';
const LIFECYCLE =
  'Lifecycle: REQUESTED → (ANSWER) WILL_ENGAGE or CANNOT_ENGAGE; WILL_ENGAGE → (RECORD_ENGAGEMENT) ENGAGED; ' +
  'the prison may WITHDRAW a request REQUESTED or WILL_ENGAGE. Each view lists the caller’s allowedActions.';

/**
 * Duty to engage, the named body's side (Bail and Release from Custody (Scotland) Act 2023
 * s.12): the agency acting for a local authority, health board, Police Scotland, Skills
 * Development Scotland or an integration joint board reads the requests made to it, answers each
 * by its respond-by day, and records when and how it engaged.
 */
@ApiTags('engagement requests')
@AgencyScoped('the engagement requests made to its own agency')
@Controller('engagement-requests')
@PersonalData()
export class EngagementRequestsController {
  constructor(private readonly engagements: EngagementsService) {}

  @Audited({
    action: 'engagement-request.list',
    kind: 'list',
    objectType: 'engagement-request',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary: 'The requests to engage made to the calling agency, in request order, one page at a time',
    description: `overdue=true lists those still unanswered after their respond-by day. ${LIFECYCLE}`,
  })
  @ApiQueryFromZod(ListEngagementRequestsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of requests and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CallingAgency() agencyId: string,
    @Query(new ZodValidationPipe(ListEngagementRequestsQuerySchema, 'query'))
    query: ListEngagementRequestsQuery,
  ): Promise<Page<EngagementRequestView>> {
    return this.engagements.listForAgency(agencyId, query);
  }

  @Audited(onEngagement('engagement-request.read', 'read'))
  @Get(':id')
  @ApiOperation({ summary: 'One request to engage made to the calling agency' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The request, with its answer, engagement and allowedActions' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  get(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(EngagementRequestIdSchema, 'id')) id: string,
  ): Promise<EngagementRequestView> {
    return this.engagements.getForAgency(agencyId, id);
  }

  @Audited(onEngagement('engagement-request.answer', 'change'))
  @Post(':id/answer')
  @ApiOperation({
    summary: 'Answer a request: WILL_ENGAGE, or CANNOT_ENGAGE with the reason (once)',
    description: `An answer after the respond-by day is recorded and marked late. The same answer again returns it (200). ${LIFECYCLE}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(AnswerEngagementBodySchema))
  @ApiResponse({ status: 201, description: 'Answer recorded; referral.engagement.answered emitted' })
  @ApiResponse({
    status: 200,
    description: 'The same answer again: the request as it stands, nothing emitted',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  @ApiResponse({
    status: 409,
    description:
      'TRANSITION_NOT_ALLOWED (already answered otherwise, or withdrawn) with allowedActions (problem+json)',
  })
  @ApiResponse({ status: 422, description: 'BEFORE_REQUESTED or IN_FUTURE: answeredAt (problem+json)' })
  async answer(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(EngagementRequestIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(AnswerEngagementBodySchema, 'body')) body: AnswerEngagementBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EngagementRequestView> {
    const answered = await this.engagements.answer(agencyId, id, body, { correlationId });
    void reply.status(answered.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return answered.request;
  }

  @Audited(onEngagement('engagement-request.record-engagement', 'change'))
  @Post(':id/engagement')
  @ApiOperation({
    summary:
      'Record when and how the body engaged (once it answered WILL_ENGAGE), with a summary for the prison',
    description: `The summary stays in this service, never on the bus. The same engagement again returns it (200). ${LIFECYCLE}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(RecordEngagementBodySchema))
  @ApiResponse({ status: 201, description: 'Engagement recorded; referral.engagement.recorded emitted' })
  @ApiResponse({
    status: 200,
    description: 'The same engagement again: the request as it stands, nothing emitted',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  @ApiResponse({
    status: 409,
    description:
      'TRANSITION_NOT_ALLOWED (not answered WILL_ENGAGE, already engaged otherwise, withdrawn) with allowedActions (problem+json)',
  })
  @ApiResponse({ status: 422, description: 'BEFORE_REQUESTED or IN_FUTURE: engagedAt (problem+json)' })
  async recordEngagement(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(EngagementRequestIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(RecordEngagementBodySchema, 'body')) body: RecordEngagementBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EngagementRequestView> {
    const recorded = await this.engagements.recordEngagement(agencyId, id, body, { correlationId });
    void reply.status(recorded.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return recorded.request;
  }
}
