import { Audited, AuditTrail, from, PersonalData } from '@throughcare/platform-audit';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  ErrorTypes,
  needStoppedUpdate,
  planQuery,
  resolveAttentionUpdate,
  throughcareWorkflowId,
  type NeedReferralView,
} from '@throughcare/contracts';
import { Access, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { ConflictError, NotFoundError } from '@throughcare/platform-errors';
import { ApiParamsFromZod, TEMPORAL_CLIENT, ZodValidationPipe } from '@throughcare/platform-http';
import { idempotencyKeyOf, JOURNEY_UPDATE_IDEMPOTENCY_HEADER } from '../attention/attention.schemas';
import { isPrisonStaffOf, planInScope } from './plan-scope';
import {
  JourneyNeedParamsSchema,
  KeepNeedBodySchema,
  StopNeedBodySchema,
  type JourneyNeedParams,
  type KeepNeedBody,
  type StopNeedBody,
} from './sla.schemas';

/** The journey's questions about referring a need its latest assessment no longer indicates. */
const keepQuestion = (pathway: string, action: string) =>
  action.startsWith(`need:${pathway}:hold:`) || action.startsWith(`need:${pathway}:no-longer-indicated:`);

/**
 * Prison staff (their establishments' journeys) and operators: changes to what a journey refers.
 * A journey outside the caller's establishments is answered exactly like one that does not exist.
 */
@ApiTags('journeys')
@ApiBearerAuth()
@Access('operator', 'prison-staff')
@ApiResponse({ status: 401, description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)' })
@Controller('journeys')
@PersonalData()
export class JourneyNeedsController {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  @Audited({
    action: 'journey-need.stop',
    kind: 'change',
    objectType: 'journey-need',
    // The episode too: a recall's next episode has the same person and pathways.
    objectId: (ctx) => `${String(ctx.params['episode'])}:${String(ctx.params['pathway'])}`,
    subject: from.param('personId'),
  })
  @Post(':personId/episodes/:episode/needs/:pathway/stop')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Stops referring one assessed need in this episode (arranged outside the platform, no longer a need, refused): the need's referrals still standing are withdrawn with the reason, and it is referred no more",
  })
  @ApiResponse({
    status: 200,
    description:
      'The need as the journey now holds it (status NOT_REFERRED once its withdrawals are done); a repeat with the same reason answers the same',
  })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "JOURNEY_NOT_FOUND: no running journey (or, for prison staff, none in the caller's establishments)",
  })
  @ApiResponse({
    status: 409,
    description:
      'NEED_STOP_REFUSED: not an assessed need of the episode, stopped already for another reason or skipped by an operator, the case is closed or closing, or the journey refers its needs as one referral',
  })
  @ApiParamsFromZod(JourneyNeedParamsSchema)
  @ApiHeader(JOURNEY_UPDATE_IDEMPOTENCY_HEADER)
  async stop(
    @Param(new ZodValidationPipe(JourneyNeedParamsSchema, 'path')) params: JourneyNeedParams,
    @Body(new ZodValidationPipe(StopNeedBodySchema, 'body')) body: StopNeedBody,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NeedReferralView> {
    const key = idempotencyKeyOf(headers);
    const workflowId = throughcareWorkflowId(params.personId, params.episode);
    const notFound = () => new NotFoundError(`no running journey ${workflowId}`, 'JOURNEY_NOT_FOUND');
    const handle = this.temporal.workflow.getHandle(workflowId);
    const eventId = key ? `need-stop:${workflowId}:${params.pathway}:${key}` : randomUUID();
    try {
      // The scope check needs the plan; then the audit intent, fail closed, before the update
      // (a Temporal update cannot be taken back: see AttentionController.resolve).
      // (The same stop again is the journey's to accept: its validator takes it as a no-op.)
      const plan = await planInScope(handle, principal);
      await this.audit.recordIntent();
      await handle.executeUpdate(needStoppedUpdate, {
        args: [
          {
            pathway: params.pathway,
            reason: body.reason,
            stoppedBy: principal.subject,
            // Prison staff of the person's establishment act as prison staff; anyone else in scope
            // is an operator (the agencies are told which).
            stoppedAs: isPrisonStaffOf(principal, plan) ? 'PRISON_STAFF' : 'OPERATOR',
            stoppedAt: new Date().toISOString(),
            eventId,
          },
        ],
        updateId: eventId,
      });
      const need = (await handle.query(planQuery)).needReferrals?.find((n) => n.pathway === params.pathway);
      if (!need) throw notFound();
      return need;
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) throw notFound();
      // The journey's own refusal (its validator) is a 409; anything else (no handler on a worker
      // mid-deploy, a defect) is the platform's failure, not the caller's.
      if (
        e instanceof WorkflowUpdateFailedError &&
        e.cause instanceof ApplicationFailure &&
        e.cause.type === ErrorTypes.validation
      )
        throw new ConflictError(e.cause.message, 'NEED_STOP_REFUSED');
      throw e;
    }
  }

  @Audited({
    action: 'journey-need.keep',
    kind: 'change',
    objectType: 'journey-need',
    objectId: (ctx) => `${String(ctx.params['episode'])}:${String(ctx.params['pathway'])}`,
    subject: from.param('personId'),
  })
  @Post(':personId/episodes/:episode/needs/:pathway/keep')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Keeps referring a need although the latest assessment of its pathway does not indicate it (declined, not required, done): answers the journey's open question about it (NEED_REFERRAL_HELD, which then refers it; NEED_NO_LONGER_INDICATED, which keeps the referral) with the reason. With no question open, nothing changes (the need is referred as the journey plans it)",
  })
  @ApiResponse({
    status: 200,
    description:
      'The need as the journey now holds it; `answered` names the item answered (absent when none was open: a repeat, or nothing to answer)',
  })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "JOURNEY_NOT_FOUND: no running journey (or, for prison staff, none in the caller's establishments)",
  })
  @ApiResponse({
    status: 409,
    description:
      'NEED_KEEP_REFUSED: not an assessed need of the episode, stopped already, or the journey refused the answer',
  })
  @ApiParamsFromZod(JourneyNeedParamsSchema)
  @ApiHeader(JOURNEY_UPDATE_IDEMPOTENCY_HEADER)
  async keep(
    @Param(new ZodValidationPipe(JourneyNeedParamsSchema, 'path')) params: JourneyNeedParams,
    @Body(new ZodValidationPipe(KeepNeedBodySchema, 'body')) body: KeepNeedBody,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NeedReferralView & { answered?: string }> {
    const key = idempotencyKeyOf(headers);
    const workflowId = throughcareWorkflowId(params.personId, params.episode);
    const notFound = () => new NotFoundError(`no running journey ${workflowId}`, 'JOURNEY_NOT_FOUND');
    const handle = this.temporal.workflow.getHandle(workflowId);
    try {
      const plan = await planInScope(handle, principal);
      const need = plan.needReferrals?.find((n) => n.pathway === params.pathway);
      if (!need)
        throw new ConflictError(
          `${params.pathway} is not an assessed need referred one by one in ${workflowId}`,
          'NEED_KEEP_REFUSED',
        );
      if (need.stopped)
        throw new ConflictError(
          `the ${params.pathway} need was stopped (${need.stopped.reason}): it is referred no more in this episode`,
          'NEED_KEEP_REFUSED',
        );
      const open = plan.attention?.find((a) => a.status === 'OPEN' && keepQuestion(params.pathway, a.action));
      if (!open) return need;
      const eventId = key ? `need-keep:${workflowId}:${params.pathway}:${key}` : randomUUID();
      // The audit intent, fail closed, before the update (see AttentionController.resolve).
      await this.audit.recordIntent();
      await handle.executeUpdate(resolveAttentionUpdate, {
        args: [
          {
            itemId: open.id,
            option: 'SKIP',
            by: principal.subject,
            reason: `kept by ${isPrisonStaffOf(principal, plan) ? 'prison staff' : 'an operator'}: ${body.reason}`,
            resolvedAt: new Date().toISOString(),
            eventId,
          },
        ],
        updateId: eventId,
      });
      const now = (await handle.query(planQuery)).needReferrals?.find((n) => n.pathway === params.pathway);
      if (!now) throw notFound();
      return { ...now, answered: open.id };
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) throw notFound();
      if (
        e instanceof WorkflowUpdateFailedError &&
        e.cause instanceof ApplicationFailure &&
        (e.cause.type === ErrorTypes.validation || e.cause.type === ErrorTypes.notFound)
      )
        throw new ConflictError(e.cause.message, 'NEED_KEEP_REFUSED');
      throw e;
    }
  }
}
