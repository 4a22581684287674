import { Audited, from, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { HttpStatus } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { actorOf, CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import {
  apiBodyWithExamples,
  ApiQueryFromZod,
  BOUNDED_HEADER_SCHEMA,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import {
  CONSENT_GIVEN_EXAMPLE,
  ListConsentQuerySchema,
  PersonConsentViewSchema,
  RecordConsentBodySchema,
  RecordedConsentViewSchema,
  type ListConsentQuery,
  type PersonConsentView,
  type RecordConsentBody,
  type RecordedConsentView,
} from './consent-given.schemas';
import { ConsentGivenService } from './consent-given.service';
import { callerOf, PrisonStaffOnly } from './establishment-scope';
import { CORRELATION_HEADER, IDEMPOTENCY_HEADER, requestContextOf } from './request-context';
import { PersonPathSchema, type PersonPath } from './risk-assessment.schemas';

const problem = 'application/problem+json';

/** `<personId>/<episode>` of the answer (the person's current episode), else `<personId>`. */
const episodeObject: AuditResolver<string> = (ctx) => {
  const personId = ctx.params['personId'] ?? '';
  const episode = (ctx.result as { episode?: number } | undefined)?.episode;
  return episode === undefined ? personId : `${personId}/${episode}`;
};
const PERSON_NOT_FOUND =
  "PERSON_NOT_FOUND: no assessment of the person's latest custody episode at the caller's establishments";

/**
 * Consent to voluntary throughcare as a recorded fact (issue 10), for the person's current custody
 * episode. A person is the caller's when an assessment of their latest episode is at one of the
 * caller's establishments; any other is answered 404 as unknown.
 */
@ApiTags('consent')
@PrisonStaffOnly()
@Controller('people/:personId/consent')
@PersonalData()
export class ConsentGivenController {
  constructor(private readonly consents: ConsentGivenService) {}

  @Audited({
    action: 'consent.give',
    kind: 'change',
    objectType: 'consent',
    // `<personId>/<episode>/<fact id>` (`?retry=true` for a retry), named by the service as it
    // records (N1); a refused attempt keeps `<personId>` (the episode was not reached).
    objectId: from.param('personId'),
    subject: from.param('personId'),
  })
  @Post()
  @ApiOperation({
    summary: 'Record that the person gave consent to voluntary throughcare for their current custody episode',
    description:
      "Appends a fact (who recorded it is the caller) for the person's current custody episode: the body may name it " +
      '(episode; another episode is 409 CONSENT_EPISODE_NOT_CURRENT) or leave it out. givenAt may not be in the future ' +
      '(no tolerance) nor before the episode began (its first assessment request at any establishment, the core screen ' +
      'requested at reception: a transfer does not move it), so consent signed in an earlier episode is never carried over. ' +
      'After a withdrawal, consent given and recorded after it reopens the ' +
      "agencies' reads; a withdrawal ends every consent recorded before it. " +
      'The same consent again (same givenAt), or a retry with the same Idempotency-Key, answers 200 with the fact ' +
      'already recorded; the same key with another givenAt is 422 IDEMPOTENCY_KEY_REUSED.',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiBody(
    apiBodyWithExamples(RecordConsentBodySchema, {
      given: { summary: 'The person gave consent', value: { givenAt: '2026-11-02T14:00:00Z' } },
      named: {
        summary: 'The person gave consent, the episode named',
        value: { givenAt: '2026-11-02T14:00:00Z', episode: 1 },
      },
    }),
  )
  @ApiHeader({ name: CORRELATION_HEADER, required: false, schema: BOUNDED_HEADER_SCHEMA })
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    schema: BOUNDED_HEADER_SCHEMA,
    description:
      "A retry with the same key answers the first recording; the same key with another request is 422. Keys are the calling client's own",
  })
  @ApiResponse({
    status: 201,
    description: 'Recorded: the fact and the consent as it now stands',
    schema: openApiSchemaOf(RecordedConsentViewSchema) as never,
    example: CONSENT_GIVEN_EXAMPLE,
  })
  @ApiResponse({
    status: 200,
    description: 'A retry: the fact already recorded, and the consent as it stands',
    schema: openApiSchemaOf(RecordedConsentViewSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid path, body or headers, naming each field (${problem})` })
  @ApiResponse({ status: 404, description: `${PERSON_NOT_FOUND} (${problem})` })
  @ApiResponse({
    status: 409,
    description: `CONSENT_EPISODE_NOT_CURRENT (naming episode): the body names an episode other than the person's current one (${problem})`,
    example: {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      code: 'CONSENT_EPISODE_NOT_CURRENT',
      detail:
        'episode 1 is not the current custody episode of person p0123456789abcdef0123 (episode 2): consent is recorded for the current episode only',
      field: 'episode',
    },
  })
  @ApiResponse({
    status: 422,
    description: `CONSENT_IN_FUTURE (naming givenAt), CONSENT_BEFORE_EPISODE (naming givenAt: before the episode began, at its first assessment request at any establishment), or IDEMPOTENCY_KEY_REUSED (same key, another consent) (${problem})`,
    example: {
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      code: 'CONSENT_BEFORE_EPISODE',
      detail:
        'givenAt 2026-10-01T09:00:00.000Z is before episode 2 began (at reception: its first assessment was requested at 2026-10-20T08:14:00.000Z)',
    },
  })
  async record(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Body(new ZodValidationPipe(RecordConsentBodySchema, 'body')) body: RecordConsentBody,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordedConsentView> {
    const { created, view } = await this.consents.record(
      callerOf(principal),
      personId,
      body,
      actorOf(principal),
      requestContextOf(headers),
    );
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return view;
  }

  @Audited({
    action: 'consent.list',
    kind: 'list',
    objectType: 'consent',
    // `<personId>/<current episode>` once answered (N1).
    objectId: episodeObject,
    subject: from.param('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "The consent of the person's current custody episode as its facts stand (GIVEN, WITHDRAWN, PRESUMED_BEFORE_CUTOVER or NONE), and the facts, newest recorded first, one page at a time",
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiQueryFromZod(ListConsentQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'The state and a page of facts (every episode the caller sees)',
    schema: openApiSchemaOf(PersonConsentViewSchema) as never,
  })
  @ApiResponse({ status: 400, description: `Invalid path or query, naming each field (${problem})` })
  @ApiResponse({ status: 404, description: `${PERSON_NOT_FOUND} (${problem})` })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Query(new ZodValidationPipe(ListConsentQuerySchema, 'query')) query: ListConsentQuery,
  ): Promise<PersonConsentView> {
    return this.consents.list(principal, personId, query);
  }
}
