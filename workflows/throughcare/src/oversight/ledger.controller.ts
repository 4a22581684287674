import { Audited, type AuditResolver, from, PersonalData, NotAudited } from '@throughcare/platform-audit';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '@throughcare/platform-auth';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { ApiQueryFromZod, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import {
  LedgerFilterSchema,
  LedgerPageSchema,
  LedgerSummaryQuerySchema,
  LedgerSummarySchema,
  ListLedgerQuerySchema,
  type LedgerFilter,
  type LedgerPage,
  type LedgerSummary,
  type LedgerSummaryQuery,
  type ListLedgerQuery,
} from './ledger.schemas';
import { LEDGER_CSV_COLUMNS, LEDGER_EXPORT_MAX_ROWS, LedgerService } from './ledger.service';
import { INVALID_QUERY, UNAUTHENTICATED } from './api-responses';

/** The people a CSV export names: its first column, after the header (pseudonyms, never quoted). */
const csvPersons: AuditResolver<readonly string[]> = (ctx) =>
  typeof ctx.result === 'string'
    ? [
        ...new Set(
          ctx.result
            .split('\r\n')
            .slice(1)
            .map((line) => line.slice(0, line.indexOf(',')))
            .filter((id) => id.length > 0),
        ),
      ]
    : [];

/**
 * The SLA ledger (issue 11): every clock of every journey, met, met late, breached, open or
 * cancelled, with who owes it, where, and under which policy; a read model built from the bus
 * (`throughcare.sla.clocks-reported`). Managers and operators only; any other role is answered
 * 404, as if the routes did not exist.
 */
@ApiTags('sla-ledger')
@ApiBearerAuth()
@Access('manager', 'operator')
@ApiResponse(UNAUTHENTICATED)
@Controller('ledger')
@PersonalData()
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Audited({
    action: 'sla-ledger.list',
    kind: 'list',
    objectType: 'sla-clock',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get('clocks')
  @ApiOperation({
    summary: 'Every clock, latest due first: status, who owes it to whom, where, under which policy',
    description:
      'Filters combine (AND); `status` takes several values, comma-separated. Keyset pagination: pass `nextCursor` back as `cursor`. The same filters export as CSV at /ledger/clocks.csv.',
  })
  @ApiQueryFromZod(ListLedgerQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of clocks',
    schema: openApiSchemaOf(LedgerPageSchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  list(
    @Query(new ZodValidationPipe(ListLedgerQuerySchema, 'query')) query: ListLedgerQuery,
  ): Promise<LedgerPage> {
    return this.ledger.list(query);
  }

  @Audited({
    action: 'sla-ledger.export',
    kind: 'list',
    objectType: 'sla-clock',
    subject: from.query('personId'),
    disclosed: csvPersons,
  })
  @Get('clocks.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="sla-ledger.csv"')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'The clocks the same filters select, as CSV (latest due first)',
    description: `Columns: ${LEDGER_CSV_COLUMNS.join(', ')}. At most ${LEDGER_EXPORT_MAX_ROWS} rows: a wider selection is 400 LEDGER_EXPORT_TOO_LARGE. A cell starting with = + - @ is prefixed with ' (spreadsheet formula injection).`,
  })
  @ApiProduces('text/csv')
  @ApiQueryFromZod(LedgerFilterSchema)
  @ApiResponse({ status: 200, description: 'text/csv: a header line, then one row per clock' })
  @ApiResponse({
    status: 400,
    description: `Invalid query, or LEDGER_EXPORT_TOO_LARGE: more than ${LEDGER_EXPORT_MAX_ROWS} clocks match (problem+json)`,
  })
  async csv(@Query(new ZodValidationPipe(LedgerFilterSchema, 'query')) query: LedgerFilter): Promise<string> {
    const n = await this.ledger.count(query);
    if (n > LEDGER_EXPORT_MAX_ROWS)
      throw new ValidationFailedError(
        `${n} clocks match; an export holds at most ${LEDGER_EXPORT_MAX_ROWS}: narrow the filters (dueFrom, dueTo, establishment …)`,
        [],
        'LEDGER_EXPORT_TOO_LARGE',
      );
    return this.ledger.csv(query);
  }

  @NotAudited('counts of clocks by status per group (owner, agency, establishment …): no person is named')
  @Get('summary')
  @ApiOperation({
    summary:
      'Clocks by status per group (who owes, agency, establishment, local authority, pathway, clock, policy)',
    description:
      'Most breaches (breached + met late) first; `dueMonth` (the UTC month clocks are due in) in order of the month. `breachRate` is (breached + met late) over the clocks that have come due (met, met late, breached).',
  })
  @ApiQueryFromZod(LedgerSummaryQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'The groups',
    schema: openApiSchemaOf(LedgerSummarySchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  summary(
    @Query(new ZodValidationPipe(LedgerSummaryQuerySchema, 'query')) query: LedgerSummaryQuery,
  ): Promise<LedgerSummary> {
    return this.ledger.summary(query);
  }
}
