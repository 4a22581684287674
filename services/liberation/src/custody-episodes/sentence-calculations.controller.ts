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
import { PrisonStaff, scopeOf } from './prison-scope';
import { ApiRecordingHeaders, IfMatchHeaderSchema, requestContextOf } from './request-context';
import {
  ListSentenceCalculationsQuerySchema,
  SentencesBodySchema,
  type ListSentenceCalculationsQuery,
  type SentenceCalculationOutcomeView,
  type SentenceCalculationPage,
  type SentenceCalculationView,
  type SentencesBody,
} from './sentence-calculation.schemas';
import { SentenceCalculationsService } from './sentence-calculations.service';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';

const VersionPathSchema = EpisodePathSchema.extend({
  version: z.coerce.number().int().min(1).max(1_000_000),
});
type VersionPath = z.output<typeof VersionPathSchema>;

const EXAMPLES = {
  scotland: {
    summary: 'Scotland: two concurrent short-term sentences',
    value: {
      sentences: [
        { id: 'charge-1', sentenceDate: '2026-09-14', term: { months: 18 } },
        { id: 'charge-2', sentenceDate: '2026-09-14', term: { months: 9 } },
      ],
    },
  },
  englandAndWales: {
    summary: 'England & Wales: consecutive SDS with remand',
    value: {
      sentences: [
        { id: 'count-1', sentenceDate: '2026-09-14', offenceDate: '2026-03-02', term: { years: 2 } },
        {
          id: 'count-2',
          sentenceDate: '2026-09-14',
          offenceDate: '2026-03-02',
          term: { months: 6 },
          consecutiveTo: 'count-1',
        },
      ],
      remandDays: 41,
    },
  },
  englandAndWalesAtLargeBeforeAConcurrentSentence: {
    summary:
      'England & Wales: days unlawfully at large during count-1, and count-2 (for the escape) imposed after them, concurrent: the days count against count-1 only (Prison Act 1952 s.49(2))',
    value: {
      sentences: [
        { id: 'count-1', sentenceDate: '2026-01-05', offenceDate: '2025-09-01', term: { months: 12 } },
        { id: 'count-2', sentenceDate: '2026-05-04', offenceDate: '2026-03-02', term: { months: 18 } },
      ],
      unlawfullyAtLargeDays: 30,
      unlawfullyAtLargePeriod: { from: '2026-03-02', to: '2026-03-31' },
    },
  },
  englandAndWalesAdjustments: {
    summary:
      'England & Wales: additional days awarded, some restored, and days unlawfully at large (CRD and HDCED later by the net additional days; every date later by the days at large)',
    value: {
      sentences: [
        { id: 'count-1', sentenceDate: '2026-09-14', offenceDate: '2026-03-02', term: { months: 18 } },
      ],
      remandDays: 12,
      additionalDaysAwarded: 14,
      restoredDays: 5,
      unlawfullyAtLargeDays: 3,
    },
  },
};

const INVALID_BODY_DOC =
  'VALIDATION_FAILED (the body does not match the schema), SENTENCE_INPUT_INVALID (the sentences do not hold together, e.g. restoredDays more than additionalDaysAwarded, an unknown consecutiveTo, or unlawfullyAtLargeDays with concurrent sentences imposed on different days and no unlawfullyAtLargePeriod) or ADJUSTMENT_NOT_APPLICABLE (additionalDaysAwarded or unlawfullyAtLargeDays above 0, or unlawfullyAtLargePeriod, in a Scottish episode: see the sentence module README); problem+json naming each field';

const NOT_CALCULATED_DOC =
  'SENTENCE_NOT_CALCULATED (a sentence this platform does not calculate: `reason` and `sentenceIds` say which; never guessed), ' +
  'or SENTENCE_RELEASE_DATE_UNPLANNABLE';

@ApiTags('sentence calculations')
@PrisonStaff()
@Controller('people/:personId/episodes/:episode/sentence-calculations')
@PersonalData()
export class SentenceCalculationsController {
  constructor(private readonly sentences: SentenceCalculationsService) {}

  @Audited({
    action: 'sentence-calculation.record',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      "Record the episode's sentences: the dates are calculated, explained and kept as a new version; a changed CRD/ARD moves the expected release date (custody.release-date.changed, reason RECALCULATION)",
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiRecordingHeaders()
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag of the current version ("sentence-vN"): the recording is refused (412) if another came first',
  })
  @ApiBody(apiBodyWithExamples(SentencesBodySchema, EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Recorded: the new version (ETag header) and its effect on the release date',
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
    description: `${NOT_CALCULATED_DOC}; RELEASE_DUE_NOW (the person is due for immediate release, and nothing is recorded: the calculated CRD/ARD has passed, or the date of a PAROLE or EARLY_RELEASE decision that still stands on the expected release date has passed; a passed HDC date is not due now, it is kept with effect.decisionCaveat. detail says which; the problem carries expectedReleaseDate (the decision's date, or the date kept) and calculatedReleaseDate ({type, date}, or null); a preview shows it as effect.releaseDueNowBecause); or IDEMPOTENCY_KEY_REUSED (same key, another body)`,
  })
  async record(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(SentencesBodySchema, 'body')) body: SentencesBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SentenceCalculationOutcomeView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const outcome = await this.sentences.record(
      personId,
      episode,
      body,
      requestContextOf(headers, principal),
      ifMatch,
    );
    void reply.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    if (outcome.view.etag) void reply.header('etag', outcome.view.etag);
    return outcome.view;
  }

  @Audited({
    action: 'sentence-calculation.preview',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post('preview')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Calculate the dates of these sentences and what they would do to the release date, recording nothing',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiBody(apiBodyWithExamples(SentencesBodySchema, EXAMPLES))
  @ApiResponse({ status: 200, description: 'The calculation (version null) and its would-be effect' })
  @ApiResponse({
    status: 400,
    description: `Invalid path (problem+json naming each field), or body: ${INVALID_BODY_DOC}`,
  })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  @ApiResponse({ status: 409, description: `EPISODE_ALREADY_RELEASED or ${EPISODE_RECEIVED_IN_ERROR_DOC}` })
  @ApiResponse({ status: 422, description: NOT_CALCULATED_DOC })
  preview(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(SentencesBodySchema, 'body')) body: SentencesBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SentenceCalculationOutcomeView> {
    return this.sentences.preview(personId, episode, body, scopeOf(principal));
  }

  @Audited({
    action: 'sentence-calculation.list',
    kind: 'list',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({
    summary: 'Every recorded version of the sentence calculation, newest first, one page at a time',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiQueryFromZod(ListSentenceCalculationsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of versions and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid path or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  list(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Query(new ZodValidationPipe(ListSentenceCalculationsQuerySchema, 'query'))
    query: ListSentenceCalculationsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SentenceCalculationPage> {
    return this.sentences.list(personId, episode, query, scopeOf(principal));
  }

  @Audited({
    action: 'sentence-calculation.read',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get('current')
  @ApiOperation({
    summary: 'The current sentence calculation: every date with its explanation (ETag header)',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The current version' })
  @ApiResponse({ status: 400, description: 'Invalid path (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "EPISODE_NOT_FOUND (also: not in the caller's establishments) or SENTENCE_CALCULATION_NOT_FOUND",
  })
  async current(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SentenceCalculationView> {
    const view = await this.sentences.current(personId, episode, scopeOf(principal));
    if (view.etag) void reply.header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'sentence-calculation.read',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get(':version')
  @ApiOperation({ summary: 'One recorded version of the sentence calculation (ETag header)' })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'version', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'That version' })
  @ApiResponse({ status: 400, description: 'Invalid path (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "EPISODE_NOT_FOUND (also: not in the caller's establishments) or SENTENCE_CALCULATION_NOT_FOUND",
  })
  async version(
    @Param(new ZodValidationPipe(VersionPathSchema, 'path')) { personId, episode, version }: VersionPath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SentenceCalculationView> {
    const view = await this.sentences.version(personId, episode, version, scopeOf(principal));
    if (view.etag) void reply.header('etag', view.etag);
    return view;
  }
}
