import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NoPersonalData } from '@throughcare/platform-audit';
import { Access, actorOf, CurrentPrincipal, type Principal, type Role } from '@throughcare/platform-auth';
import { apiBodyFromZod, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgenciesService } from './agencies.service';
import { CSV_COLUMNS, MAX_IMPORT_ROWS } from './agency-csv';
import {
  AgencyIdSchema,
  CreateAgencyBodySchema,
  CSV_BODY_LIMIT_BYTES,
  CsvBodySchema,
  ImportAgenciesQuerySchema,
  SearchAgenciesQuerySchema,
  EligibleAgenciesQuerySchema,
  type EligibleAgencies,
  type EligibleAgenciesQuery,
  type ImportAgenciesQuery,
  type ImportResult,
  type SearchAgenciesQuery,
  type SearchPage,
  ListAgenciesQuerySchema,
  type AgencyPage,
  type CreateAgencyBody,
  type ListAgenciesQuery,
  type AgencyView,
} from './agency.schemas';

/**
 * The directory names organisations and duty contacts, never a person: every role reads it.
 * Listed, not taken from ROLES, so a role added later is admitted only once someone decides it.
 */
const EVERY_ROLE = [
  'prison-staff',
  'agency-staff',
  'agency-system',
  'manager',
  'operator',
  'auditor',
  'administrator',
  'service',
] as const satisfies readonly Role[];

@ApiTags('agencies')
@ApiBearerAuth()
@ApiResponse({
  status: 401,
  description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)',
})
@NoPersonalData('agencies: organisations, areas and duty contacts, never a person in throughcare')
@Controller('agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgenciesService) {}

  @Get()
  @Access(...EVERY_ROLE)
  @ApiOperation({ summary: 'List agencies, filtered by area and kind, one page at a time' })
  @ApiQueryFromZod(ListAgenciesQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of agencies and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListAgenciesQuerySchema, 'query')) query: ListAgenciesQuery,
  ): Promise<AgencyPage> {
    return this.agencies.list(query);
  }

  @Get('search')
  @Access(...EVERY_ROLE)
  @ApiOperation({
    summary: 'Search services by pathway, area and eligibility, best match first',
    description:
      'Services (each with its agency) on a resettlement pathway, offered to the council area given, ' +
      'for whom the person is eligible (sex, age, sentence length), taking referrals unless includeNotAccepting. ' +
      'With q, each word matches a word beginning with it, or a near spelling; ranked by full-text rank plus ' +
      'word similarity. Pages of at most 50: pass nextCursor back as cursor.',
  })
  @ApiQueryFromZod(SearchAgenciesQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of services with their agencies, best first' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  search(
    @Query(new ZodValidationPipe(SearchAgenciesQuerySchema, 'query')) query: SearchAgenciesQuery,
  ): Promise<SearchPage> {
    return this.agencies.search(query);
  }

  @Get('eligible')
  @Access(...EVERY_ROLE)
  @ApiOperation({
    summary: 'The services a need may be referred to, best first (the first is the choice)',
    description:
      "Eligible: on the need's pathway, taking referrals, the agency's catchment holding the area, not " +
      'excluded; bounds the service sets (sex, age, sentence) met by what is given (a bound on something not ' +
      "given is not met). Best first: the pathway's lead kind of agency, a service for the person's sex or age " +
      'before a general one, an agency listed in the area before one serving it from elsewhere, the smaller ' +
      'catchment, more places, then name. `because` shows each criterion; `rule` is its version. README: ' +
      '"Which agency a need goes to".',
  })
  @ApiQueryFromZod(EligibleAgenciesQuerySchema)
  @ApiResponse({ status: 200, description: 'Eligible services with their agencies, best first' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  eligible(
    @Query(new ZodValidationPipe(EligibleAgenciesQuerySchema, 'query')) query: EligibleAgenciesQuery,
  ): Promise<EligibleAgencies> {
    return this.agencies.eligible(query);
  }

  @Get('export')
  @Access(...EVERY_ROLE)
  @ApiOperation({
    summary: 'Every agency and its services as CSV (one row per service)',
    description: `Columns: ${CSV_COLUMNS.join(', ')}. The same file, edited, imports back.`,
  })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'text/csv, a header line then one row per service' })
  async export(@Res() reply: FastifyReply): Promise<void> {
    const csv = await this.agencies.exportCsv();
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="agencies.csv"')
      .send(csv);
  }

  @Post('import')
  @Access('administrator')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Create or replace agencies and their services from CSV (administrators)',
    description:
      `Columns as the export's: ${CSV_COLUMNS.join(', ')}. Rows of one agency (same agency_id, or kind, ` +
      'local_authority and agency_name) give its details and its services, which replace those it had; ' +
      'agencies not in the file are left as they are. All or nothing: any error answers 400 ' +
      'IMPORT_INVALID listing each by line and column ("line 12.pathway"), and nothing is written. ' +
      `dryRun=true checks without writing. At most ${MAX_IMPORT_ROWS} rows, ${CSV_BODY_LIMIT_BYTES / 1024 / 1024} MiB.`,
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', description: 'The CSV file' } })
  @ApiQueryFromZod(ImportAgenciesQuerySchema)
  @ApiResponse({ status: 200, description: 'What was (or, with dryRun, would be) created and replaced' })
  @ApiResponse({ status: 400, description: 'Row errors by line and column (problem+json), nothing imported' })
  @ApiResponse({ status: 413, description: 'Larger than the import limit' })
  @ApiResponse({ status: 415, description: 'Not text/csv' })
  import(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(ImportAgenciesQuerySchema, 'query')) query: ImportAgenciesQuery,
    @Body(new ZodValidationPipe(CsvBodySchema, 'body')) csv: string,
  ): Promise<ImportResult> {
    return this.agencies.importCsv(csv, query.dryRun, actorOf(principal));
  }

  @Get(':id')
  @Access(...EVERY_ROLE)
  @ApiOperation({ summary: 'One agency' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'No such agency (problem+json)' })
  get(@Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string): Promise<AgencyView> {
    return this.agencies.get(id);
  }

  @Post()
  @Access('administrator')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Add an agency',
    description: 'Administrators only; the token\'s client is recorded as createdBy ("client:<clientId>").',
  })
  @ApiBody(apiBodyFromZod(CreateAgencyBodySchema))
  @ApiResponse({ status: 201, description: 'Created' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 409, description: 'Same agency already serves that area' })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(CreateAgencyBodySchema, 'body')) body: CreateAgencyBody,
  ): Promise<AgencyView> {
    return this.agencies.create(body, actorOf(principal));
  }

  @Put(':id')
  @Access('administrator')
  @ApiOperation({
    summary: "Replace an agency's details and services (administrators)",
    description:
      'The body is the whole agency, as for adding one: its services replace those it had. Its id and ' +
      'creation stay; updatedAt and updatedBy ("client:<clientId>") are recorded. Sending the same body ' +
      'again changes nothing but updatedAt.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(CreateAgencyBodySchema))
  @ApiResponse({ status: 200, description: 'The agency as it now stands' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such agency (problem+json)' })
  @ApiResponse({ status: 409, description: 'Another agency of that name already serves that area' })
  replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(CreateAgencyBodySchema, 'body')) body: CreateAgencyBody,
  ): Promise<AgencyView> {
    return this.agencies.replace(id, body, actorOf(principal));
  }
}
