import { NoPersonalData } from '@throughcare/platform-audit';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  apiBodyFromZod,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { AgencyScoped, CallingAgency } from '../agency-scope/calling-agency.decorator';
import { idempotencyKeyOf } from '../agency-scope/idempotency-key';
import type { Page } from '../pagination/keyset-cursor';
import { IDEMPOTENCY_HEADER } from '../referrals/referral.schemas';
import {
  CreateWebhookEndpointBodySchema,
  ListWebhookDeliveriesQuerySchema,
  ListWebhookEndpointsQuerySchema,
  RecoverWebhookDeliveriesBodySchema,
  UpdateWebhookEndpointBodySchema,
  WebhookDeliveryIdSchema,
  WebhookEndpointIdSchema,
  type CreateWebhookEndpointBody,
  type ListWebhookDeliveriesQuery,
  type ListWebhookEndpointsQuery,
  type RecoverWebhookDeliveriesBody,
  type WebhookRecoveryView,
  type UpdateWebhookEndpointBody,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecretView,
} from './webhook.schemas';
import { WebhooksService } from './webhooks.service';

const NOT_FOUND = { status: 404, description: 'No such webhook endpoint for this agency (problem+json)' };

/** An agency's webhook endpoints (Standard Webhooks) and their delivery log. */
@ApiTags('webhooks')
@AgencyScoped()
@Controller('webhook-endpoints')
@NoPersonalData(
  "webhook endpoints: the agency's URLs, event types and delivery log (event ids and HTTP statuses), never a person",
)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Register an endpoint: the events about this agency’s cases are POSTed to it, signed',
    description:
      'Answers the signing secret once (`whsec_…`): verify each request with a Standard Webhooks library. Each event is ' +
      'delivered once per endpoint (the `webhook-id` header is the event id, the same on every retry), retried with backoff ' +
      'until a 2xx answer, and logged (GET …/deliveries). Only https URLs on the public internet are taken.',
  })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description: 'A retry with the same key answers the endpoint made first, with its secret (200)',
  })
  @ApiBody(apiBodyFromZod(CreateWebhookEndpointBodySchema))
  @ApiResponse({ status: 201, description: 'The endpoint, with its signing secret (shown this once)' })
  @ApiResponse({
    status: 200,
    description: 'The same Idempotency-Key again: the endpoint made first, with its secret',
  })
  @ApiResponse({
    status: 400,
    description:
      'Invalid body, or WEBHOOK_URL_NOT_ALLOWED (not https, a private address, …) (problem+json naming each field)',
  })
  @ApiResponse({
    status: 409,
    description: 'WEBHOOK_ENDPOINT_LIMIT (10 per agency) (problem+json)',
  })
  @ApiResponse({ status: 422, description: 'IDEMPOTENCY_KEY_REUSED with another endpoint (problem+json)' })
  async create(
    @CallingAgency() agencyId: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body(new ZodValidationPipe(CreateWebhookEndpointBodySchema, 'body')) body: CreateWebhookEndpointBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookEndpointWithSecretView> {
    const { endpoint, created } = await this.webhooks.create(agencyId, body, idempotencyKeyOf(headers));
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return endpoint;
  }

  @Get()
  @ApiOperation({ summary: "The agency's webhook endpoints, oldest first (never their secrets)" })
  @ApiQueryFromZod(ListWebhookEndpointsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of endpoints and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CallingAgency() agencyId: string,
    @Query(new ZodValidationPipe(ListWebhookEndpointsQuerySchema, 'query')) query: ListWebhookEndpointsQuery,
  ): Promise<Page<WebhookEndpointView>> {
    return this.webhooks.list(agencyId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook endpoint of the agency (never its secret)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The endpoint' })
  @ApiResponse({ status: 400, description: 'Invalid id (problem+json)' })
  @ApiResponse(NOT_FOUND)
  get(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(WebhookEndpointIdSchema, 'id')) id: string,
  ): Promise<WebhookEndpointView> {
    return this.webhooks.get(agencyId, id);
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Set the endpoint as it should stand: URL, description, event types, enabled',
    description:
      'enabled: false stops deliveries and cancels those pending; true delivers what happens from then on. The same state again changes nothing.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(UpdateWebhookEndpointBodySchema))
  @ApiResponse({ status: 200, description: 'The endpoint as it now stands' })
  @ApiResponse({
    status: 400,
    description: 'Invalid body or id, or WEBHOOK_URL_NOT_ALLOWED (problem+json naming each field)',
  })
  @ApiResponse(NOT_FOUND)
  update(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(WebhookEndpointIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(UpdateWebhookEndpointBodySchema, 'body')) body: UpdateWebhookEndpointBody,
  ): Promise<WebhookEndpointView> {
    return this.webhooks.update(agencyId, id, body);
  }

  @Post(':id/secret-rotation')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'A new signing secret, shown this once; the previous one still signs for 24 hours',
    description:
      'While the overlap lasts, `webhook-signature` carries a signature by each secret (space-separated): a receiver with either verifies.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      'Send one: a retry with the same key (its answer lost) answers the secret that rotation made, and rotates nothing. Without a key, a second rotation within 24 hours stops the first secret signing at once',
  })
  @ApiResponse({
    status: 200,
    description: 'The endpoint with its new secret, and when the previous one stops signing',
  })
  @ApiResponse({ status: 400, description: 'Invalid id or Idempotency-Key (problem+json)' })
  @ApiResponse(NOT_FOUND)
  rotateSecret(
    @CallingAgency() agencyId: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Param('id', new ZodValidationPipe(WebhookEndpointIdSchema, 'id')) id: string,
  ): Promise<WebhookEndpointWithSecretView> {
    return this.webhooks.rotateSecret(agencyId, id, idempotencyKeyOf(headers));
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary:
      'The delivery log: each event sent to the endpoint, newest first, with every attempt and its answer',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListWebhookDeliveriesQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of deliveries and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query or id (problem+json naming each field)' })
  @ApiResponse(NOT_FOUND)
  deliveries(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(WebhookEndpointIdSchema, 'id')) id: string,
    @Query(new ZodValidationPipe(ListWebhookDeliveriesQuerySchema, 'query'))
    query: ListWebhookDeliveriesQuery,
  ): Promise<Page<WebhookDeliveryView>> {
    return this.webhooks.deliveries(agencyId, id, query);
  }

  @Post(':id/deliveries/:deliveryId/redelivery')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Send a delivery again: once more, now (a finished one), or now rather than at its next retry',
    description:
      'For an event the receiver lost, or one that failed while the endpoint was broken. A finished delivery (DELIVERED, ' +
      'FAILED, CANCELLED) gets one more attempt with no retries after it; a PENDING one is tried now and keeps its schedule. ' +
      'The webhook-id is unchanged. Asking again is harmless. The attempt shows in the delivery log.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiResponse({ status: 202, description: 'The delivery, PENDING, as it now stands' })
  @ApiResponse({ status: 400, description: 'Invalid id (problem+json)' })
  @ApiResponse({
    status: 404,
    description: 'No such webhook endpoint for this agency, or no such delivery to it (problem+json)',
  })
  @ApiResponse({
    status: 409,
    description:
      'WEBHOOK_ENDPOINT_DISABLED: enable the endpoint first (problem+json, with its disabledReason)',
  })
  redeliver(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(WebhookEndpointIdSchema, 'id')) id: string,
    @Param('deliveryId', new ZodValidationPipe(WebhookDeliveryIdSchema, 'deliveryId')) deliveryId: string,
  ): Promise<WebhookDeliveryView> {
    return this.webhooks.redeliver(agencyId, id, deliveryId);
  }

  @Post(':id/recovery')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'After an outage: send again every delivery since an instant that did not get through',
    description:
      'Each FAILED or CANCELLED delivery made in [since, until) gets one more attempt, now, as a redelivery of each would; ' +
      'delivered and pending ones are left as they are, so asking twice sends nothing twice that got through. ' +
      'since reaches back at most 30 days. Enable a disabled endpoint first.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(RecoverWebhookDeliveriesBodySchema))
  @ApiResponse({ status: 202, description: 'How many deliveries are sent again' })
  @ApiResponse({
    status: 400,
    description: 'Invalid body or id, or since more than 30 days ago (problem+json naming each field)',
  })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({
    status: 409,
    description:
      'WEBHOOK_ENDPOINT_DISABLED: enable the endpoint first (problem+json, with its disabledReason)',
  })
  recover(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(WebhookEndpointIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(RecoverWebhookDeliveriesBodySchema, 'body'))
    body: RecoverWebhookDeliveriesBody,
  ): Promise<WebhookRecoveryView> {
    return this.webhooks.recover(agencyId, id, body);
  }
}
