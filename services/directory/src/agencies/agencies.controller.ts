import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoPersonalData } from '@throughcare/platform-audit';
import { Access, actorOf, CurrentPrincipal, type Principal, type Role } from '@throughcare/platform-auth';
import { apiBodyFromZod, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgenciesService } from './agencies.service';
import {
  AgencyIdSchema,
  CreateAgencyBodySchema,
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
}
