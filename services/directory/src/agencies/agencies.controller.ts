import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
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

/** Until the auth library lands, callers name themselves; recorded as `created_by`. */
const ACTOR_HEADER = 'throughcare-actor';

@ApiTags('agencies')
@Controller('agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgenciesService) {}

  @Get()
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
  @ApiOperation({ summary: 'One agency' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'No such agency (problem+json)' })
  get(@Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string): Promise<AgencyView> {
    return this.agencies.get(id);
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Add an agency' })
  @ApiBody(apiBodyFromZod(CreateAgencyBodySchema))
  @ApiHeader({ name: ACTOR_HEADER, required: false, description: 'Who is making the change' })
  @ApiResponse({ status: 201, description: 'Created' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 409, description: 'Same agency already serves that area' })
  create(
    @Body(new ZodValidationPipe(CreateAgencyBodySchema, 'body')) body: CreateAgencyBody,
    @Headers(ACTOR_HEADER) actor: string | undefined,
  ): Promise<AgencyView> {
    return this.agencies.create(body, actor?.trim() || 'api:anonymous');
  }
}
