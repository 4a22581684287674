import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Stages, type LiberationActivities, type Stage } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodeNotFoundError } from './custody-episode.errors';
import { RecordEpisodeStageInputSchema } from './custody-episode.schemas';

export type RecordEpisodeStageInput = Parameters<LiberationActivities['recordEpisodeStage']>[0];

@Injectable()
export class JourneyStageService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores the workflow's stage on the episode, once per idempotency key. A stage older than
   * the one stored (a retry delivered late) is ignored, so the stage never moves backwards;
   * at the same instant the later stage in journey order wins.
   * Returns whether the stored stage changed.
   */
  async record(raw: RecordEpisodeStageInput): Promise<{ applied: boolean }> {
    const input = parseOrThrow(RecordEpisodeStageInputSchema, raw, 'recordEpisodeStage input');
    const at = new Date(input.at);
    return this.dataSource.transaction((tx) =>
      withIdempotency(tx, `liberation:recordEpisodeStage:${input.idempotencyKey}`, async (manager) => {
        const key = { personId: input.personId, episode: input.episode };
        const episode = await manager.findOne(CustodyEpisode, {
          where: key,
          lock: { mode: 'pessimistic_write' },
        });
        if (!episode) throw EpisodeNotFoundError.of(input.personId, input.episode);
        if (!supersedes(input.stage, at, episode)) return { applied: false };
        await manager.update(CustodyEpisode, key, {
          stage: input.stage,
          stageAt: at,
          stageRecordedAt: new Date(),
        });
        return { applied: true };
      }),
    );
  }
}

function supersedes(stage: Stage, at: Date, episode: CustodyEpisode): boolean {
  if (episode.stage === null || episode.stageAt === null) return true;
  if (at.getTime() !== episode.stageAt.getTime()) return at > episode.stageAt;
  return Stages.indexOf(stage) > Stages.indexOf(episode.stage);
}
