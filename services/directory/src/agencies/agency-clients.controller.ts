import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NoPersonalData } from '@throughcare/platform-audit';
import { Access, actorOf, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyFromZod, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgencyClientsService } from './agency-clients.service';
import {
  AgencyClientIdSchema,
  AgencyIdSchema,
  ListAgencyClientsQuerySchema,
  RegisterAgencyClientBodySchema,
  RevokeAgencyClientBodySchema,
  type AgencyClient,
  type AgencyClientPage,
  type ListAgencyClientsQuery,
  type RegisterAgencyClientBody,
  type RevokeAgencyClientBody,
} from './agency.schemas';

const UNAVAILABLE = {
  status: 503,
  description:
    'CLIENT_REGISTRATION_UNAVAILABLE: the identity provider is unreachable, or registration through the directory is not configured (problem+json)',
};

/**
 * An agency's API clients (issue 8): administrators register, list, read and revoke them here,
 * where the agency is known; the identity provider holds them and issues their tokens. A client
 * acts for this agency only (its token's `agency_id`); an agency may hold several, e.g. one per
 * system, and a revoked one can no longer obtain tokens, while those it holds lapse within the
 * provider's access-token lifetime (IDENTITY_ACCESS_TOKEN_TTL_SECONDS, 300 s by default).
 */
@ApiTags('agency clients')
@ApiBearerAuth()
@ApiResponse({
  status: 401,
  description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)',
})
@NoPersonalData(
  "agencies' API clients: a name, roles and who registered or revoked them (staff and client ids), never a person in throughcare",
)
@Controller('agencies/:id/clients')
export class AgencyClientsController {
  constructor(private readonly clients: AgencyClientsService) {}

  @Post()
  @Access('administrator')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Register an API client for the agency (its secret is in this answer only)',
    description:
      'The client obtains tokens from the identity provider by client credentials and acts for this agency only. Recorded as registered by the caller through the directory.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(RegisterAgencyClientBodySchema))
  @ApiResponse({
    status: 201,
    description: 'Registered: clientId and clientSecret (Cache-Control: no-store)',
  })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such agency (problem+json)' })
  @ApiResponse(UNAVAILABLE)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(RegisterAgencyClientBodySchema, 'body')) body: RegisterAgencyClientBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgencyClient & { clientSecret: string }> {
    const client = await this.clients.register(id, body, actorOf(principal));
    void reply.header('cache-control', 'no-store');
    return client;
  }

  @Get()
  @Access('administrator')
  @ApiOperation({ summary: "The agency's API clients, revoked ones included, one page at a time" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQueryFromZod(ListAgencyClientsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of clients and the `after` of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such agency (problem+json)' })
  @ApiResponse(UNAVAILABLE)
  list(
    @Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string,
    @Query(new ZodValidationPipe(ListAgencyClientsQuerySchema, 'query')) query: ListAgencyClientsQuery,
  ): Promise<AgencyClientPage> {
    return this.clients.list(id, query);
  }

  @Get(':clientId')
  @Access('administrator')
  @ApiOperation({ summary: "One of the agency's API clients" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'clientId', description: 'tc-<24 hex digits>, as the identity provider issues them' })
  @ApiResponse({ status: 200, description: 'The client (never its secret)' })
  @ApiResponse({ status: 404, description: 'No such agency, or no such client of it (problem+json)' })
  @ApiResponse(UNAVAILABLE)
  get(
    @Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string,
    @Param('clientId', new ZodValidationPipe(AgencyClientIdSchema, 'clientId')) clientId: string,
  ): Promise<AgencyClient> {
    return this.clients.get(id, clientId);
  }

  @Post(':clientId/revocation')
  @Access('administrator')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Revoke one of the agency's API clients",
    description:
      'It can no longer obtain tokens; tokens it holds lapse within the access-token lifetime. Revoking again keeps the first revocation.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'clientId', description: 'tc-<24 hex digits>, as the identity provider issues them' })
  @ApiBody(apiBodyFromZod(RevokeAgencyClientBodySchema))
  @ApiResponse({ status: 200, description: 'Revoked (or already revoked)' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such agency, or no such client of it (problem+json)' })
  @ApiResponse(UNAVAILABLE)
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ZodValidationPipe(AgencyIdSchema, 'id')) id: string,
    @Param('clientId', new ZodValidationPipe(AgencyClientIdSchema, 'clientId')) clientId: string,
    @Body(new ZodValidationPipe(RevokeAgencyClientBodySchema, 'body')) body: RevokeAgencyClientBody,
  ): Promise<AgencyClient> {
    return this.clients.revoke(id, clientId, body.reason, actorOf(principal));
  }
}
