import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { apiBodyFromZod, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgencyScoped, CallingAgency, CorrelationId } from '../agency-scope/calling-agency.decorator';
import type { Page } from '../pagination/keyset-cursor';
import {
  AcknowledgeReferralBodySchema,
  ListReferralsQuerySchema,
  ReferralIdSchema,
  type AcknowledgeReferralBody,
  type ListReferralsQuery,
  type ReferralView,
} from './referral.schemas';
import { ReferralsService } from './referrals.service';

@ApiTags('referrals')
@AgencyScoped()
@Controller('referrals')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

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
}
