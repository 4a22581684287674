import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { courtLiberationReversedEvent } from './custody-episode.events';
import type { CourtLiberationReversedView, ReverseCourtLiberationBody } from './custody-episode.schemas';
import { reverseOpening, type OpeningKind } from './episode-reversal';
import type { RequestContext } from './request-context';

export interface CourtLiberationReversalOutcome {
  /** False when the liberation was already reversed (no second event). */
  created: boolean;
  reversal: CourtLiberationReversedView;
}

/**
 * A liberation direct from court recorded in error, reversed (see `reverseOpening`): the episode
 * it opened is void as a reception's is (state RECEIVED_IN_ERROR, the same void columns and
 * reason), its release kept as the fact undone; `custody.court-liberation.reversed` is enqueued
 * with it. Only an episode opened by a liberation from court, the person's latest that is not void,
 * and not before its `releasedAt`. Nothing else can stand on such an episode: it was opened
 * released, so no transfer, absence, release-date change or second release is ever recorded on it.
 */
export const COURT_LIBERATION_OPENING: OpeningKind = {
  name: 'liberation from court',
  keyScope: 'court-liberation-reversal',
  refuseKind(episode, refused) {
    if (episode.origin === 'COURT_LIBERATION' && episode.releasedAt !== null) return;
    const { personId, episode: n } = episode;
    throw refused(
      'NOT_A_COURT_LIBERATION',
      `episode ${n} of person ${personId} was opened by a reception, not a liberation direct from court: there is no liberation from court to reverse; a reception recorded in error is reversed with POST /people/${personId}/episodes/${n}/reception-reversal`,
    );
  },
  opened: (episode) => ({
    at: releasedAtOf(episode),
    field: 'releasedAt',
    code: 'REVERSAL_BEFORE_LIBERATION',
  }),
  refuseStanding: async () => {},
  afterVoid: async () => {},
  event: courtLiberationReversedEvent,
};

@Injectable()
export class CourtLiberationReversalService {
  constructor(private readonly dataSource: DataSource) {}

  /** Voids the episode its liberation from court opened (see COURT_LIBERATION_OPENING). */
  async reverse(
    personId: string,
    episodeNumber: number,
    body: ReverseCourtLiberationBody,
    context: RequestContext,
  ): Promise<CourtLiberationReversalOutcome> {
    const { created, reversal, episode } = await reverseOpening(
      this.dataSource,
      COURT_LIBERATION_OPENING,
      personId,
      episodeNumber,
      body,
      context,
    );
    return { created, reversal: { ...reversal, releasedAt: releasedAtOf(episode).toISOString() } };
  }
}

/** A liberation from court's release instant (the database keeps one on every such episode). */
function releasedAtOf(episode: { episode: number; personId: string; releasedAt: Date | null }): Date {
  if (episode.releasedAt === null)
    throw new Error(`episode ${episode.episode} of ${episode.personId} was not liberated from court`);
  return episode.releasedAt;
}
