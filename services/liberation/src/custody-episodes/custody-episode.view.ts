import { entityTag } from '@throughcare/platform-http';
import { throughcareWorkflowId, type Jurisdiction } from '@throughcare/contracts';
import { CalendarOutOfRangeError, releaseDay } from '@throughcare/domain';
import { isOpen, isReceived, type CustodyEpisode } from './custody-episode.entity';
import type {
  EpisodeLinks,
  EpisodeState,
  EpisodeView,
  ReceptionReversalView,
  LiberationDayView,
  MeetingView,
  MovementView,
} from './custody-episode.schemas';
import {
  currentEstablishment,
  currentExpectedReleaseDate,
  NO_HISTORY,
  type EpisodeHistory,
} from './episode-history';
import { displayedReleaseDateOf } from './episode-release-date';
import { meetingStatusOf, type Meeting } from './meeting.entity';
import type { Movement } from './movement.entity';

export function linksOf(personId: string, episode: number): EpisodeLinks {
  return { self: `/people/${personId}/episodes/${episode}`, episodes: `/people/${personId}/episodes` };
}

export function toEpisodeView(e: CustodyEpisode, history: EpisodeHistory = NO_HISTORY): EpisodeView {
  return {
    personId: e.personId,
    episode: e.episode,
    workflowId: throughcareWorkflowId(e.personId, e.episode),
    state: episodeStateOf(e),
    origin: e.origin,
    jurisdiction: e.jurisdiction,
    homeLocalAuthority: e.homeLocalAuthority,
    sex: e.sex,
    dateOfBirth: e.dateOfBirth,
    establishmentCode: currentEstablishment(e, history),
    reception: isReceived(e)
      ? {
          establishmentCode: e.establishmentCode,
          reason: e.receptionReason,
          receivedAt: e.receivedAt.toISOString(),
          receivedBy: e.receivedBy,
          sentenceDate: e.sentenceDate,
          sentenceLengthDays: e.sentenceLengthDays,
          expectedReleaseDate: e.expectedReleaseDate,
          returnToCustody:
            e.returnToCustodyReason === null
              ? null
              : {
                  reason: e.returnToCustodyReason,
                  ...(e.recallReasonCode === null ? {} : { recallReasonCode: e.recallReasonCode }),
                },
        }
      : null,
    courtLiberation:
      e.legalStatus === null ? null : { establishmentCode: e.establishmentCode, legalStatus: e.legalStatus },
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
    displayedReleaseDate: displayedReleaseDateOf(
      e.jurisdiction,
      history.releaseDateChanges.at(-1),
      history.calculatedReleaseDate,
      history.recorded?.releaseDate ?? null,
    ),
    releaseDateSources: {
      calculated: history.calculatedReleaseDate,
      recorded: history.recorded?.releaseDate ?? null,
      recordedDatesVersion: history.recorded?.version ?? null,
    },
    liberation: isOpen(e) ? liberationDayOf(e, currentExpectedReleaseDate(e, history)) : null,
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
    meetings: history.meetings.map(toMeetingView),
    movements: history.movements.map(toMovementView),
    receptionReversal: e.origin === 'RECEPTION' ? reversalOf(e) : null,
    courtLiberationReversal: e.origin === 'COURT_LIBERATION' ? reversalOf(e) : null,
    links: linksOf(e.personId, e.episode),
  };
}

/**
 * Derived, never stored: void (reception or liberation from court reversed), else released, else
 * in custody. A void liberation from court keeps its release (the fact undone): void comes first.
 */
export function episodeStateOf(e: CustodyEpisode): EpisodeState {
  if (e.voidedAt !== null) return 'RECEIVED_IN_ERROR';
  return e.releasedAt === null ? 'IN_CUSTODY' : 'RELEASED';
}

/** The reversal that voided the episode (of its reception, or of its liberation from court), if any. */
export function reversalOf(e: CustodyEpisode): ReceptionReversalView | null {
  if (e.voidedAt === null || e.voidEventId === null || e.voidReason === null) return null;
  return {
    eventId: e.voidEventId,
    reversedAt: e.voidedAt.toISOString(),
    reversedBy: e.voidedBy ?? '',
    reason: e.voidReason,
    note: e.voidNote,
    admission: e.voidAdmission,
  };
}

export function toMeetingView(m: Meeting): MeetingView {
  return {
    bookingId: m.id,
    kind: m.kind,
    establishmentCode: m.establishmentCode,
    date: m.date,
    status: meetingStatusOf(m),
    agencyId: m.agencyId,
    bookedAt: m.bookedAt.toISOString(),
    heldAt: m.heldAt?.toISOString() ?? null,
    cancelledAt: m.cancelledAt?.toISOString() ?? null,
    cancellationReason: m.cancellationReason,
  };
}

function toMovementView(m: Movement): MovementView {
  return {
    eventId: m.eventId,
    movement: m.movement,
    fromEstablishmentCode: m.fromEstablishmentCode,
    toEstablishmentCode: m.toEstablishmentCode,
    releaseReason: m.releaseReason,
    at: m.occurredAt.toISOString(),
    recordedBy: m.recordedBy,
    etag: movementTag(m.version),
    reversal:
      m.reversedAt === null || m.reversalEventId === null
        ? null
        : {
            eventId: m.reversalEventId,
            reversedAt: m.reversedAt.toISOString(),
            reversedBy: m.reversedBy ?? '',
          },
  };
}

/** The release-day rule's answer for the expected release date (null: none, or no calendar for its year). */
function liberationDayOf(e: CustodyEpisode, dueDate: string | null): LiberationDayView | null {
  if (dueDate === null) return null;
  return liberationDayFor(e.jurisdiction, dueDate, isReceived(e) ? e.sentenceLengthDays : undefined);
}

/**
 * The release-day rule's answer for a due date (null when its year is outside the bank-holiday
 * calendar). `sentenceDays`: the sentence length some rules turn on (Scotland's s.26C window).
 */
export function liberationDayFor(
  jurisdiction: Jurisdiction,
  dueDate: string,
  sentenceDays: number | undefined,
): LiberationDayView | null {
  try {
    const day = releaseDay(jurisdiction, dueDate, sentenceDays === undefined ? {} : { sentenceDays });
    return {
      dueDate: day.dueDate,
      liberationDate: day.liberationDate,
      rule: {
        id: day.rule.id,
        source: day.rule.source,
        url: day.rule.url,
        unverified: day.rule.unverified ?? null,
      },
      explanation: day.explanation,
      discretion: day.discretion ? { ...day.discretion } : null,
      caveats: [...day.caveats],
    };
  } catch (error) {
    if (error instanceof CalendarOutOfRangeError) return null;
    throw error;
  }
}

/** The ETag of a movement's version ("movement-vN"): the If-Match of its correction. */
export function movementTag(version: number): string {
  return entityTag('movement', version);
}
