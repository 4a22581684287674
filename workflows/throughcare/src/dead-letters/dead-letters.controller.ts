import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Access } from '@throughcare/platform-auth';
import {
  ApiParamsFromZod,
  ApiQueryFromZod,
  openApiSchemaOf,
  ZodValidationPipe,
} from '@throughcare/platform-http';
import {
  DeadLetterPageSchema,
  DeadLetterParamsSchema,
  DeadLetterViewSchema,
  DiscardBodySchema,
  ListDeadLettersQuerySchema,
  ReplayAllBodySchema,
  ReplayAllResultSchema,
  ReplayBodySchema,
  type DeadLetterPage,
  type DeadLetterParams,
  type DeadLetterView,
  type DiscardBody,
  type ListDeadLettersQuery,
  type ReplayAllBody,
  type ReplayAllResult,
  type ReplayBody,
} from './dead-letters.schemas';
import { DeadLettersService } from './dead-letters.service';

const viewSchema = openApiSchemaOf(DeadLetterViewSchema) as never;
const bad = { status: 400, description: 'Invalid input (problem+json naming each field)' };
const missing = { status: 404, description: 'No open or handled dead letter with that sequence' };
const handled = { status: 409, description: 'Already replayed or discarded (says by whom and when)' };

/**
 * Operators: bus events the consumers could not apply, and what to do with each. Operators only;
 * any other role is answered 404, as if the routes did not exist. Events name people: each view
 * is redacted (no prison number, CRN, PNC, name or free text; see dead-letter-redaction.ts) and
 * every request is audited (the letters' pseudonymous person ids).
 */
@ApiTags('dead-letters')
@ApiBearerAuth()
@Access('operator')
@ApiResponse({ status: 401, description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)' })
@Controller('dead-letters')
@PersonalData()
export class DeadLettersController {
  constructor(private readonly letters: DeadLettersService) {}

  @Audited({
    action: 'dead-letter.list',
    kind: 'list',
    objectType: 'dead-letter',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({ summary: 'Open dead letters, oldest first: consumer, code, reason, event' })
  @ApiQueryFromZod(ListDeadLettersQuerySchema)
  @ApiResponse({ status: 200, schema: openApiSchemaOf(DeadLetterPageSchema) as never, description: 'A page' })
  @ApiResponse(bad)
  list(
    @Query(new ZodValidationPipe(ListDeadLettersQuerySchema, 'query')) query: ListDeadLettersQuery,
  ): Promise<DeadLetterPage> {
    return this.letters.list(query);
  }

  @Audited({ action: 'dead-letter.replay-all', kind: 'change', objectType: 'dead-letter' })
  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replays every open dead letter (of a consumer, with a code) to its original subject',
  })
  @ApiResponse({
    status: 200,
    schema: openApiSchemaOf(ReplayAllResultSchema) as never,
    description: 'Replayed',
  })
  @ApiResponse(bad)
  replayAll(
    @Body(new ZodValidationPipe(ReplayAllBodySchema, 'body')) body: ReplayAllBody,
  ): Promise<ReplayAllResult> {
    return this.letters.replayAll(body);
  }

  @Audited({
    action: 'dead-letter.read',
    kind: 'read',
    objectType: 'dead-letter',
    objectId: from.param('seq'),
    subject: from.result('personId'),
  })
  @Get(':seq')
  @ApiOperation({
    summary:
      'One dead letter: reason, code, the original headers, the event redacted (or the size and SHA-256 of a payload that does not parse), and its fate',
  })
  @ApiResponse({ status: 200, schema: viewSchema, description: 'The letter' })
  @ApiResponse(bad)
  @ApiResponse(missing)
  @ApiParamsFromZod(DeadLetterParamsSchema)
  show(
    @Param(new ZodValidationPipe(DeadLetterParamsSchema, 'path')) params: DeadLetterParams,
  ): Promise<DeadLetterView> {
    return this.letters.show(params.seq);
  }

  @Audited({
    action: 'dead-letter.replay',
    kind: 'change',
    objectType: 'dead-letter',
    objectId: from.param('seq'),
  })
  @Post(':seq/replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Re-publishes the event to its original subject (the journey de-duplicates on its event id) and records who did it',
  })
  @ApiResponse({ status: 200, schema: viewSchema, description: 'The letter, now REPLAYED' })
  @ApiResponse(bad)
  @ApiResponse(missing)
  @ApiResponse({
    status: 409,
    description:
      "Already replayed or discarded (says by whom and when); or REPLAY_PAST_RETENTION: an event opening an episode (a reception, a liberation from court) older than Temporal's retention of closed workflows, replayed only with `force` and a reason once the episode is checked not void; or REPLAY_DISCARD_ONLY: a letter asking an operator to act (EPISODE_NOT_RESUMED), to be discarded once done (replayed only with `force`)",
  })
  @ApiParamsFromZod(DeadLetterParamsSchema)
  replay(
    @Param(new ZodValidationPipe(DeadLetterParamsSchema, 'path')) params: DeadLetterParams,
    @Body(new ZodValidationPipe(ReplayBodySchema, 'body')) body: ReplayBody,
  ): Promise<DeadLetterView> {
    return this.letters.replay(params.seq, body);
  }

  @Audited({
    action: 'dead-letter.discard',
    kind: 'change',
    objectType: 'dead-letter',
    objectId: from.param('seq'),
  })
  @Post(':seq/discard')
  @HttpCode(200)
  @ApiOperation({ summary: 'Discards the letter, recording who, why and when' })
  @ApiResponse({ status: 200, schema: viewSchema, description: 'The letter, now DISCARDED' })
  @ApiResponse(bad)
  @ApiResponse(missing)
  @ApiResponse(handled)
  @ApiParamsFromZod(DeadLetterParamsSchema)
  discard(
    @Param(new ZodValidationPipe(DeadLetterParamsSchema, 'path')) params: DeadLetterParams,
    @Body(new ZodValidationPipe(DiscardBodySchema, 'body')) body: DiscardBody,
  ): Promise<DeadLetterView> {
    return this.letters.discard(params.seq, body);
  }
}
