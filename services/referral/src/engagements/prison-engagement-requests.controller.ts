import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import {
  apiBodyFromZod,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { CorrelationId } from '../agency-scope/calling-agency.decorator';
import { idempotencyKeyOf } from '../agency-scope/idempotency-key';
import type { PrisonScope } from '../notes/referral-notes.service';
import type { Page } from '../pagination/keyset-cursor';
import { IDEMPOTENCY_HEADER } from '../referrals/referral.schemas';
import { onEngagement } from './engagement-requests.controller';
import {
  CreateEngagementRequestBodySchema,
  EngagementRequestIdSchema,
  ListPrisonEngagementRequestsQuerySchema,
  WithdrawEngagementBodySchema,
  type CreateEngagementRequestBody,
  type EngagementRequestView,
  type ListPrisonEngagementRequestsQuery,
  type WithdrawEngagementBody,
} from './engagement.schemas';
import { EngagementsService } from './engagements.service';

const NOT_FOUND =
  "No such engagement request of the caller's prisons (problem+json): another prison's answers the same";
const scopeOf = (principal: Principal): PrisonScope => ({ establishments: principal.establishments });

/**
 * Duty to engage, the prison's side (Bail and Release from Custody (Scotland) Act 2023 s.12):
 * the staff of the prison responsible (the one that asked, or the one holding the person after a
 * transfer) ask a named body to engage in a person's release planning by a day, follow the
 * answers (overdue ones first to chase), read the engagement, and withdraw a request no longer needed.
 */
@ApiTags('prison engagement requests')
@Access('prison-staff')
@ApiBearerAuth()
@ApiResponse({
  status: 401,
  description:
    "No valid access token (problem+json; WWW-Authenticate: Bearer). The token names establishments: the caller reads only their prisons' requests",
})
@Controller('prison/engagement-requests')
@PersonalData()
export class PrisonEngagementRequestsController {
  constructor(private readonly engagements: EngagementsService) {}

  @Audited({
    action: 'prison-engagement-request.create',
    kind: 'change',
    objectType: 'engagement-request',
    objectId: from.result('id'),
    subject: from.body('personId'),
  })
  @Post()
  @ApiOperation({
    summary: 'Ask a named body to engage in a person’s release planning by a day',
    description:
      'The body (its directory agency) is told: referral.engagement.requested on the bus and to its webhooks. One open request per body, person and episode. ' +
      'The purpose stays in this service, never on the bus.',
  })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      'A retry with the same key answers the request on record (200). Without a key every call asks anew',
  })
  @ApiBody(apiBodyFromZod(CreateEngagementRequestBodySchema))
  @ApiResponse({ status: 201, description: 'The request, made' })
  @ApiResponse({
    status: 200,
    description: 'The same Idempotency-Key again: the request on record, nothing sent',
  })
  @ApiResponse({
    status: 400,
    description:
      "Invalid body (problem+json naming each field), or establishmentCode not one of the caller's",
  })
  @ApiResponse({
    status: 409,
    description:
      'ENGAGEMENT_ALREADY_REQUESTED (an open one to this body for this person and episode, its id in engagementRequestId) (problem+json)',
  })
  @ApiResponse({
    status: 422,
    description:
      'RESPOND_BY_IN_PAST, RESPOND_BY_TOO_FAR, or IDEMPOTENCY_KEY_REUSED (the key with another request) (problem+json)',
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body(new ZodValidationPipe(CreateEngagementRequestBodySchema, 'body')) body: CreateEngagementRequestBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EngagementRequestView> {
    const made = await this.engagements.request(scopeOf(principal), body, {
      correlationId,
      idempotencyKey: idempotencyKeyOf(headers),
    });
    void reply.status(made.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return made.request;
  }

  @Audited({
    action: 'prison-engagement-request.list',
    kind: 'list',
    objectType: 'engagement-request',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "The requests to engage of the caller's prisons, in request order (by person, episode, status; overdue=true for those to chase)",
  })
  @ApiQueryFromZod(ListPrisonEngagementRequestsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of requests and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(ListPrisonEngagementRequestsQuerySchema, 'query'))
    query: ListPrisonEngagementRequestsQuery,
  ): Promise<Page<EngagementRequestView>> {
    return this.engagements.listForPrison(scopeOf(principal), query);
  }

  @Audited(onEngagement('prison-engagement-request.read', 'read'))
  @Get(':id')
  @ApiOperation({
    summary: "One request to engage of the caller's prisons, with the body's answer and engagement",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The request' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(EngagementRequestIdSchema, 'id')) id: string,
  ): Promise<EngagementRequestView> {
    return this.engagements.getForPrison(scopeOf(principal), id);
  }

  @Audited(onEngagement('prison-engagement-request.withdraw', 'change'))
  @Post(':id/withdrawal')
  @ApiOperation({
    summary: 'Withdraw a request still open (REQUESTED or WILL_ENGAGE); the body is told',
    description:
      'referral.engagement.withdrawn on the bus and to the body’s webhooks. The same withdrawal again returns it (200).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(WithdrawEngagementBodySchema))
  @ApiResponse({ status: 201, description: 'Withdrawn' })
  @ApiResponse({ status: 200, description: 'Already withdrawn with this reason: the request as it stands' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  @ApiResponse({
    status: 409,
    description:
      'TRANSITION_NOT_ALLOWED (answered CANNOT_ENGAGE, engaged, or withdrawn otherwise) with allowedActions, or ENGAGEMENT_REQUEST_MOVED (the person moved: the prison now holding them acts on it) (problem+json)',
  })
  async withdraw(
    @CurrentPrincipal() principal: Principal,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(EngagementRequestIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(WithdrawEngagementBodySchema, 'body')) body: WithdrawEngagementBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EngagementRequestView> {
    const withdrawn = await this.engagements.withdraw(scopeOf(principal), id, body, { correlationId });
    void reply.status(withdrawn.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return withdrawn.request;
  }
}
