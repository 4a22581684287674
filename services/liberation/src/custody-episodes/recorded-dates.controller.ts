import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { parseOrThrow } from '@throughcare/platform-errors';
import { apiBodyWithExamples, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { EpisodePathSchema, type EpisodePath } from './custody-episode.schemas';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';
import { PrisonStaff, scopeOf } from './prison-scope';
import {
  ListRecordedDatesQuerySchema,
  RecordedDatesBodySchema,
  type ListRecordedDatesQuery,
  type RecordedDatesBody,
  type RecordedDatesOutcomeView,
  type RecordedDatesPage,
  type RecordedDatesView,
} from './recorded-dates.schemas';
import { RecordedDatesService } from './recorded-dates.service';
import { ApiRecordingHeaders, IfMatchHeaderSchema, requestContextOf } from './request-context';

const VersionPathSchema = EpisodePathSchema.extend({
  version: z.coerce.number().int().min(1).max(1_000_000),
});
type VersionPath = z.output<typeof VersionPathSchema>;

const EXAMPLES = {
  scotlandLongTerm: {
    summary: "Scotland: a long-term sentence (4 years or more), dates from the establishment's calculation",
    value: {
      recordedBecause: 'SCOTLAND_LONG_TERM',
      dates: [
        {
          type: 'PED',
          date: '2028-03-14',
          source: 'ESTABLISHMENT_CALCULATION',
          sourceReference: 'calc 2026-09-15',
        },
        {
          type: 'CRD',
          date: '2029-09-13',
          source: 'ESTABLISHMENT_CALCULATION',
          sourceReference: 'calc 2026-09-15',
        },
        {
          type: 'SED',
          date: '2030-03-13',
          source: 'ESTABLISHMENT_CALCULATION',
          sourceReference: 'calc 2026-09-15',
        },
      ],
    },
  },
  englandAndWalesExtended: {
    summary:
      'England & Wales: an extended determinate sentence (PED, CRD at the end of the custodial term, SLED)',
    value: {
      recordedBecause: 'ENGLAND_AND_WALES_EXTENDED',
      dates: [
        { type: 'PED', date: '2029-01-10', source: 'ESTABLISHMENT_CALCULATION' },
        { type: 'CRD', date: '2030-09-13', source: 'ESTABLISHMENT_CALCULATION' },
        { type: 'SLED', date: '2034-09-13', source: 'ESTABLISHMENT_CALCULATION' },
      ],
    },
  },
  officialCalculation: {
    summary:
      "England & Wales SDS: the prison's own calculation is the official one (its CRD takes precedence over this platform's)",
    value: {
      recordedBecause: 'OFFICIAL_CALCULATION',
      dates: [
        { type: 'HDCED', date: '2027-01-20', source: 'ESTABLISHMENT_CALCULATION' },
        { type: 'CRD', date: '2027-04-20', source: 'ESTABLISHMENT_CALCULATION' },
        { type: 'SLED', date: '2028-06-19', source: 'ESTABLISHMENT_CALCULATION' },
        { type: 'TUSED', date: '2029-06-19', source: 'ESTABLISHMENT_CALCULATION' },
      ],
    },
  },
  recall: {
    summary: 'A recall: the post-recall release date of a Parole Board decision',
    value: {
      recordedBecause: 'RECALL',
      dates: [
        {
          type: 'PRRD',
          date: '2027-02-01',
          source: 'PAROLE_BOARD',
          sourceReference: 'decision of 2026-11-30',
        },
      ],
    },
  },
};

const INVALID_BODY_DOC =
  'VALIDATION_FAILED (the body does not match the schema), RECORDED_DATES_INVALID (a type recorded twice, source OTHER without sourceReference), ' +
  'RECORDED_DATES_OUT_OF_ORDER (a date after one it always precedes: PED and HDCED not after the CRD/ARD; PED, HDCED, CRD, ARD, PRRD not after the SED/SLED; CRD, PRRD not after the LED; SED/SLED not after the TUSED) ' +
  'or RECORDED_DATES_IMPOSSIBLE (a combination no calculation gives: CRD with ARD, SLED with SED or LED, TUSED in Scotland, an expiry, CRD/ARD or HDCED for an indeterminate sentence, a recordedBecause of the other jurisdiction); problem+json naming each field (dates.N.type, dates.N.date, recordedBecause)';

@ApiTags('recorded sentence dates')
@PrisonStaff()
@Controller('people/:personId/episodes/:episode/recorded-dates')
@PersonalData()
export class RecordedDatesController {
  constructor(private readonly recorded: RecordedDatesService) {}

  @Audited({
    action: 'recorded-dates.record',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      "Record the episode's official sentence dates that this platform does not calculate (or the prison's own official calculation), each with its source: a new version; a release date (PRRD, CRD or ARD) that differs moves the expected release date (custody.release-date.changed, reason RECALCULATION) and takes precedence over a calculated one",
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiRecordingHeaders()
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag of the current version ("recorded-dates-vN"): the recording is refused (412) if another came first',
  })
  @ApiBody(apiBodyWithExamples(RecordedDatesBodySchema, EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Recorded: the new version (ETag header) and its effect on the expected release date',
  })
  @ApiResponse({ status: 200, description: 'A retry with the same Idempotency-Key: the first recording' })
  @ApiResponse({
    status: 400,
    description: `Invalid path or If-Match (problem+json naming each field), or body: ${INVALID_BODY_DOC}`,
  })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  @ApiResponse({ status: 409, description: `EPISODE_ALREADY_RELEASED or ${EPISODE_RECEIVED_IN_ERROR_DOC}` })
  @ApiResponse({ status: 412, description: 'PRECONDITION_FAILED: If-Match is not the current version' })
  @ApiResponse({
    status: 422,
    description:
      'RELEASE_DUE_NOW (the recorded release date has passed: the person is due for immediate release, nothing is recorded; the problem carries expectedReleaseDate and recordedReleaseDate {type, date}), RELEASE_DATE_TOO_EARLY (the release date is before the reception or the sentence), RECORDED_RELEASE_DATE_UNPLANNABLE (the release date is outside what this build can plan: the bank-holiday calendar and SLA policies it holds; `errors` names the field) or IDEMPOTENCY_KEY_REUSED (same key, another body)',
  })
  async record(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(RecordedDatesBodySchema, 'body')) body: RecordedDatesBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordedDatesOutcomeView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const outcome = await this.recorded.record(
      personId,
      episode,
      body,
      requestContextOf(headers, principal),
      ifMatch,
    );
    void reply.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    void reply.header('etag', outcome.view.etag);
    return outcome.view;
  }

  @Audited({
    action: 'recorded-dates.list',
    kind: 'list',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({
    summary: 'Every recorded version of the official sentence dates, newest first, one page at a time',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiQueryFromZod(ListRecordedDatesQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of versions and the cursor of the next one (nextCursor null: the last page)',
  })
  @ApiResponse({ status: 400, description: 'Invalid path or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  list(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Query(new ZodValidationPipe(ListRecordedDatesQuerySchema, 'query')) query: ListRecordedDatesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecordedDatesPage> {
    return this.recorded.list(personId, episode, query, scopeOf(principal));
  }

  @Audited({
    action: 'recorded-dates.read',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get('current')
  @ApiOperation({
    summary:
      'The current recorded official dates, each explained as recorded (not calculated) with its source, and the calculated release date they take precedence over (ETag header)',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The current version' })
  @ApiResponse({ status: 400, description: 'Invalid path (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description: "EPISODE_NOT_FOUND (also: not in the caller's establishments) or RECORDED_DATES_NOT_FOUND",
  })
  async current(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordedDatesView> {
    const view = await this.recorded.current(personId, episode, scopeOf(principal));
    void reply.header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'recorded-dates.read',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get(':version')
  @ApiOperation({ summary: 'One recorded version of the official sentence dates (ETag header)' })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'version', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'That version' })
  @ApiResponse({ status: 400, description: 'Invalid path (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description: "EPISODE_NOT_FOUND (also: not in the caller's establishments) or RECORDED_DATES_NOT_FOUND",
  })
  async version(
    @Param(new ZodValidationPipe(VersionPathSchema, 'path')) { personId, episode, version }: VersionPath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordedDatesView> {
    const view = await this.recorded.version(personId, episode, version, scopeOf(principal));
    void reply.header('etag', view.etag);
    return view;
  }
}
