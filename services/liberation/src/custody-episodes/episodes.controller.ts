import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import {
  applyDecorators,
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
import { parseOrThrow } from '@throughcare/platform-errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import {
  ChangeReleaseDateBodySchema,
  EpisodePathSchema,
  ListEpisodesQuerySchema,
  PersonPathSchema,
  RecordTransferBodySchema,
  ReverseCourtLiberationBodySchema,
  ReverseReceptionBodySchema,
  type ChangeReleaseDateBody,
  type CourtLiberationReversedView,
  type EpisodePage,
  type EpisodePath,
  type EpisodeView,
  type ListEpisodesQuery,
  type PersonPath,
  type ReceptionReversedView,
  type RecordTransferBody,
  type ReverseCourtLiberationBody,
  type ReverseReceptionBody,
  type TransferRecordedView,
} from './custody-episode.schemas';
import { EPISODE_VIEW_EXAMPLE, EPISODE_VIEW_SCHEMA } from './custody-episode.openapi';
import { CourtLiberationReversalService } from './court-liberation-reversal.service';
import { EpisodesService } from './episodes.service';
import { ReceptionReversalService } from './reception-reversal.service';
import { ReleaseDateService, releaseDateTag } from './release-date.service';
import { TransfersService } from './transfers.service';
import { PrisonStaff, scopeOf } from './prison-scope';
import { ApiRecordingHeaders, IfMatchHeaderSchema, requestContextOf } from './request-context';
import {
  COURT_LIBERATION_REVERSAL_EXAMPLES,
  RECEPTION_REVERSAL_EXAMPLES,
  RELEASE_DATE_EXAMPLES,
  TRANSFER_EXAMPLES,
} from './request-examples';
import { EPISODE_RECEIVED_IN_ERROR_DOC } from './custody-episode.errors';

@ApiTags('custody episodes')
@PrisonStaff()
@Controller('people/:personId/episodes')
@PersonalData()
export class EpisodesController {
  constructor(
    private readonly episodes: EpisodesService,
    private readonly releaseDates: ReleaseDateService,
    private readonly transfers: TransfersService,
    private readonly receptionReversals: ReceptionReversalService,
    private readonly courtLiberationReversals: CourtLiberationReversalService,
  ) {}

  @Audited({
    action: 'custody-episode.list',
    kind: 'list',
    objectType: 'custody-episode',
    subject: from.param('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({ summary: "A person's custody episodes, oldest first, one page at a time" })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiQueryFromZod(ListEpisodesQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of episodes (the state asked for, if any) and the cursor of the next one',
    example: { items: [EPISODE_VIEW_EXAMPLE], nextCursor: null },
  })
  @ApiResponse({ status: 400, description: 'Invalid person id or query (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description: "PERSON_NOT_FOUND: no episode recorded for that person in the caller's establishments",
  })
  list(
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Query(new ZodValidationPipe(ListEpisodesQuerySchema, 'query')) query: ListEpisodesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EpisodePage> {
    return this.episodes.list(personId, query, scopeOf(principal));
  }

  @Audited({
    action: 'custody-episode.read',
    kind: 'read',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Get(':episode')
  @ApiOperation({
    summary:
      'One custody episode: reception and release facts, movements, meetings and gate pick-ups, and the journey stage last recorded',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 200,
    description:
      'The episode. ETag header: its release date\'s tag ("release-date-vN", N the release-date changes recorded), to change the date with If-Match; it names the release date only, not the rest of the episode',
    schema: EPISODE_VIEW_SCHEMA as never,
    example: EPISODE_VIEW_EXAMPLE,
  })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  async get(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EpisodeView> {
    const view = await this.episodes.get(personId, episode, scopeOf(principal));
    void reply.header('etag', releaseDateTag(view.releaseDateChanges.length));
    return view;
  }

  @Audited({
    action: 'custody-episode.change-release-date',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post(':episode/release-date')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary:
      'Change the expected release date of an open episode (HDC, parole, early release, recalculation)',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiRecordingHeaders()
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'The ETag of GET …/episodes/{episode} ("release-date-vN"): the change is refused (412 PRECONDITION_FAILED) if the release date was changed since (by hand, from an upstream system or by a sentence calculation). Optional: without it the change is unconditional',
  })
  @ApiBody(apiBodyWithExamples(ChangeReleaseDateBodySchema, RELEASE_DATE_EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Date changed; custody.release-date.changed emitted; the episode',
  })
  @ApiResponse({
    status: 200,
    description: 'No change: already the current date (or same Idempotency-Key); the episode',
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid path, body or If-Match (problem+json naming each field)',
  })
  @ApiResponse({ status: 404, description: "EPISODE_NOT_FOUND (also: not in the caller's establishments)" })
  @ApiResponse({
    status: 412,
    description:
      "PRECONDITION_FAILED: If-Match is not the release date's current tag (changed since it was read); `currentETag` names it. Read the episode again and decide",
  })
  @ApiResponse({
    status: 409,
    description:
      'DECISION_MADE_ON_OTHER_SENTENCES (a PAROLE or EARLY_RELEASE decision whose sentenceCalculationVersion is older than the latest, and the sentences changed since in a way that matters: one added or lengthened, less credit; `latestVersion` names the latest: decide on it), ' +
      `EPISODE_ALREADY_RELEASED or ${EPISODE_RECEIVED_IN_ERROR_DOC}`,
  })
  @ApiResponse({
    status: 422,
    description:
      'RELEASE_DATE_BEFORE_RECEPTION or RELEASE_DATE_BEFORE_SENTENCE; SENTENCE_CALCULATION_VERSION_REQUIRED (a PAROLE or EARLY_RELEASE decision on an episode with a sentence calculation, without sentenceCalculationVersion) or ' +
      'SENTENCE_CALCULATION_VERSION_UNKNOWN (a version the episode does not have), the member fields naming ["sentenceCalculationVersion"]; or IDEMPOTENCY_KEY_REUSED (same key, another date, reason or version)',
  })
  async changeReleaseDate(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(ChangeReleaseDateBodySchema, 'body')) body: ChangeReleaseDateBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EpisodeView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const outcome = await this.releaseDates.change(
      personId,
      episode,
      body,
      requestContextOf(headers, principal),
      new Date(),
      ifMatch,
    );
    void reply.status(outcome.changed ? HttpStatus.CREATED : HttpStatus.OK).header('etag', outcome.etag);
    return outcome.episode;
  }

  @Audited({
    action: 'custody-episode.record-transfer',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @Post(':episode/transfers')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: "Record a transfer to another establishment: changes the open episode's current establishment",
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiRecordingHeaders()
  @ApiBody(apiBodyWithExamples(RecordTransferBodySchema, TRANSFER_EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Transfer recorded; custody.person.transferred emitted (its eventId is in the answer)',
  })
  @ApiResponse({
    status: 200,
    description: 'Already recorded (same transferredAt and destination, or same Idempotency-Key)',
  })
  @ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' })
  @ApiResponse({
    status: 404,
    description:
      "EPISODE_NOT_FOUND (also: not held in the caller's establishments; the caller that recorded a transfer still has its retries answered)",
  })
  @ApiResponse({
    status: 409,
    description:
      'EPISODE_ALREADY_RELEASED, TRANSFER_CONFLICT or ABSENCE_OPEN (the person is out on ROTL: record the return at or before transferredAt, then retry; details name absenceId and transferredAt). A transfer while the person is out at court ends that absence (status TRANSFERRED); ' +
      EPISODE_RECEIVED_IN_ERROR_DOC,
  })
  @ApiResponse({
    status: 422,
    description:
      'TRANSFER_TO_SAME_ESTABLISHMENT, TRANSFER_BEFORE_RECEPTION, TRANSFER_BEFORE_PREVIOUS_TRANSFER, TRANSFER_BEFORE_ABSENCE (at or before the departure of a standing absence, open or returned: a transfer comes after the return of the latest absence), MOVEMENT_DURING_ABSENCE (transferredAt falls within a returned absence: the person was out then), or IDEMPOTENCY_KEY_REUSED (same key, other facts)',
  })
  async transfer(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(RecordTransferBodySchema, 'body')) body: RecordTransferBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TransferRecordedView> {
    const outcome = await this.transfers.record(
      personId,
      episode,
      body,
      requestContextOf(headers, principal),
    );
    void reply
      .status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK)
      .header('location', outcome.transfer.links.self);
    return outcome.transfer;
  }

  @Audited({
    action: 'custody-episode.reverse-reception',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @OpeningReversal({
    path: ':episode/reception-reversal',
    summary:
      'Reverse a reception recorded in error ("admission in error"): the episode is void (RECEIVED_IN_ERROR), no longer in custody, and its journey closes early',
    body: apiBodyWithExamples(ReverseReceptionBodySchema, RECEPTION_REVERSAL_EXAMPLES),
    event: 'custody.reception.reversed',
    heldIn: 'held in',
    admission:
      'Its `admission` is what the HMPPS admission the reception had completed was (TO_RECEIVE_AGAIN or IN_ERROR), null when it completed none',
  })
  @ApiResponse({
    status: 409,
    description:
      'Something recorded later stands on the episode; the code names what to reverse first, the member reverseFirst which: ' +
      'REVERSE_RELEASE_FIRST (reverseFirst.eventId), REVERSE_TRANSFER_FIRST (reverseFirst.eventId), REVERSE_ABSENCE_FIRST (reverseFirst.absenceId); ' +
      "LATER_EPISODE_STANDS (only the latest episode's reception can be reversed; a later one held elsewhere answers CUSTODY_RECORD_CONFLICT), " +
      'NOT_A_RECEPTION (liberated direct from court: reverse it with POST …/court-liberation-reversal); ' +
      'RECEPTION_REVERSAL_CONFLICT (reversed already with other facts, no Idempotency-Key or another one: the member fields names each that differs, e.g. ["reversedAt", "note"] or ["admission"]). Sentence calculations, gate arrangements, meetings and gate pick-ups do not block: they are void with the episode',
  })
  @ApiResponse({
    status: 422,
    description:
      'REVERSAL_BEFORE_RECEPTION (reversedAt before receivedAt), REVERSAL_BEFORE_LATEST_MOVEMENT (reversedAt before a transfer, release, absence or reversal of one recorded on the episode), ' +
      'ADMISSION_DECISION_REQUIRED (the reception completed an HMPPS admission, a pending reception, and the body does not say what it was: the member fields names ["admission"]; send admission TO_RECEIVE_AGAIN or IN_ERROR), ' +
      'ADMISSION_DECISION_NOT_APPLICABLE (admission sent, but the reception completed no HMPPS admission: fields ["admission"]; stricter than ignoring it, as a decision about an admission that is not there is a mistake about the reception), ' +
      'ADMISSION_DECISION_AMBIGUOUS (admission IN_ERROR, but the reception completed several HMPPS admissions: reverse with TO_RECEIVE_AGAIN, then dismiss the wrong ones; fields ["admission"]), ' +
      'or IDEMPOTENCY_KEY_REUSED (same key, other facts, admission included)',
    content: {
      'application/problem+json': {
        examples: {
          admissionDecisionRequired: {
            summary: 'The reversed reception completed an HMPPS admission: say what it was',
            value: {
              type: 'urn:throughcare:problem:admission-decision-required',
              title: 'Unprocessable Content',
              status: 422,
              code: 'ADMISSION_DECISION_REQUIRED',
              detail:
                'the reception of episode 1 of person p0123456789abcdef0123 completed an HMPPS admission: say what the admission was (admission: TO_RECEIVE_AGAIN, the person really is arriving and it is to complete again; IN_ERROR, the admission itself was wrong and is void)',
              instance: '/people/p0123456789abcdef0123/episodes/1/reception-reversal',
              fields: ['admission'],
            },
          },
        },
      },
    },
  })
  async reverseReception(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(ReverseReceptionBodySchema, 'body')) body: ReverseReceptionBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReceptionReversedView> {
    const context = requestContextOf(headers, principal);
    return answered(reply, await this.receptionReversals.reverse(personId, episode, body, context));
  }

  @Audited({
    action: 'custody-episode.reverse-court-liberation',
    kind: 'change',
    objectType: 'custody-episode',
    objectId: from.param('episode'),
    subject: from.param('personId'),
  })
  @OpeningReversal({
    path: ':episode/court-liberation-reversal',
    summary:
      'Reverse a liberation direct from court recorded in error: the episode is void (RECEIVED_IN_ERROR), its release kept as the fact undone, and its journey closes early',
    body: apiBodyWithExamples(ReverseCourtLiberationBodySchema, COURT_LIBERATION_REVERSAL_EXAMPLES),
    event: 'custody.court-liberation.reversed',
    heldIn: 'released from',
    // Review of stop 39, N8: the field is shared with the reception reversal's answer.
    admission:
      'Its `admission` is always null: a liberation from court completes no HMPPS admission (the member is shared with the reception reversal, where it says what the admission was)',
  })
  @ApiResponse({
    status: 409,
    description:
      'NOT_A_COURT_LIBERATION (the episode was opened by a reception: reverse it with POST …/reception-reversal); ' +
      "LATER_EPISODE_STANDS (only the latest episode's liberation can be reversed; a later one held elsewhere answers CUSTODY_RECORD_CONFLICT); " +
      'COURT_LIBERATION_REVERSAL_CONFLICT (reversed already with other facts, no Idempotency-Key: the member fields names each that differs, e.g. ["reversedAt", "note"])',
  })
  @ApiResponse({
    status: 422,
    description:
      "REVERSAL_BEFORE_LIBERATION (reversedAt before the liberation's releasedAt), or IDEMPOTENCY_KEY_REUSED (same key, other facts)",
  })
  async reverseCourtLiberation(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
    @Body(new ZodValidationPipe(ReverseCourtLiberationBodySchema, 'body')) body: ReverseCourtLiberationBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CourtLiberationReversedView> {
    const context = requestContextOf(headers, principal);
    return answered(reply, await this.courtLiberationReversals.reverse(personId, episode, body, context));
  }
}

/**
 * What the two reversals of the record that opened an episode (its reception, its liberation from
 * court) document alike: the route, its parameters and headers, and the answers but 409 and 422.
 */
function OpeningReversal(o: {
  path: string;
  summary: string;
  body: Parameters<typeof ApiBody>[0];
  /** The event it emits. */
  event: string;
  /** What the answer's `admission` is, said with its 201. */
  admission: string;
  /** How an establishment sees the episode: "held in", "released from". */
  heldIn: string;
}): MethodDecorator {
  return applyDecorators(
    Post(o.path),
    HttpCode(HttpStatus.CREATED),
    ApiOperation({ summary: o.summary }),
    ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' }),
    ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } }),
    ApiRecordingHeaders(),
    ApiBody(o.body),
    ApiResponse({
      status: 201,
      description: `Reversed; ${o.event} emitted (its eventId is in the answer). ${o.admission}`,
    }),
    ApiResponse({
      status: 200,
      description:
        'Already reversed with the same facts (reversedAt, reason, note), or an Idempotency-Key retry: the first reversal, no second event',
    }),
    ApiResponse({ status: 400, description: 'Invalid path or body (problem+json naming each field)' }),
    ApiResponse({
      status: 404,
      description: `EPISODE_NOT_FOUND (also: not ${o.heldIn} the caller's establishments; the caller that reversed it still has its retries answered)`,
    }),
  );
}

/** A reversal's answer: 201 when this request made it, else 200, with the episode as its location. */
function answered<T extends { links: { self: string } }>(
  reply: FastifyReply,
  outcome: { created: boolean; reversal: T },
): T {
  void reply
    .status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK)
    .header('location', outcome.reversal.links.self);
  return outcome.reversal;
}
