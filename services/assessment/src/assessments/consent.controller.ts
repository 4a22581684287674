import { Audited, from, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  apiBodyWithExamples,
  BOUNDED_HEADER_SCHEMA,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import {
  ConsentViewSchema,
  ConsentWithdrawalBodySchema,
  EpisodePathSchema,
  type ConsentView,
  type ConsentWithdrawalBody,
  type EpisodePath,
} from './assessment.schemas';
import { AssessmentsService } from './assessments.service';
import { callerOf, PrisonStaffOnly } from './establishment-scope';
import { CORRELATION_HEADER, IDEMPOTENCY_HEADER, requestContextOf } from './request-context';
import { CONSENT_WITHDRAWAL_EXAMPLES } from './request-examples';

const problem = { description: 'application/problem+json' };

/** The audit record's object: `<personId>/<episode>` (N1: the episode alone named no person). */
const personEpisode: AuditResolver<string> = (ctx) =>
  `${ctx.params['personId'] ?? ''}/${ctx.params['episode'] ?? ''}`;

/**
 * Consent to voluntary throughcare, recorded with the assessment, per custody episode. An
 * episode is the caller's when any of its assessments is at one of the caller's establishments.
 */
@ApiTags('consent')
@PrisonStaffOnly()
@Controller('people/:personId/episodes/:episode')
@PersonalData()
export class ConsentController {
  constructor(private readonly assessments: AssessmentsService) {}

  @Audited({
    action: 'consent.read',
    kind: 'read',
    objectType: 'consent',
    objectId: personEpisode,
    subject: from.param('personId'),
  })
  @Get('consent')
  @ApiOperation({ summary: "The person's consent status for the episode (WITHDRAWN once recorded)" })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 200,
    description: 'The status',
    schema: openApiSchemaOf(ConsentViewSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid path, naming each field (${problem.description})` })
  @ApiResponse({
    status: 404,
    description: `EPISODE_NOT_FOUND: no assessment of that episode at the caller's establishments (${problem.description})`,
  })
  consent(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
  ): Promise<ConsentView> {
    return this.assessments.consent(principal, personId, episode);
  }

  @Audited({
    action: 'consent.withdraw',
    kind: 'change',
    objectType: 'consent',
    objectId: personEpisode,
    subject: from.param('personId'),
  })
  @Post('consent-withdrawal')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Record that the person withdrew consent to voluntary throughcare for the episode',
    description:
      'Unless consent is already withdrawn (e.g. while state is GIVEN), a withdrawal is always recorded, whatever withdrawnAt is keyed in: it ' +
      'ends every consent recorded before it, and emits assessment.consent.withdrawn. With consent already ' +
      'withdrawn and none given since, the same withdrawnAt again answers 200 and emits nothing; another is 409 ' +
      'CONSENT_ALREADY_WITHDRAWN. The answer is the derived consent state (state), not the stored row.',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiBody(apiBodyWithExamples(ConsentWithdrawalBodySchema, CONSENT_WITHDRAWAL_EXAMPLES))
  @ApiHeader({
    name: CORRELATION_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description: "Carried onto the event; defaults to the journey's",
  })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      "A retry with the same key answers the first result; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED. Keys are the calling client's own",
  })
  @ApiResponse({
    status: 200,
    description: 'Withdrawn (now, or before at the same instant): the derived consent state',
    schema: openApiSchemaOf(ConsentViewSchema) as never,
  })
  @ApiResponse({
    status: 400,
    description: `Invalid path or body, naming each field (${problem.description})`,
  })
  @ApiResponse({
    status: 404,
    description: `EPISODE_NOT_FOUND: no assessment of that episode at the caller's establishments (${problem.description})`,
  })
  @ApiResponse({
    status: 409,
    description: `CONSENT_ALREADY_WITHDRAWN: consent is already withdrawn (state WITHDRAWN) and this is another instant; never while consent stands (${problem.description})`,
  })
  @ApiResponse({
    status: 422,
    description: `WITHDRAWAL_IN_FUTURE, or IDEMPOTENCY_KEY_REUSED (same key, another withdrawal) (${problem.description})`,
  })
  withdraw(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(ConsentWithdrawalBodySchema, 'body')) body: ConsentWithdrawalBody,
    @Headers() headers: Record<string, string | undefined>,
  ): Promise<ConsentView> {
    return this.assessments.withdrawConsent(
      callerOf(principal),
      personId,
      episode,
      body,
      requestContextOf(headers),
    );
  }
}
