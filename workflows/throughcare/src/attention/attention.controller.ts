import { Audited, AuditTrail, from, PersonalData } from '@throughcare/platform-audit';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  ErrorTypes,
  planQuery,
  resolveAttentionUpdate,
  throughcareWorkflowId,
  type AttentionItemView,
} from '@throughcare/contracts';
import { Access } from '@throughcare/platform-auth';
import { ConflictError, NotFoundError } from '@throughcare/platform-errors';
import {
  ApiParamsFromZod,
  ApiQueryFromZod,
  openApiSchemaOf,
  TEMPORAL_CLIENT,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import {
  AttentionPageSchema,
  AttentionParamsSchema,
  idempotencyKeyOf,
  JOURNEY_UPDATE_IDEMPOTENCY_HEADER,
  ListAttentionQuerySchema,
  ResolveAttentionBodySchema,
  type AttentionPage,
  type AttentionParams,
  type ListAttentionQuery,
  type ResolveAttentionBody,
} from './attention.schemas';
import { AttentionService } from './attention.service';

/**
 * Operators: what journeys could not do (and will not retry alone), and the way to resolve it.
 * Operators only; any other role is answered 404, as if the routes did not exist.
 */
@ApiTags('attention')
@ApiBearerAuth()
@Access('operator')
@ApiResponse({ status: 401, description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)' })
@Controller()
@PersonalData()
export class AttentionController {
  constructor(
    private readonly attention: AttentionService,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  @Audited({
    action: 'attention-item.list',
    kind: 'list',
    objectType: 'attention-item',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get('attention')
  @ApiOperation({
    summary:
      'Attention items, oldest first (open by default): the step that failed for good, who must act, since when, the options',
  })
  @ApiQueryFromZod(ListAttentionQuerySchema)
  @ApiResponse({ status: 200, schema: openApiSchemaOf(AttentionPageSchema) as never, description: 'A page' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListAttentionQuerySchema, 'query')) query: ListAttentionQuery,
  ): Promise<AttentionPage> {
    return this.attention.list(query);
  }

  @Audited({
    action: 'attention-item.resolve',
    kind: 'change',
    objectType: 'attention-item',
    objectId: from.param('itemId'),
    subject: from.param('personId'),
  })
  @Post('journeys/:personId/episodes/:episode/attention/:itemId/resolution')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Resolves an attention item through the journey's validated update: RETRY the step, or SKIP it with a reason",
  })
  @ApiResponse({ status: 200, description: 'The item as the journey now holds it' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such journey, or no such item in it' })
  @ApiResponse({
    status: 409,
    description: 'The journey refused: already resolved, or an option it does not offer',
  })
  @ApiParamsFromZod(AttentionParamsSchema)
  @ApiHeader(JOURNEY_UPDATE_IDEMPOTENCY_HEADER)
  async resolve(
    @Param(new ZodValidationPipe(AttentionParamsSchema, 'path')) params: AttentionParams,
    @Body(new ZodValidationPipe(ResolveAttentionBodySchema, 'body')) body: ResolveAttentionBody,
    @Headers() headers: Record<string, string | string[] | undefined>,
  ): Promise<AttentionItemView> {
    const key = idempotencyKeyOf(headers);
    const workflowId = throughcareWorkflowId(params.personId, params.episode);
    const handle = this.temporal.workflow.getHandle(workflowId);
    const eventId = key ? `resolve:${workflowId}:${params.itemId}:${key}` : randomUUID();
    try {
      // Audit before the change, fail closed. The change is a Temporal update, which no database
      // transaction of ours can carry with its audit record, and which cannot be taken back: so the
      // record is written first, as an intent ('allowed': admitted and sent; see
      // AuditTrail.recordIntent), and if it cannot be written the request answers 503
      // AUDIT_UNAVAILABLE and the update is never sent. If the journey then refuses the update,
      // a second record of this request gives that outcome. Before the intent, a read-only look
      // at the journey answers the plain misses (no journey, no such item) with one 'not-found'
      // record rather than an intent followed by a miss.
      const before = await handle.query(planQuery);
      if (before.attention && !before.attention.some((a) => a.id === params.itemId))
        throw new NotFoundError(`no attention item ${params.itemId} in ${workflowId}`, 'ATTENTION_NOT_FOUND');
      await this.audit.recordIntent();
      await handle.executeUpdate(resolveAttentionUpdate, {
        args: [{ itemId: params.itemId, ...body, resolvedAt: new Date().toISOString(), eventId }],
        updateId: eventId,
      });
      const plan = await handle.query(planQuery);
      const item = plan.attention?.find((a) => a.id === params.itemId);
      if (!item)
        throw new NotFoundError(`no attention item ${params.itemId} in ${workflowId}`, 'ATTENTION_NOT_FOUND');
      return item;
    } catch (e) {
      if (e instanceof WorkflowNotFoundError)
        throw new NotFoundError(`no running journey ${workflowId}`, 'JOURNEY_NOT_FOUND');
      if (e instanceof WorkflowUpdateFailedError) {
        const reason = e.cause instanceof Error ? e.cause.message : e.message;
        if (e.cause instanceof ApplicationFailure && e.cause.type === ErrorTypes.notFound)
          throw new NotFoundError(reason, 'ATTENTION_NOT_FOUND');
        throw new ConflictError(reason, 'ATTENTION_RESOLUTION_REFUSED');
      }
      throw e;
    }
  }
}
