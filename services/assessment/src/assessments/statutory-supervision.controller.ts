import { Audited, from, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { actorOf, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import { EpisodePathSchema, type EpisodePath } from './assessment.schemas';
import { callerOf, PrisonStaffOnly } from './establishment-scope';
import {
  RecordSupervisionBodySchema,
  SUPERVISION_EXAMPLE,
  SupervisionFactSchema,
  SupervisionListSchema,
  type RecordSupervisionBody,
  type SupervisionFact,
  type SupervisionList,
} from './statutory-supervision.schemas';
import { StatutorySupervisionService } from './statutory-supervision.service';

const problem = 'application/problem+json';
const EPISODE_NOT_FOUND = `EPISODE_NOT_FOUND: no assessment of that episode at the caller's establishments (${problem})`;

/** `<personId>/<episode>` (a recording names its fact and agency itself). */
const personEpisode: AuditResolver<string> = (ctx) =>
  `${ctx.params['personId'] ?? ''}/${ctx.params['episode'] ?? ''}`;

/**
 * Statutory supervision of a custody episode (migration 1201): the supervising authority on the
 * licence, and its period. The supervising agency then reads the shared assessment on
 * `access.basis` STATUTORY_SUPERVISION (its referral's pathways, inside the period), consent or not.
 */
@ApiTags('statutory supervision')
@PrisonStaffOnly()
@Controller('people/:personId/episodes/:episode/statutory-supervision')
@PersonalData()
export class StatutorySupervisionController {
  constructor(private readonly supervision: StatutorySupervisionService) {}

  @Audited({
    action: 'statutory-supervision.record',
    kind: 'change',
    objectType: 'statutory-supervision',
    objectId: personEpisode,
    subject: from.param('personId'),
  })
  @Post()
  @ApiOperation({
    summary: 'Record that an agency supervises the person by statute for the episode (release on licence)',
    description:
      'Prison staff of one of the episode’s establishments record the supervising authority named on the licence ' +
      'and its period. Appended: the latest fact for an agency is in force, so a variation, a correction or an early ' +
      'end (endsAt now) is a new fact. While in force, the agency reads the episode’s shared assessment on ' +
      'access.basis STATUTORY_SUPERVISION, for the pathways its active referral covers only, whatever the person’s ' +
      'consent to voluntary throughcare (a statutory duty does not rest on consent). Audited with the fact and the agency.',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiBody(
    apiBodyWithExamples(RecordSupervisionBodySchema, {
      licence: {
        summary: 'Released on licence, supervised by criminal-justice social work',
        value: {
          agencyId: 'AG-CJSW-GLA',
          kind: 'LICENCE',
          startsAt: '2026-12-01T09:00:00Z',
          endsAt: '2027-12-01T09:00:00Z',
        },
      },
    }),
  )
  @ApiResponse({
    status: 201,
    description: 'Recorded',
    schema: openApiSchemaOf(SupervisionFactSchema) as never,
    example: SUPERVISION_EXAMPLE,
  })
  @ApiResponse({
    status: 400,
    description: `Invalid path or body, naming each field, e.g. body.endsAt not after startsAt (VALIDATION_FAILED, ${problem})`,
    example: {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'body.endsAt', message: 'must be after startsAt' }],
    },
  })
  @ApiResponse({ status: 404, description: EPISODE_NOT_FOUND })
  record(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(RecordSupervisionBodySchema, 'body')) body: RecordSupervisionBody,
  ): Promise<SupervisionFact> {
    return this.supervision.record(callerOf(principal), personId, episode, body, actorOf(principal));
  }

  @Audited({
    action: 'statutory-supervision.list',
    kind: 'read',
    objectType: 'statutory-supervision',
    objectId: personEpisode,
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({ summary: "The episode's statutory supervision facts, newest recorded first" })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 200,
    description: 'The facts',
    schema: openApiSchemaOf(SupervisionListSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid path, naming each field (${problem})` })
  @ApiResponse({ status: 404, description: EPISODE_NOT_FOUND })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
  ): Promise<SupervisionList> {
    return this.supervision.list(principal, personId, episode);
  }
}
