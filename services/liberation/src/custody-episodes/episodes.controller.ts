import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import {
  EpisodePathSchema,
  ListEpisodesQuerySchema,
  PersonPathSchema,
  type EpisodePage,
  type EpisodePath,
  type EpisodeView,
  type ListEpisodesQuery,
  type PersonPath,
} from './custody-episode.schemas';
import { EpisodesService } from './episodes.service';

// TODO(auth): anyone can read any person's episodes until the auth library scopes callers.
@ApiTags('custody episodes')
@Controller('people/:personId/episodes')
export class EpisodesController {
  constructor(private readonly episodes: EpisodesService) {}

  @Get()
  @ApiOperation({ summary: "A person's custody episodes, oldest first, one page at a time" })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiQueryFromZod(ListEpisodesQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of episodes and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid person id or query (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'PERSON_NOT_FOUND: no episode recorded for that person' })
  list(
    @Param(new ZodValidationPipe(PersonPathSchema, 'path')) { personId }: PersonPath,
    @Query(new ZodValidationPipe(ListEpisodesQuerySchema, 'query')) query: ListEpisodesQuery,
  ): Promise<EpisodePage> {
    return this.episodes.list(personId, query);
  }

  @Get(':episode')
  @ApiOperation({
    summary: 'One custody episode: reception and release facts, and the journey stage last recorded',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous Throughcare person id' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The episode' })
  @ApiResponse({ status: 404, description: 'EPISODE_NOT_FOUND' })
  get(
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
  ): Promise<EpisodeView> {
    return this.episodes.get(personId, episode);
  }
}
