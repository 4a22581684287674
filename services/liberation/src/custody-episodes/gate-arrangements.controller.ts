import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { parseOrThrow } from '@throughcare/platform-errors';
import { apiBodyWithExamples, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { EpisodePathSchema, type EpisodePath } from './custody-episode.schemas';
import {
  GateArrangementBodySchema,
  ListEstablishmentGateArrangementsQuerySchema,
  ListGateArrangementsQuerySchema,
  type ListEstablishmentGateArrangementsQuery,
  type GateArrangementBody,
  type GateArrangementPage,
  type GateArrangementView,
  type ListGateArrangementsQuery,
} from './gate-arrangement.schemas';
import { GateArrangementsService } from './gate-arrangements.service';
import { PrisonStaff, scopeOf } from './prison-scope';
import { IfMatchHeaderSchema, requestContextOf } from './request-context';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';

const FAMILY = {
  collectedBy: { kind: 'FAMILY_OR_FRIEND', name: 'A sister' },
  meetingPoint: 'Visitor centre',
  meetingTime: '09:30',
  transport: { kind: 'CAR' },
  travelWarrant: false,
  firstNight: { kind: 'FAMILY_OR_FRIENDS' },
};

const EXAMPLES = {
  family: { summary: 'Collected by family, first night at home', value: FAMILY },
  agency: {
    summary: 'Met by the accommodation agency, supported accommodation',
    value: {
      collectedBy: { kind: 'AGENCY', agencyId: '6f1c2a1e-3b9d-4c57-9a0e-2d8f4b7c5e10' },
      meetingPoint: 'Main gate',
      meetingTime: '08:45',
      transport: { kind: 'AGENCY_VEHICLE' },
      travelWarrant: false,
      firstNight: { kind: 'SUPPORTED_ACCOMMODATION', note: 'Room confirmed by the provider' },
    },
  },
  reconfirmed: {
    summary:
      'The current arrangement reconfirmed after the liberation date moved (confirmed with whoever collects for the new date)',
    value: { ...FAMILY, confirmedForLiberationDate: '2027-03-12' },
  },
};

const NOT_FOUND = "EPISODE_NOT_FOUND (also: not in the caller's establishments)";

@ApiTags('gate arrangements')
@PrisonStaff()
@Controller('people/:personId/episodes/:episode/gate-arrangement')
@PersonalData()
export class GateArrangementsController {
  constructor(private readonly arrangements: GateArrangementsService) {}

  @Audited({
    action: 'custody-episode.record-gate-arrangement',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Put()
  @ApiOperation({
    summary:
      'Record the gate arrangements for the day of liberation (who collects, where and when, transport, travel warrant, first night): a new version for the liberation date of the day',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag of the current version ("gate-vN"): the recording is refused (412) if another came first',
  })
  @ApiBody(apiBodyWithExamples(GateArrangementBodySchema, EXAMPLES))
  @ApiResponse({
    status: 201,
    description:
      'Recorded: the new version (ETag header), with any concerns. After the liberation date moved, the same arrangement as the current version is recorded for the new date only with `confirmedForLiberationDate` naming it (a reconfirmation)',
  })
  @ApiResponse({
    status: 200,
    description:
      'The same arrangement as the current version (a retry), while the liberation date is the one it was made for, or after the person was released: that version, nothing recorded',
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid path, body or If-Match (problem+json naming each field)',
  })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  @ApiResponse({
    status: 409,
    description:
      'EPISODE_ALREADY_RELEASED (another arrangement than the current one, after release); NO_EXPECTED_RELEASE_DATE (the episode has no expected release date to arrange the gate for: not reachable while every open episode is a reception with one, kept as a guard); ' +
      EPISODE_RECEIVED_IN_ERROR_DOC,
  })
  @ApiResponse({ status: 412, description: 'PRECONDITION_FAILED: If-Match is not the current version' })
  @ApiResponse({
    status: 422,
    description:
      'GATE_RECONFIRMATION_REQUIRED (the current arrangement sent again after the liberation date moved, without `confirmedForLiberationDate`: e.g. a blind retry of an old request; the concern stands, `liberationDate` says the date to confirm for); GATE_CONFIRMED_FOR_ANOTHER_DATE (`confirmedForLiberationDate` is not the liberation date now)',
  })
  async record(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(GateArrangementBodySchema, 'body')) body: GateArrangementBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GateArrangementView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const { created, view } = await this.arrangements.record(
      personId,
      episode,
      body,
      requestContextOf(headers, principal),
      ifMatch,
    );
    void reply.status(created ? 201 : 200).header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'custody-episode.read-gate-arrangement',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      'The current gate arrangement (ETag header), the liberation date now, the gate pick-up booked, and concerns (the date moved since it was made, no first night)',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The current version' })
  @ApiResponse({ status: 400, description: 'Invalid path (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: `${NOT_FOUND}, or GATE_ARRANGEMENT_NOT_FOUND (none recorded)` })
  async current(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GateArrangementView> {
    const view = await this.arrangements.current(personId, episode, scopeOf(principal));
    void reply.header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'custody-episode.list-gate-arrangements',
    kind: 'list',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get('versions')
  @ApiOperation({
    summary: 'Every version of the gate arrangement, newest first, with who recorded it and when',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiQueryFromZod(ListGateArrangementsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of versions and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid path or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: NOT_FOUND })
  list(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Query(new ZodValidationPipe(ListGateArrangementsQuerySchema, 'query')) query: ListGateArrangementsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GateArrangementPage> {
    return this.arrangements.list(personId, episode, query, scopeOf(principal));
  }
}

/** An arrangement made for liberation on a date that has since moved (the establishment list's example). */
const MOVED_EXAMPLE: GateArrangementView = {
  ...EXAMPLES.agency.value,
  collectedBy: { kind: 'AGENCY', agencyId: '6f1c2a1e-3b9d-4c57-9a0e-2d8f4b7c5e10' },
  transport: { kind: 'AGENCY_VEHICLE' },
  firstNight: { kind: 'SUPPORTED_ACCOMMODATION', note: 'Room confirmed by the provider' },
  personId: 'tc_7f3k9q2m4x8b',
  episode: 1,
  version: 2,
  etag: '"gate-v2"',
  forLiberationDate: '2027-03-05',
  liberationDate: '2027-03-12',
  gatePickup: {
    bookingId: '3f1e2d4c-5b6a-4789-8abc-def012345678',
    date: '2027-03-12',
    establishmentCode: 'BAR',
  },
  concerns: [
    'made for liberation on 2027-03-05; the liberation date is now 2027-03-12: confirm it again with whoever collects',
  ],
  needsReconfirmation: true,
  establishmentCode: 'BAR',
  recordedAt: '2027-02-20T10:15:00.000Z',
  recordedBy: 'officer-4411',
};

@ApiTags('gate arrangements')
@PrisonStaff()
@Controller('gate-arrangements')
@PersonalData()
export class EstablishmentGateArrangementsController {
  constructor(private readonly arrangements: GateArrangementsService) {}

  @Audited({
    action: 'custody-episode.list-establishment-gate-arrangements',
    kind: 'list',
    objectType: 'custody-episode',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "The current gate arrangement of each open episode held in the caller's establishments (or the one named), by person then episode; needsReconfirmation=true: those made for a liberation date that has since moved, to confirm again with whoever collects",
    description:
      'An arrangement needs reconfirmation while the liberation date now (the release-day rule applied to the expected release date) is not the date it was made for (`forLiberationDate`). Staff reconfirm it with PUT /people/{personId}/episodes/{episode}/gate-arrangement and `confirmedForLiberationDate` (or record another arrangement); it then leaves the list, as it does when the date moves back or the person is released. The journey raises the attention item GATE_ARRANGEMENT_RECONFIRMATION for each.',
  })
  @ApiQueryFromZod(ListEstablishmentGateArrangementsQuerySchema)
  @ApiResponse({
    status: 200,
    description:
      'A page of current arrangements (each with needsReconfirmation and where the person is held) and the cursor of the next one',
    example: { items: [MOVED_EXAMPLE], nextCursor: null },
  })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  listForEstablishments(
    @Query(new ZodValidationPipe(ListEstablishmentGateArrangementsQuerySchema, 'query'))
    query: ListEstablishmentGateArrangementsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<GateArrangementPage> {
    return this.arrangements.listForEstablishments(query, scopeOf(principal));
  }
}
