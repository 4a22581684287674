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
import { parseOrThrow } from '@throughcare/platform-errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { apiBodyWithExamples, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import {
  CompletePendingReceptionBodySchema,
  DismissPendingReceptionBodySchema,
  ListPendingReceptionsQuerySchema,
  PendingReceptionPathSchema,
  type CompletePendingReceptionBody,
  type DismissPendingReceptionBody,
  type ListPendingReceptionsQuery,
  type PendingReceptionPage,
  type PendingReceptionPath,
  type PendingReceptionView,
} from './pending-reception.schemas';
import { PendingReceptionsService } from './pending-receptions.service';
import { CUSTODY_RECORD_CONFLICT_DOC, PrisonStaff, scopeOf } from './prison-scope';
import { ApiRecordingHeaders, IfMatchHeaderSchema, requestContextOf } from './request-context';
import {
  PENDING_RECEPTION_COMPLETION_EXAMPLES,
  PENDING_RECEPTION_DISMISSAL_EXAMPLES,
} from './request-examples';

/** The If-Match header of a write decided on a pending reception's opening (completion, dismissal). */
const openingIfMatch = (write: string, so: string) => ({
  name: 'If-Match',
  required: false,
  description:
    `The ETag of the pending reception as read ("pending-reception-vN": its opening): the ${write} is refused (412) if a reception reversal reopened it since. ` +
    `Required once it was reopened (\`reopenedAfterEpisode\` set: 400 IF_MATCH_REQUIRED without it, or with \`*\`), so ${so}; optional for one never reopened`,
});

const NOT_FOUND = {
  status: 404,
  description: "PENDING_RECEPTION_NOT_FOUND (also: one at an establishment outside the caller's)",
};

@ApiTags('pending receptions')
@PrisonStaff()
@Controller('receptions/pending')
@PersonalData()
export class PendingReceptionsController {
  constructor(private readonly pending: PendingReceptionsService) {}

  @Audited({
    action: 'pending-reception.list',
    kind: 'list',
    objectType: 'pending-reception',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "Admissions announced by HMPPS that wait for the facts the event lacks (sentence, release date, home area), at the caller's establishments, oldest first",
  })
  @ApiQueryFromZod(ListPendingReceptionsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of pending receptions and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListPendingReceptionsQuerySchema, 'query'))
    query: ListPendingReceptionsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PendingReceptionPage> {
    return this.pending.list(scopeOf(principal), query);
  }

  @Audited({
    action: 'pending-reception.read',
    kind: 'read',
    objectType: 'pending-reception',
    objectId: from.param('id'),
    subject: from.result('personId'),
  })
  @Get(':id')
  @ApiOperation({ summary: 'One pending reception (ETag header: its opening, to complete it with If-Match)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The pending reception (ETag header)' })
  @ApiResponse({ status: 400, description: 'Invalid id (problem+json)' })
  @ApiResponse(NOT_FOUND)
  async get(
    @Param(new ZodValidationPipe(PendingReceptionPathSchema, 'path')) { id }: PendingReceptionPath,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PendingReceptionView> {
    const view = await this.pending.get(scopeOf(principal), id);
    void reply.header('etag', view.etag);
    return view;
  }

  @Audited({
    action: 'pending-reception.complete',
    kind: 'change',
    objectType: 'pending-reception',
    objectId: from.param('id'),
    subject: from.result('personId'),
  })
  @Post(':id/completion')
  @HttpCode(HttpStatus.CREATED)
  @ApiRecordingHeaders()
  @ApiOperation({
    summary:
      "Complete a pending reception with the facts HMPPS's event lacks: opens the person's next custody episode, as POST /receptions does",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader(openingIfMatch('completion', 'a retry of its first completion opens nothing'))
  @ApiBody(apiBodyWithExamples(CompletePendingReceptionBodySchema, PENDING_RECEPTION_COMPLETION_EXAMPLES))
  @ApiResponse({
    status: 201,
    description: 'Episode opened (custody.person.received emitted); the pending reception COMPLETED',
  })
  @ApiResponse({ status: 200, description: 'Completed already with the same facts: the same episode' })
  @ApiResponse({
    status: 400,
    description:
      'Invalid body or If-Match (problem+json naming each field); IF_MATCH_REQUIRED (naming if-match): the pending reception was reopened and the completion sent no If-Match, or `*`',
  })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({
    status: 412,
    description:
      'PRECONDITION_FAILED: If-Match is not its current opening (a reception reversal reopened it since it was read: a stale retry of its first completion); `currentETag` names the current one. Read it again and decide',
  })
  @ApiResponse({
    status: 409,
    description:
      'PENDING_RECEPTION_DISMISSED; PENDING_RECEPTION_VOID (the reception that completed it was reversed, the admission itself in error: nothing completes from it, a retry of its first completion included); EPISODE_ALREADY_OPEN, ' +
      'NOT_A_RETURN_TO_CUSTODY or RECEPTION_CONFLICT as for POST /receptions; else ' +
      CUSTODY_RECORD_CONFLICT_DOC,
  })
  @ApiResponse({
    status: 422,
    description:
      'RECEPTION_BEFORE_PREVIOUS_RELEASE, as for POST /receptions; IDEMPOTENCY_KEY_REUSED (completed already with other facts)',
  })
  async complete(
    @Param(new ZodValidationPipe(PendingReceptionPathSchema, 'path')) { id }: PendingReceptionPath,
    @Body(new ZodValidationPipe(CompletePendingReceptionBodySchema, 'body'))
    body: CompletePendingReceptionBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PendingReceptionView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    const { created, view } = await this.pending.complete(
      id,
      body,
      requestContextOf(headers, principal),
      ifMatch,
    );
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK).header('etag', view.etag);
    if (view.links) void reply.header('location', view.links.self);
    return view;
  }

  @Audited({
    action: 'pending-reception.dismiss',
    kind: 'change',
    objectType: 'pending-reception',
    objectId: from.param('id'),
    subject: from.result('personId'),
  })
  @Post(':id/dismissal')
  @HttpCode(HttpStatus.OK)
  @ApiRecordingHeaders()
  @ApiOperation({ summary: 'Dismiss a pending reception: no episode is opened from it (with the reason)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader(
    openingIfMatch(
      'dismissal',
      'a stale dismissal never closes an admission reopened because the person is arriving',
    ),
  )
  @ApiBody(apiBodyWithExamples(DismissPendingReceptionBodySchema, PENDING_RECEPTION_DISMISSAL_EXAMPLES))
  @ApiResponse({ status: 200, description: 'DISMISSED (again: the first dismissal is kept)' })
  @ApiResponse({
    status: 400,
    description:
      'Invalid body or If-Match (problem+json naming each field); IF_MATCH_REQUIRED (naming if-match): the pending reception was reopened and the dismissal sent no If-Match, or `*`',
  })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({
    status: 409,
    description:
      'PENDING_RECEPTION_COMPLETED: an episode was opened from it; PENDING_RECEPTION_VOID: closed as in error by the reversal of the reception that completed it; PENDING_RECEPTION_DISMISSED: dismissed already for another reason',
  })
  @ApiResponse({
    status: 412,
    description:
      'PRECONDITION_FAILED: If-Match is not its current opening (a reception reversal reopened it since it was read); `currentETag` names the current one. Read it again and decide',
  })
  dismiss(
    @Param(new ZodValidationPipe(PendingReceptionPathSchema, 'path')) { id }: PendingReceptionPath,
    @Body(new ZodValidationPipe(DismissPendingReceptionBodySchema, 'body')) body: DismissPendingReceptionBody,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PendingReceptionView> {
    const ifMatch = parseOrThrow(IfMatchHeaderSchema, headers['if-match'], 'If-Match');
    return this.pending.dismiss(id, body, requestContextOf(headers, principal), ifMatch);
  }
}
