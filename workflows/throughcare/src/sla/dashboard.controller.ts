import { Controller, Get, Header, Headers, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { NoPersonalData } from '@throughcare/platform-audit';
import { Access } from '@throughcare/platform-auth';
import {
  ApiQueryFromZod,
  openApiSchemaOf,
  TEMPORAL_CLIENT,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { AttentionService } from '../attention/attention.service';
import { dashboardMessage, renderDashboard, renderDashboardErrors } from '../dashboard/dashboard-page';
import {
  DashboardQueryObject,
  DashboardQuerySchema,
  DashboardViewSchema,
  type DashboardQuery,
  type DashboardView,
} from '../dashboard/dashboard.schemas';
import { FunnelService } from '../oversight/funnel.service';
import { runningJourneysByStage, runningJourneysNeedingAttention } from '../oversight/journey-counts';
import { LedgerService } from '../oversight/ledger.service';
import { OutcomesService } from '../oversight/outcomes.service';
import { RecentlyComputed } from './recently-computed';
import { SlaService } from './sla.service';
import { INVALID_QUERY, UNAUTHENTICATED } from '../oversight/api-responses';

/**
 * For managers: which agencies breach most and when, where people drop out, how long steps take,
 * where journeys are now and what waits on an operator. Managers and operators only: the JSON
 * with a bearer token or a dashboard session, the HTML page after staff sign-in (../dashboard:
 * without a session, GET /dashboard goes to the identity provider). The page's charts are drawn
 * by its script from GET /dashboard/data with the same query: the figures of one query are
 * computed once and answered to both (kept FIGURES_KEPT_MS), so a page view costs one computation.
 */
@ApiTags('dashboard')
@NoPersonalData('aggregate counts by stage, clock, agency, month, step and who must act; names no person')
@Controller('dashboard')
export class DashboardController {
  /** The same query's figures, answered again for this long (the page, then its script's /dashboard/data). */
  static readonly FIGURES_KEPT_MS = 5_000;
  private readonly figures = new RecentlyComputed<DashboardView>(DashboardController.FIGURES_KEPT_MS);

  constructor(
    private readonly sla: SlaService,
    private readonly attention: AttentionService,
    private readonly ledger: LedgerService,
    private readonly funnel: FunnelService,
    private readonly outcomes: OutcomesService,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  @Get('data')
  @Access('manager', 'operator')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "The dashboard's figures (JSON): breaches by agency and month, the attrition funnel, time to each step, journeys per stage, attention",
  })
  @ApiQueryFromZod(DashboardQueryObject)
  @ApiResponse({
    status: 200,
    description: 'The figures',
    schema: openApiSchemaOf(DashboardViewSchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  @ApiResponse(UNAUTHENTICATED)
  data(
    @Query(new ZodValidationPipe(DashboardQuerySchema, 'query')) query: DashboardQuery,
  ): Promise<DashboardView> {
    const key = JSON.stringify(Object.entries(query).sort(([a], [b]) => a.localeCompare(b)));
    return this.figures.get(key, () => this.compute(query));
  }

  private async compute(query: DashboardQuery): Promise<DashboardView> {
    const [journeysByStage, journeysNeedingAttention] = await Promise.all([
      runningJourneysByStage(this.temporal),
      runningJourneysNeedingAttention(this.temporal),
    ]);
    const where = {
      establishment: query.establishment,
      localAuthority: query.localAuthority,
      pathway: query.pathway,
    };
    const clocks = { ...where, dueFrom: query.from, dueTo: query.to };
    const journeys = {
      ...where,
      releaseType: query.releaseType,
      receivedFrom: query.from,
      receivedTo: query.to,
    };
    const [byAgency, byMonth, funnel, timeToStep, outcomes] = await Promise.all([
      this.ledger.summary({ ...clocks, groupBy: 'agency' }),
      this.ledger.summary({ ...clocks, groupBy: 'dueMonth' }),
      this.funnel.funnel({ ...journeys, groupBy: 'none' }),
      this.funnel.timeToStep(journeys),
      this.outcomes.reconviction({
        ...where,
        releaseType: query.releaseType === 'NOT_RELEASED' ? undefined : query.releaseType,
        releasedFrom: query.from,
        releasedTo: query.to,
        windowYears: 2,
        groupBy: 'agency',
      }),
    ]);
    return {
      journeysByStage,
      breaches: await this.sla.summary(),
      journeysNeedingAttention,
      attention: await this.attention.openSummary(),
      filters: query,
      // Clocks owed by no agency (the prison's own) are not an agency's.
      ledger: { byAgency: byAgency.rows.filter((r) => r.group !== null), byMonth: byMonth.rows },
      funnel: funnel.groups[0]?.steps ?? [],
      funnelCompleteSince: funnel.completeSince,
      timeToStep: timeToStep.intervals,
      outcomes: outcomes.groups,
    };
  }

  @Get()
  @Access('manager', 'operator')
  @ApiBearerAuth()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      'The dashboard as an HTML page, its filters in the URL (managers and operators: staff sign-in, or a bearer token)',
  })
  @ApiQueryFromZod(DashboardQueryObject)
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'text/html: the page; its charts are drawn from /dashboard/data' })
  @ApiResponse({ status: 302, description: 'No session: to /dashboard/sign-in (the filters kept for after)' })
  @ApiResponse({
    status: 400,
    description:
      'Invalid query: problem+json naming each field; to a browser (Accept: text/html), the page with an error summary',
  })
  async page(
    @Query() raw: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // The answer depends on Accept (a browser's page or an API client's problem+json).
    void reply.header('vary', 'Accept');
    const parsed = DashboardQuerySchema.safeParse(raw);
    if (!parsed.success) {
      // An API client gets problem+json naming the fields, as from every route (the pipe throws
      // it); a browser (it asks for text/html first) the page with the error summary.
      const browser = /^\s*text\/html\b/.test(accept ?? '');
      if (!browser) {
        new ZodValidationPipe(DashboardQuerySchema, 'query').transform(raw);
        throw new Error('unreachable: the query failed its schema, and the pipe did not refuse it');
      }
      void reply.status(400);
      const values = Object.fromEntries(
        Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      return renderDashboardErrors(
        values,
        parsed.error.issues.map((i) => ({
          field: String(i.path[0] ?? 'query'),
          message: dashboardMessage(i),
        })),
      );
    }
    return renderDashboard(await this.data(parsed.data));
  }
}
