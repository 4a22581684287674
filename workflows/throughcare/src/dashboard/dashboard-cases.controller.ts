import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Audited, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Access } from '@throughcare/platform-auth';
import { ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { FunnelCasesQuerySchema } from '../oversight/funnel.schemas';
import { FunnelService } from '../oversight/funnel.service';
import { ListLedgerQuerySchema } from '../oversight/ledger.schemas';
import { LedgerService } from '../oversight/ledger.service';
import { renderCases, unescapeHtml } from './dashboard-page';
import {
  DashboardCasesQueryObject,
  DashboardCasesQuerySchema,
  type DashboardCasesQuery,
} from './dashboard.schemas';
import { INVALID_QUERY, UNAUTHENTICATED } from '../oversight/api-responses';

/**
 * The people a cases page lists: the value of every `data-person` cell (renderCases writes one per
 * row, the pseudonym escaped; any value, not only the platform's own pattern: a THROUGHCARE_ID from
 * upstream may be another shape). dashboard.browser.int.spec.ts checks the record names each.
 */
const listedPersons: AuditResolver<readonly string[]> = (ctx) =>
  typeof ctx.result === 'string'
    ? [...new Set([...ctx.result.matchAll(/data-person="([^"]+)"/g)].map((m) => unescapeHtml(m[1]!)))]
    : [];

/**
 * The dashboard's drill-down (issue 11): the cases behind a bar or a figure, as an HTML table of
 * pseudonymous people, the SLA ledger's clocks (`view=clocks`) or the funnel's journeys
 * (`view=journeys`), with the dashboard's filters. Managers and operators (staff sign-in, or a
 * bearer token); audited with every person listed.
 */
@ApiTags('dashboard')
@ApiBearerAuth()
@Access('manager', 'operator')
@PersonalData()
@Controller('dashboard')
export class DashboardCasesController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly funnel: FunnelService,
  ) {}

  @Audited({
    action: 'dashboard.cases',
    kind: 'list',
    objectType: 'dashboard-cases',
    disclosed: listedPersons,
  })
  @Get('cases')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'The cases behind a dashboard figure, as an HTML table of pseudonymous people (50 a page)',
    description:
      '`view=clocks`: SLA-ledger clocks (`agencyId`, `status`; the period selects the due day). `view=journeys`: funnel journeys (`step`, `state`; the period selects the reception day). `cursor`: the next page (its link).',
  })
  @ApiQueryFromZod(DashboardCasesQueryObject)
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'text/html: the table' })
  @ApiResponse({ status: 302, description: 'No session: to /dashboard/sign-in (the query kept for after)' })
  @ApiResponse(INVALID_QUERY)
  @ApiResponse(UNAUTHENTICATED)
  async cases(
    @Query(new ZodValidationPipe(DashboardCasesQuerySchema, 'query')) query: DashboardCasesQuery,
  ): Promise<string> {
    const where = {
      establishment: query.establishment,
      localAuthority: query.localAuthority,
      pathway: query.pathway,
    };
    if (query.view === 'clocks') {
      // The ledger's own validation (its cursor included), as if asked at /ledger/clocks.
      const page = await this.ledger.list(
        new ZodValidationPipe(ListLedgerQuerySchema, 'query').transform({
          ...where,
          dueFrom: query.from,
          dueTo: query.to,
          agencyId: query.agencyId,
          status: query.status?.join(','),
          cursor: query.cursor,
          limit: '50',
        }),
      );
      return renderCases(query, { clocks: page.items, nextCursor: page.nextCursor });
    }
    const page = await this.funnel.cases(
      new ZodValidationPipe(FunnelCasesQuerySchema, 'query').transform({
        ...where,
        releaseType: query.releaseType,
        receivedFrom: query.from,
        receivedTo: query.to,
        step: query.step,
        state: query.state,
        cursor: query.cursor,
        limit: '50',
      }),
    );
    return renderCases(query, { journeys: page.items, nextCursor: page.nextCursor });
  }
}
