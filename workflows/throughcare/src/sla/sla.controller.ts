import { Audited, from, PersonalData, NotAudited } from '@throughcare/platform-audit';
import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { throughcareWorkflowId, type PlanView } from '@throughcare/contracts';
import { Access, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { derivePersonId } from '@throughcare/platform-config';
import { NotFoundError } from '@throughcare/platform-errors';
import {
  apiBodyFromZod,
  ApiParamsFromZod,
  ApiQueryFromZod,
  openApiSchemaOf,
  TEMPORAL_CLIENT,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import {
  BreachPageSchema,
  JourneyParamsSchema,
  ListBreachesQuerySchema,
  type BreachPage,
  type JourneyParams,
  type ListBreachesQuery,
} from './sla.schemas';
import { involvementOf, InvolvementSchema, type Involvement } from './involvement';
import {
  cursorSigner,
  JOURNEY_LOOKUP_OPTIONS,
  journeyListQuery,
  type CursorSigner,
  journeysOf,
  listJourneys,
  type JourneyLookupOptions,
} from '../oversight/journey-list';
import {
  JourneyLookupBodySchema,
  JourneyLookupSchema,
  JourneyPageSchema,
  ListJourneysQuerySchema,
  type JourneyLookup,
  type JourneyLookupBody,
  type JourneyPage,
  type ListJourneysQuery,
} from '../oversight/journey-list.schemas';
import { planInScope } from './plan-scope';
import { SlaService } from './sla.service';

const unauthenticated = {
  status: 401,
  description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)',
};

/** Managers and operators: the SLA record. Any other role is answered 404, as if the routes did not exist. */
@ApiTags('sla')
@ApiBearerAuth()
@Access('manager', 'operator')
@ApiResponse(unauthenticated)
@Controller('breaches')
@PersonalData()
export class SlaController {
  constructor(private readonly sla: SlaService) {}

  @Audited({
    action: 'sla-breach.list',
    kind: 'list',
    objectType: 'sla-breach',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({ summary: 'SLA breaches, newest first: who owed what to whom, due when, met how late' })
  @ApiQueryFromZod(ListBreachesQuerySchema)
  @ApiResponse({
    status: 200,
    description:
      'A page of breaches, each with its note when it was recorded early, and the cursor of the next page',
    schema: openApiSchemaOf(BreachPageSchema) as never,
  })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListBreachesQuerySchema, 'query')) query: ListBreachesQuery,
  ): Promise<BreachPage> {
    return this.sla.list(query);
  }

  @NotAudited('counts of breaches by clock: no person is named')
  @Get('summary')
  @ApiOperation({ summary: 'Breaches per clock: total, still open, met late, mean lateness' })
  summary() {
    return this.sla.summary();
  }
}

/**
 * A journey's plan: operators (any journey) and prison staff (people held in one of their
 * establishments, see mayViewPlan). A journey outside the caller's establishments is answered
 * exactly like a journey that does not exist.
 */
@ApiTags('journeys')
@ApiBearerAuth()
@Access('operator', 'prison-staff')
@ApiResponse(unauthenticated)
@Controller('journeys')
@PersonalData()
export class JourneysController {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(JOURNEY_LOOKUP_OPTIONS) private readonly lookupOptions: JourneyLookupOptions,
  ) {
    this.cursors = cursorSigner(lookupOptions.personIdSecret);
  }
  private readonly cursors: CursorSigner;

  @Audited({
    action: 'journey.list',
    kind: 'list',
    objectType: 'journey',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary: 'Running journeys, newest first, by stage, establishment, local authority, attention, breaches',
    description:
      "From Temporal visibility (the journeys' search attributes): a journey that continued as new is listed once. Prison staff see journeys at their establishments only. `breached` and `jurisdiction` match journeys since operator-attributes-1 only.",
  })
  @ApiQueryFromZod(ListJourneysQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of journeys',
    schema: openApiSchemaOf(JourneyPageSchema) as never,
  })
  @ApiResponse({ status: 400, description: 'Invalid query or cursor (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListJourneysQuerySchema, 'query')) query: ListJourneysQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JourneyPage> {
    const { limit, cursor, ...filters } = query;
    return listJourneys(this.temporal, this.cursors, journeyListQuery(filters, principal), limit, cursor);
  }

  @Audited({
    action: 'journey.lookup',
    kind: 'read',
    objectType: 'person',
    subject: from.result('personId'),
  })
  @Post('lookup')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "A prison number's pseudonymous person id and journeys (operators; prison staff: their establishments')",
    description:
      'The prison number goes in the body, never in a URL. Prison staff are answered 404 PERSON_NOT_FOUND unless one of the person’s journeys is at one of their establishments, and see only those.',
  })
  @ApiBody(apiBodyFromZod(JourneyLookupBodySchema))
  @ApiResponse({
    status: 200,
    description: 'The person id and journeys',
    schema: openApiSchemaOf(JourneyLookupSchema) as never,
  })
  @ApiResponse({ status: 400, description: 'Not a prison number (problem+json)' })
  @ApiResponse({
    status: 404,
    description: 'PERSON_NOT_FOUND: no journey of that person (prison staff: none at their establishments)',
  })
  async lookup(
    @Body(new ZodValidationPipe(JourneyLookupBodySchema, 'body')) body: JourneyLookupBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JourneyLookup> {
    const personId = derivePersonId(this.lookupOptions.personIdSecret, body.prisonNumber);
    const journeys = await journeysOf(this.temporal, this.cursors, personId, principal);
    if (journeys.length === 0) throw new NotFoundError('no journey of that person here', 'PERSON_NOT_FOUND');
    return { personId, journeys };
  }

  @Audited({
    action: 'journey-plan.read',
    kind: 'read',
    objectType: 'journey',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get(':personId/episodes/:episode')
  @ApiOperation({ summary: "The journey's plan: stage, stages done, open deadlines, and who it waits on" })
  @ApiResponse({
    status: 404,
    description:
      "No journey for that person and episode (or, for prison staff, none in the caller's establishments)",
  })
  @ApiParamsFromZod(JourneyParamsSchema)
  plan(
    @Param(new ZodValidationPipe(JourneyParamsSchema, 'path')) params: JourneyParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PlanView> {
    return this.planFor(params, principal);
  }

  @Audited({
    action: 'journey-involvement.read',
    kind: 'read',
    objectType: 'journey',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get(':personId/episodes/:episode/involvement')
  @ApiOperation({
    summary:
      'Who else is involved: the supervising agency and, per assessed need, every agency with an open referral, with DUPLICATION and GAP warnings',
  })
  @ApiResponse({
    status: 200,
    description: 'The involvement',
    schema: openApiSchemaOf(InvolvementSchema) as never,
  })
  @ApiResponse({
    status: 409,
    description:
      "INVOLVEMENT_UNAVAILABLE: the journey's plan does not say who is involved (the journey could not derive its plan, or predates the referral facts in it): read the plan (problem+json)",
  })
  @ApiResponse({
    status: 404,
    description:
      "No journey for that person and episode (or, for prison staff, none in the caller's establishments)",
  })
  @ApiParamsFromZod(JourneyParamsSchema)
  async involvement(
    @Param(new ZodValidationPipe(JourneyParamsSchema, 'path')) params: JourneyParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Involvement> {
    return involvementOf(await this.planFor(params, principal));
  }

  /** The journey's plan, if the caller may see it; else the same 404 as for no journey. */
  private planFor(params: JourneyParams, principal: Principal): Promise<PlanView> {
    const workflowId = throughcareWorkflowId(params.personId, params.episode);
    return planInScope(this.temporal.workflow.getHandle(workflowId), principal);
  }
}
