import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { throughcareWorkflowId } from '@throughcare/contracts';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ZodValidationPipe } from '@throughcare/platform-http';
import {
  RecordReleaseBodySchema,
  type RecordReleaseBody,
  type ReleaseRecordedView,
} from './custody-episode.schemas';
import { linksOf } from './custody-episode.view';
import { ReleasesService } from './releases.service';
import { PrisonStaff } from './prison-scope';
import { ApiRecordingHeaders, requestContextOf } from './request-context';
import { RELEASE_EXAMPLES } from './request-examples';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';

@ApiTags('custody episodes')
@PrisonStaff()
@ApiRecordingHeaders()
@Controller('releases')
@PersonalData()
export class ReleasesController {
  constructor(private readonly releases: ReleasesService) {}

  @Audited({
    action: 'custody-episode.record-release',
    kind: 'change',
    objectType: 'custody-episode',
    subject: from.first(from.body('personId'), from.result('personId')),
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Record a release from custody: closes the open (or the named) custody episode' })
  @ApiBody(apiBodyWithExamples(RecordReleaseBodySchema, RELEASE_EXAMPLES))
  @ApiResponse({
    status: 201,
    description:
      'Release recorded; custody.person.released emitted (its eventId is in the answer). overdueAbsence names the ROTL or court absence the release ended while the person was out past the time they were due back by (overdueSince: its dueBackAt, or with none, e.g. from HMPPS, the default of its kind as GET /absences/overdue has it, dueBackKnown false; null otherwise)',
  })
  @ApiResponse({ status: 200, description: 'Already recorded (same releasedAt, or same Idempotency-Key)' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "EPISODE_NOT_FOUND: no such episode, or no open one (also: not held in the caller's establishments, or a release from another establishment)",
  })
  @ApiResponse({
    status: 409,
    description: `EPISODE_ALREADY_RELEASED, RELEASE_CONFLICT, RELEASE_REVERSED or ${EPISODE_RECEIVED_IN_ERROR_DOC}`,
  })
  @ApiResponse({
    status: 422,
    description:
      "RELEASE_BEFORE_RECEPTION, RELEASE_BEFORE_ABSENCE (at or before the departure of a standing absence, open or returned: a release comes after the latest absence's return), MOVEMENT_DURING_ABSENCE (releasedAt falls within a returned absence: the person was out then), RELEASE_ESTABLISHMENT_MISMATCH (establishmentCode is one of the caller's, but not where the person is held), or IDEMPOTENCY_KEY_REUSED (same key, other facts). A release while out on ROTL or at court ends that absence (its status RELEASED)",
  })
  async record(
    @Body(new ZodValidationPipe(RecordReleaseBodySchema, 'body')) body: RecordReleaseBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReleaseRecordedView> {
    const { created, episode, eventId, overdueAbsence } = await this.releases.record(
      body,
      requestContextOf(headers, principal),
    );
    const links = linksOf(episode.personId, episode.episode);
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK).header('location', links.self);
    return {
      personId: episode.personId,
      episode: episode.episode,
      workflowId: throughcareWorkflowId(episode.personId, episode.episode),
      releasedAt: episode.releasedAt?.toISOString() ?? body.releasedAt,
      eventId,
      overdueAbsence,
      links,
    };
  }
}
