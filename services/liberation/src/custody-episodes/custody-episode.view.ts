import { throughcareWorkflowId } from '@throughcare/contracts';
import type { CustodyEpisode } from './custody-episode.entity';
import type { EpisodeLinks, EpisodeView } from './custody-episode.schemas';
import { currentExpectedReleaseDate, NO_HISTORY, type EpisodeHistory } from './episode-history';

export function linksOf(personId: string, episode: number): EpisodeLinks {
  return { self: `/people/${personId}/episodes/${episode}`, episodes: `/people/${personId}/episodes` };
}

export function toEpisodeView(e: CustodyEpisode, history: EpisodeHistory = NO_HISTORY): EpisodeView {
  return {
    personId: e.personId,
    episode: e.episode,
    workflowId: throughcareWorkflowId(e.personId, e.episode),
    state: e.releasedAt === null ? 'IN_CUSTODY' : 'RELEASED',
    jurisdiction: e.jurisdiction,
    homeLocalAuthority: e.homeLocalAuthority,
    reception: {
      establishmentCode: e.establishmentCode,
      reason: e.receptionReason,
      receivedAt: e.receivedAt.toISOString(),
      receivedBy: e.receivedBy,
      sentenceDate: e.sentenceDate,
      sentenceLengthDays: e.sentenceLengthDays,
      expectedReleaseDate: e.expectedReleaseDate,
    },
    release:
      e.releasedAt === null
        ? null
        : {
            establishmentCode: e.releaseEstablishmentCode ?? '',
            reason: e.releaseReason ?? 'UNKNOWN',
            releasedAt: e.releasedAt.toISOString(),
            releasedBy: e.releasedBy ?? '',
          },
    journey: e.stage === null || e.stageAt === null ? null : { stage: e.stage, at: e.stageAt.toISOString() },
    expectedReleaseDate: currentExpectedReleaseDate(e, history),
    releaseDateChanges: history.releaseDateChanges.map((c) => ({
      previousExpectedReleaseDate: c.previousExpectedReleaseDate,
      expectedReleaseDate: c.expectedReleaseDate,
      reason: c.reason,
      changedAt: c.changedAt.toISOString(),
      changedBy: c.changedBy,
    })),
    gatePickups: history.gatePickups.map((g) => ({
      id: g.id,
      establishmentCode: g.establishmentCode,
      liberationDate: g.liberationDate,
      bookedAt: g.bookedAt.toISOString(),
      cancelledAt: g.cancelledAt?.toISOString() ?? null,
      cancellationReason: g.cancellationReason,
    })),
    links: linksOf(e.personId, e.episode),
  };
}
