import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  apiBodyFromZod,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { AgencyScoped, CallingAgency, CorrelationId } from '../agency-scope/calling-agency.decorator';
import { idempotencyKeyOf } from '../agency-scope/idempotency-key';
import type { Page } from '../pagination/keyset-cursor';
import {
  AcknowledgeReferralBodySchema,
  CloseReferralBodySchema,
  IDEMPOTENCY_HEADER,
  ListReferralsQuerySchema,
  RecordOutcomeBodySchema,
  ReferralIdSchema,
  type AcknowledgeReferralBody,
  type CloseReferralBody,
  type ListReferralsQuery,
  type RecordOutcomeBody,
  type ReferralView,
} from './referral.schemas';
import { ReferralsService } from './referrals.service';

/** The audit of a route on one referral (`:id`): the person is the answer's, else the referral's. */
export const onReferral = (action: string, kind: 'read' | 'change') => ({
  action,
  kind,
  objectType: 'referral',
  objectId: from.param('id'),
  subject: from.first(
    from.result('personId'),
    from.lookup('SELECT person_id AS value FROM referral.referral WHERE id = $1', 'id'),
  ),
});

@ApiTags('referrals')
@AgencyScoped()
@Controller('referrals')
@PersonalData()
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Audited({
    action: 'referral.list',
    kind: 'list',
    objectType: 'referral',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({ summary: "The calling agency's referrals in sent order, one page at a time" })
  @ApiQueryFromZod(ListReferralsQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of referrals (with each acknowledgeBy deadline) and the cursor of the next one',
  })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CallingAgency() agencyId: string,
    @Query(new ZodValidationPipe(ListReferralsQuerySchema, 'query')) query: ListReferralsQuery,
  ): Promise<Page<ReferralView>> {
    return this.referrals.list(agencyId, query);
  }

  @Audited(onReferral('referral.read', 'read'))
  @Get(':id')
  @ApiOperation({ summary: 'One referral of the calling agency' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  get(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
  ): Promise<ReferralView> {
    return this.referrals.get(agencyId, id);
  }

  @Audited(onReferral('referral.acknowledge', 'change'))
  @Post(':id/acknowledgement')
  @ApiOperation({
    summary: 'Acknowledge a referral (once; repeating it returns the acknowledgement on record)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(AcknowledgeReferralBodySchema))
  @ApiResponse({
    status: 201,
    description: 'Acknowledgement recorded; referral.referral.acknowledged emitted',
  })
  @ApiResponse({
    status: 200,
    description: 'Already acknowledged: the acknowledgement on record, nothing emitted',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  @ApiResponse({
    status: 422,
    description: 'ACKNOWLEDGED_BEFORE_SENT or ACKNOWLEDGED_IN_FUTURE (problem+json)',
  })
  @ApiResponse({
    status: 409,
    description:
      'REFERRAL_WITHDRAWN (with the reason), or TRANSITION_NOT_ALLOWED with the allowed actions (an acknowledgement dated after a decision on record) (problem+json)',
  })
  async acknowledge(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(AcknowledgeReferralBodySchema, 'body')) body: AcknowledgeReferralBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReferralView> {
    const outcome = await this.referrals.acknowledge(agencyId, id, body, correlationId);
    void reply.status(outcome.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.referral;
  }

  @Audited(onReferral('referral.record-outcome', 'change'))
  @Post(':id/outcome')
  @ApiOperation({
    summary:
      "Record the agency's decision on its referral (the feedback loop to prison staff); the referral shows every decision in order",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description: 'A retry with the same key answers the referral as it stands, recording nothing more',
  })
  @ApiBody(apiBodyFromZod(RecordOutcomeBodySchema))
  @ApiResponse({
    status: 201,
    description: 'Decision recorded; referral.referral.outcome-recorded emitted; the referral',
  })
  @ApiResponse({
    status: 200,
    description:
      "A repeat (the same Idempotency-Key; the same decision, reason and decidedAt; or the referral's latest decision and reason again, dated no earlier): the referral, nothing emitted",
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid body, e.g. DECLINED or WITHDRAWN without a reason (problem+json naming each field)',
  })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      'REFERRAL_WITHDRAWN (with the reason); TRANSITION_NOT_ALLOWED when the lifecycle does not allow the decision where its decidedAt places it (e.g. before the acknowledgement), with the status then and now and the allowed actions (problem+json)',
  })
  @ApiResponse({
    status: 422,
    description:
      'DECIDED_BEFORE_SENT, DECIDED_IN_FUTURE, or IDEMPOTENCY_KEY_REUSED (the key with other facts) (problem+json)',
  })
  async recordOutcome(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body(new ZodValidationPipe(RecordOutcomeBodySchema, 'body')) body: RecordOutcomeBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReferralView> {
    const outcome = await this.referrals.recordOutcome(agencyId, id, body, {
      correlationId,
      idempotencyKey: idempotencyKeyOf(headers),
    });
    void reply.status(outcome.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.referral;
  }

  @Audited(onReferral('referral.close', 'change'))
  @Post(':id/closure')
  @ApiOperation({
    summary:
      'Close a case the agency took on (status ACCEPTED, APPOINTMENT_BOOKED, ATTENDED or NOT_ATTENDED), with what its work achieved and a summary; once',
    description:
      'The work is over and the need stays with this agency: the journey does not refer it elsewhere. ' +
      'To give a case up so that the need goes to the next eligible agency, record the decision WITHDRAWN (with its reason) instead. ' +
      'Nothing follows a closure (GET /referrals/lifecycle).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(CloseReferralBodySchema))
  @ApiResponse({
    status: 201,
    description:
      'Closed; referral.referral.closed emitted (the outcome code, never the summary); the referral',
  })
  @ApiResponse({
    status: 200,
    description:
      'The same closure again (outcome, closedBy, summary, and closedAt if given): the referral, nothing emitted',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such referral for this agency (problem+json)' })
  @ApiResponse({
    status: 409,
    description:
      'REFERRAL_WITHDRAWN (with the reason), or TRANSITION_NOT_ALLOWED when the case is not accepted where closedAt falls, or is already closed otherwise, with the allowed actions (problem+json)',
  })
  @ApiResponse({ status: 422, description: 'CLOSED_BEFORE_SENT or CLOSED_IN_FUTURE (problem+json)' })
  async close(
    @CallingAgency() agencyId: string,
    @CorrelationId() correlationId: string,
    @Param('id', new ZodValidationPipe(ReferralIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(CloseReferralBodySchema, 'body')) body: CloseReferralBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReferralView> {
    const closure = await this.referrals.close(agencyId, id, body, correlationId);
    void reply.status(closure.recorded ? HttpStatus.CREATED : HttpStatus.OK);
    return closure.referral;
  }
}
