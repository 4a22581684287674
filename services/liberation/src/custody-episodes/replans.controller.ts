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
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { PolicyAdmin, PrisonStaff, ReplanReaders, scopeOf } from './prison-scope';
import { ApiRecordingHeaders, requestContextOf } from './request-context';
import {
  ApplyReplanBodySchema,
  CreateReplanBodySchema,
  ListReplanItemsQuerySchema,
  ListUncalculatedQuerySchema,
  ListReplansQuerySchema,
  ReplanPathSchema,
  type ApplyReplanBody,
  type CreateReplanBody,
  type ListReplanItemsQuery,
  type ListUncalculatedQuery,
  type UncalculatedEpisodePage,
  type ListReplansQuery,
  type ReplanItemPage,
  type ReplanPath,
  type ReplanRunPage,
  type ReplanRunView,
} from './replan.schemas';
import { ReplanService } from './replan.service';

const EXAMPLE = {
  scotland30: {
    summary: 'Scotland: short-term sentences from 40% to 30%',
    value: {
      reason: 'Short-term release point moves to 30% (regulations under 1993 Act s.27A)',
      policy: {
        id: 'SCOTLAND_ST_THREE_TENTHS_2026',
        sentenceClass: 'SCOTLAND_SHORT_TERM',
        proportion: { num: 3, den: 10 },
        inForceFrom: '2026-05-26',
        appliesTo: { kind: 'ALL_SERVING' },
        excludedOffenceCategories: [
          { category: 'SCOTLAND_SEXUAL_SOA2003_SCH3' },
          { category: 'SCOTLAND_DOMESTIC_ABUSE' },
        ],
        source: {
          citation: 'S.S.I. 2026/NNN reg.2 (example)',
          url: 'https://www.legislation.gov.uk/ssi/2026',
        },
      },
      pageSize: 100,
      pauseMs: 200,
    },
  },
};

/** A resumed apply, as POST …/resume answers it: the stop it resumes after is kept. */
const RESUMED_EXAMPLE = {
  id: '5f0c2b0e-6f7a-4c55-9a43-2d1f1f0f7b10',
  status: 'APPLYING',
  apply: {
    workflowId: 'replan-5f0c2b0e-6f7a-4c55-9a43-2d1f1f0f7b10-apply',
    requestedAt: '2026-12-06T10:00:00.000Z',
    requestedBy: 'policy-admin@example',
    doneAt: null,
    applied: null,
    skipped: null,
    needsReview: null,
    cursor: { personId: 'p3f2a9c01d4b7e6a5c8b1', episode: 1 },
    failure: {
      at: '2026-12-06T10:20:00.000Z',
      workflowStatus: 'TERMINATED',
      workflowRunId: '0193a6c2-7d1e-7b2a-9c4d-5e6f7a8b9c0d',
      reason: 'Workflow execution terminated: operator stopped the apply for a deploy',
      cursor: { personId: 'p3f2a9c01d4b7e6a5c8b1', episode: 1 },
      progress: { scanned: 200, changed: 187, skipped: 13, pages: 2 },
    },
    resumedAt: '2026-12-06T10:45:00.000Z',
    resumedBy: 'policy-admin@example',
    resumes: 1,
  },
};

/** A run whose apply was terminated, as GET …/:id answers it before it is resumed. */
const FAILED_EXAMPLE = {
  ...RESUMED_EXAMPLE,
  status: 'FAILED',
  apply: { ...RESUMED_EXAMPLE.apply, resumedAt: null, resumedBy: null, resumes: 0 },
};

@ApiTags('release-point re-plans')
@PrisonStaff()
@Controller('release-point-replans')
@PersonalData()
export class ReplansController {
  constructor(private readonly replans: ReplanService) {}

  @Audited({ action: 'replan.request', kind: 'change', objectType: 'replan' })
  @PolicyAdmin()
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      "Propose a change of release point for a cohort (the caller's establishments): starts its dry run, which lists every person whose dates it would move; nothing changes until it is applied",
  })
  @ApiRecordingHeaders()
  @ApiBody(apiBodyWithExamples(CreateReplanBodySchema, EXAMPLE))
  @ApiResponse({ status: 202, description: 'The run, its dry run started (workflow replan-<id>-dry-run)' })
  @ApiResponse({ status: 200, description: 'A retry with the same Idempotency-Key: the first run' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({
    status: 422,
    description:
      'REPLAN_BASELINE_RECORD or REPLAN_VERIFIED_RECORD (field policy.id: only a record whose commencement is unverified may be replaced), ' +
      'REPLAN_POLICY_CONFLICT (field policy.id: a record adopted, or being applied, under this id has other values; the same record may be proposed again for another cohort), ' +
      'REPLAN_IN_FORCE_IN_THE_PAST (field policy.inForceFrom: before today), or IDEMPOTENCY_KEY_REUSED',
  })
  async create(
    @Body(new ZodValidationPipe(CreateReplanBodySchema, 'body')) body: CreateReplanBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplanRunView> {
    const { created, view } = await this.replans.create(
      body,
      requestContextOf(headers, principal),
      principal.establishments,
    );
    void reply.status(created ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return view;
  }

  @Audited({ action: 'replan.list', kind: 'list', objectType: 'replan' })
  @ReplanReaders()
  @Get()
  @ApiOperation({ summary: "Re-plans covering any of the caller's establishments, newest first" })
  @ApiQueryFromZod(ListReplansQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of runs and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListReplansQuerySchema, 'query')) query: ListReplansQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReplanRunPage> {
    return this.replans.list(query, scopeOf(principal));
  }

  @Audited({ action: 'replan.read', kind: 'read', objectType: 'replan', objectId: from.param('id') })
  @ReplanReaders()
  @Get(':id')
  @ApiOperation({ summary: 'One re-plan: its status, counts and the live progress of the phase running' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiResponse({
    status: 200,
    description:
      'The run. An apply whose workflow stopped without completing is found here and recorded: status FAILED, apply.failure says how, why and the cursor reached (resume it: POST …/resume)',
    example: FAILED_EXAMPLE,
  })
  @ApiResponse({ status: 400, description: 'Invalid id (problem+json)' })
  @ApiResponse({ status: 404, description: "REPLAN_NOT_FOUND (also: none of the caller's establishments)" })
  get(
    @Param(new ZodValidationPipe(ReplanPathSchema, 'path')) { id }: ReplanPath,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReplanRunView> {
    return this.replans.get(id, scopeOf(principal));
  }

  @Audited({
    action: 'replan.items',
    kind: 'list',
    objectType: 'replan',
    objectId: from.param('id'),
    disclosed: from.items('personId'),
  })
  @ReplanReaders()
  @Get(':id/items')
  @ApiOperation({
    summary:
      "The people a re-plan moves, with their old and new dates (the dry run's report; after the apply step, what it did): those held in the caller's establishments",
  })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiQueryFromZod(ListReplanItemsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of items by person id and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid id or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "REPLAN_NOT_FOUND (also: none of the caller's establishments)" })
  items(
    @Param(new ZodValidationPipe(ReplanPathSchema, 'path')) { id }: ReplanPath,
    @Query(new ZodValidationPipe(ListReplanItemsQuerySchema, 'query')) query: ListReplanItemsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReplanItemPage> {
    return this.replans.items(id, query, scopeOf(principal));
  }

  @Audited({
    action: 'replan.list-uncalculated',
    kind: 'list',
    objectType: 'replan',
    objectId: from.param('id'),
    disclosed: from.items('personId'),
  })
  @ReplanReaders()
  @Get(':id/uncalculated')
  @ApiOperation({
    summary:
      "The people in a re-plan's scope it cannot move: open episodes with no sentence calculation and no recorded official dates (…/recorded-dates; their dates given by hand), held in the caller's establishments; read live. An episode whose official dates are recorded is not listed",
  })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiQueryFromZod(ListUncalculatedQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of episodes by person id and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid id or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "REPLAN_NOT_FOUND (also: none of the caller's establishments)" })
  uncalculated(
    @Param(new ZodValidationPipe(ReplanPathSchema, 'path')) { id }: ReplanPath,
    @Query(new ZodValidationPipe(ListUncalculatedQuerySchema, 'query')) query: ListUncalculatedQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UncalculatedEpisodePage> {
    return this.replans.uncalculated(id, query, scopeOf(principal));
  }

  @Audited({ action: 'replan.apply', kind: 'change', objectType: 'replan', objectId: from.param('id') })
  @PolicyAdmin()
  @Post(':id/apply')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      "Apply a re-plan whose dry run is done: adopts the record (every later calculation in the jurisdiction reads it, at every establishment) and records new dates for each person of the run's establishments it moves, throttled; their journeys re-plan",
  })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiRecordingHeaders()
  @ApiBody(
    apiBodyWithExamples(ApplyReplanBodySchema, {
      cohort: { summary: "The run's establishments hold everyone the record reaches", value: {} },
      national: {
        summary: 'Adopted for all establishments (dryRun.outsideScope above 0, read first)',
        value: { adoptForAllEstablishments: true },
      },
    }),
  )
  @ApiResponse({ status: 202, description: 'Apply started (workflow replan-<id>-apply)' })
  @ApiResponse({
    status: 200,
    description:
      'Already asked: the run as it stands (nothing is applied twice); the same Idempotency-Key answers the first answer (202)',
  })
  @ApiResponse({ status: 400, description: 'Invalid id or body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "REPLAN_NOT_FOUND (also: none of the caller's establishments)" })
  @ApiResponse({
    status: 409,
    description:
      'REPLAN_DRY_RUN_NOT_DONE: read the dry run first (a dry run that never started, or failed, is started again); ' +
      'REPLAN_APPLY_FAILED: the apply stopped (status FAILED): resume it (POST …/resume), it is never started afresh; ' +
      'REPLAN_POLICY_CONFLICT: another law (sentence class, proportion, commencement, reach or exclusions) is adopted, or being applied, under the same id; ' +
      "REPLAN_COHORT_INCOMPLETE: open episodes whose calculation uses a release point of the record's sentence class are held outside the run's establishments (extension outsideScope, a count): re-plan them too, or apply with adoptForAllEstablishments. " +
      'A refusal spends no Idempotency-Key; a key replays the first accepted answer whatever the body',
  })
  async apply(
    @Param(new ZodValidationPipe(ReplanPathSchema, 'path')) { id }: ReplanPath,
    @Body(new ZodValidationPipe(ApplyReplanBodySchema, 'body')) body: ApplyReplanBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplanRunView> {
    const { started, view } = await this.replans.apply(
      id,
      body,
      requestContextOf(headers, principal),
      scopeOf(principal),
    );
    void reply.status(started ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return view;
  }

  @Audited({ action: 'replan.resume', kind: 'change', objectType: 'replan', objectId: from.param('id') })
  @PolicyAdmin()
  @Post(':id/resume')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Resume an apply that stopped (status FAILED: its workflow failed, was terminated, cancelled or timed out): a new run of it goes on from the cursor the stopped one reached (apply.failure.cursor), never recording a person already done',
  })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @ApiRecordingHeaders()
  @ApiResponse({
    status: 202,
    description: 'Resumed (workflow replan-<id>-apply, a new run): the run, status APPLYING',
    example: RESUMED_EXAMPLE,
  })
  @ApiResponse({
    status: 200,
    description:
      'Nothing to resume: the run as it stands, APPLYING (already resumed, or never stopped) or APPLIED; an apply whose start had failed is started. The same Idempotency-Key answers the first answer (202)',
  })
  @ApiResponse({ status: 400, description: 'Invalid id or Idempotency-Key (problem+json)' })
  @ApiResponse({ status: 404, description: "REPLAN_NOT_FOUND (also: none of the caller's establishments)" })
  @ApiResponse({
    status: 409,
    description:
      'REPLAN_NOT_FAILED: only an apply that stopped is resumed (the run is DRY_RUN_RUNNING or DRY_RUN_DONE: apply it); ' +
      'REPLAN_POLICY_CONFLICT: another law of the same id is adopted, or being applied, since it stopped',
  })
  async resume(
    @Param(new ZodValidationPipe(ReplanPathSchema, 'path')) { id }: ReplanPath,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplanRunView> {
    const { resumed, view } = await this.replans.resume(
      id,
      requestContextOf(headers, principal),
      scopeOf(principal),
    );
    void reply.status(resumed ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return view;
  }
}
