import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Jurisdiction } from '@throughcare/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { withIdempotency } from '@throughcare/platform-persistence';
import { CustodyEpisode, receivedEpisode, type ReceivedEpisode } from './custody-episode.entity';
import {
  DecisionBasisError,
  DecisionMadeOnOtherSentencesError,
  EpisodeNotFoundError,
  IdempotencyKeyReusedError,
  ReleaseDateTooEarlyError,
  refuseUnlessOpen,
} from './custody-episode.errors';
import { releaseDateChangedEvent } from './custody-episode.events';
import { enqueueCustodyEvent } from './custody-outbox';
import {
  DECIDED_ON_SENTENCES,
  type ChangeReleaseDateBody,
  type EpisodeView,
} from './custody-episode.schemas';
import { madeOnOtherSentences } from './decision-basis';
import { toEpisodeView } from './custody-episode.view';
import { isWithin, loadEpisodeHistory } from './episode-history';
import { gateArrangementAfterDateMove } from './gate-arrangements.service';
import { lockPerson } from './person-lock';
import { ReleaseDateChange, type DecisionBasisSource } from './release-date-change.entity';
import type { RequestContext } from './request-context';
import { SentenceCalculationRecord } from './sentence-calculation.entity';

/** The prefix of an episode's release-date entity tag: `"release-date-v2"` after two changes. */
export const RELEASE_DATE_ETAG_PREFIX = 'release-date';

/**
 * The entity tag of an episode's expected release date (audit of issue 10, B5): the number of
 * release-date changes recorded on it (0: the reception's date). It names what a release-date
 * change is decided on, not the whole episode (a movement or a meeting does not change it); it
 * changes with every change of the date, by hand, from the bus or by a sentence calculation.
 */
export const releaseDateTag = (changes: number): string => entityTag(RELEASE_DATE_ETAG_PREFIX, changes);

/** Release-date changes that record a decision a sentence calculation does not undo. */
export const RELEASE_DECISIONS: ReadonlySet<string> = new Set(['HDC_APPROVED', 'PAROLE', 'EARLY_RELEASE']);

export interface ReleaseDateOutcome {
  /** False when the date was already the current one, or this was a retry (no new event). */
  changed: boolean;
  episode: EpisodeView;
  /** The episode's release-date tag after it (`releaseDateTag`). */
  etag: string;
}

/** What an Idempotency-Key remembers: enough to tell a faithful retry from a reused key. */
interface ChangeKeyResult {
  personId: string;
  episode: number;
  expectedReleaseDate: string;
  reason: string;
  sentenceCalculationVersion?: number;
}

/** The calendar date of an instant in the prisons' time zone (reception dates are UK dates). */
const ukDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Injection token: RELEASE_DECISION_VERSION_REQUIRED (see the config). */
export const RELEASE_DECISION_VERSION_REQUIRED = Symbol('RELEASE_DECISION_VERSION_REQUIRED');

@Injectable()
export class ReleaseDateService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReleaseDateService.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(RELEASE_DECISION_VERSION_REQUIRED) private readonly versionRequired: boolean,
  ) {}

  /** Says at every start while the transition setting is off (review of the stop-40 fixes, M2). */
  onApplicationBootstrap(): void {
    if (!this.versionRequired)
      this.logger.warn(
        'RELEASE_DECISION_VERSION_REQUIRED is off: a PAROLE or EARLY_RELEASE decision naming no sentenceCalculationVersion is recorded on the latest calculation, unchecked against the sentences it was made on; turn it on once every client sends the version',
      );
  }

  /**
   * Records a new expected release date for an open episode as a fact, with the date it
   * replaces, and enqueues `custody.release-date.changed`, in one transaction. The current
   * date again changes nothing; the same Idempotency-Key answers the first result. `changedAt`
   * is now, or the upstream event's own time for a change that arrived on the bus. A caller may
   * change only an episode held in one of its establishments: any other answers as unknown.
   * `ifMatch` (the If-Match header), when sent, must name the episode's current release-date tag
   * (`releaseDateTag`), else 412 and nothing changes: two officers moving the date from the same
   * reading, the second is refused rather than silently winning. A retry under the same
   * Idempotency-Key answers the first result without the check, as on the other conditional routes.
   */
  async change(
    personId: string,
    episodeNumber: number,
    body: ChangeReleaseDateBody,
    context: RequestContext,
    changedAt: Date = new Date(),
    ifMatch?: string,
  ): Promise<ReleaseDateOutcome> {
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const target = await tx.findOneBy(CustodyEpisode, { personId, episode: episodeNumber });
      if (target && !(await isWithin(tx, target, context.scope)))
        throw EpisodeNotFoundError.of(personId, episodeNumber);
      let changed = false;
      const apply = async (manager: EntityManager): Promise<ChangeKeyResult> => {
        if (target)
          requireIfMatch(
            ifMatch,
            releaseDateTag(
              await manager.count(ReleaseDateChange, { where: { personId, episode: episodeNumber } }),
            ),
            `the release date of episode ${episodeNumber}`,
          );
        changed = await this.applyChange(manager, personId, episodeNumber, body, context, changedAt);
        return { personId, episode: episodeNumber, ...body };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:release-date:${context.idempotencyKey}`, apply)
        : await apply(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.episode === episodeNumber ? [] : ['episode']),
        ...(first.expectedReleaseDate === body.expectedReleaseDate ? [] : ['expectedReleaseDate']),
        ...(first.reason === body.reason ? [] : ['reason']),
        ...((first.sentenceCalculationVersion ?? null) === (body.sentenceCalculationVersion ?? null)
          ? []
          : ['sentenceCalculationVersion']),
      ];
      if (differences.length > 0) {
        throw new IdempotencyKeyReusedError(
          'the release date change sent with this Idempotency-Key',
          differences,
        );
      }
      const episode = await tx.findOneByOrFail(CustodyEpisode, { personId, episode: episodeNumber });
      const view = toEpisodeView(episode, await loadEpisodeHistory(tx, episode));
      return { changed, episode: view, etag: releaseDateTag(view.releaseDateChanges.length) };
    });
  }

  /**
   * Records the change inside the caller's transaction (the person already locked), with its
   * event; returns whether a change was recorded (false: already the current date). Also used by
   * a sentence calculation that moves the date, and by a recording of official dates
   * (`recordedReleaseDateType`: the type of the recorded date moved to, kept on the change).
   */
  async applyChange(
    manager: EntityManager,
    personId: string,
    episodeNumber: number,
    body: ChangeReleaseDateBody,
    context: RequestContext,
    changedAt: Date,
    recordedReleaseDateType: 'PRRD' | 'CRD' | 'ARD' | null = null,
  ): Promise<boolean> {
    const found = await manager.findOneBy(CustodyEpisode, { personId, episode: episodeNumber });
    if (!found) throw EpisodeNotFoundError.of(personId, episodeNumber);
    refuseUnlessOpen(found);
    // Open, so opened by a reception (a court liberation is released from the start).
    const episode = receivedEpisode(found);
    const latest = await manager.findOne(ReleaseDateChange, {
      where: { personId, episode: episodeNumber },
      order: { changeNumber: 'DESC' },
    });
    // A decision is made on the sentences as then calculated: keep which version (reviews S2 and,
    // of stop 39, M4), in this transaction with the person locked, so a later calculation compares
    // against it. Checked before anything else: a decision on other sentences is refused even when
    // the date would not move.
    const basis = RELEASE_DECISIONS.has(body.reason)
      ? await decisionBasis(
          manager,
          personId,
          episodeNumber,
          body,
          context,
          this.versionRequired,
          episode.jurisdiction,
        )
      : null;
    if (basis?.source === 'LATEST_ON_ARRIVAL' && !context.fromBus)
      this.logger.warn(
        `${body.reason} decision on episode ${episodeNumber} of ${personId} named no sentenceCalculationVersion: recorded on the latest, ${basis.version}, unchecked (a client not yet sending it; RELEASE_DECISION_VERSION_REQUIRED is off)`,
      );
    const current = latest?.expectedReleaseDate ?? episode.expectedReleaseDate;
    if (body.expectedReleaseDate === current) return false;

    refuseReleaseDateTooEarly(episode, body.expectedReleaseDate);

    const change = manager.create(ReleaseDateChange, {
      personId,
      episode: episodeNumber,
      changeNumber: (latest?.changeNumber ?? 0) + 1,
      previousExpectedReleaseDate: current,
      expectedReleaseDate: body.expectedReleaseDate,
      reason: body.reason,
      changedAt,
      changedBy: context.actor,
      correlationId: context.correlationId,
      sentenceCalculationVersion: basis?.version ?? null,
      basisSource: basis?.source ?? null,
      recordedReleaseDateType: body.reason === 'RECALCULATION' ? recordedReleaseDateType : null,
    });
    await manager.insert(ReleaseDateChange, change);
    await enqueueCustodyEvent(
      manager,
      releaseDateChangedEvent(episode, change, context.fromBus?.eventId),
      context,
    );
    await gateArrangementAfterDateMove(
      manager,
      episode,
      { previousDue: current, due: body.expectedReleaseDate, changedAt },
      context,
    );
    return true;
  }
}

/** A decision's basis: the calculation version it is recorded on, and how that was set (PAROLE and EARLY_RELEASE). */
interface DecisionBasis {
  version: number;
  source: DecisionBasisSource | null;
}

/**
 * The sentence calculation version a release decision is recorded on (its basis; 0: none was
 * recorded yet). HDC: the latest (its rules compare calculated dates, not sentences). PAROLE and
 * EARLY_RELEASE: the version the body names (NAMED); a version the episode lacks is 422
 * SENTENCE_CALCULATION_VERSION_UNKNOWN; one older than the latest is refused (409
 * DECISION_MADE_ON_OTHER_SENTENCES) when the latest sentences differ from its own in a way that
 * matters (`madeOnOtherSentences`): recorded anyway, later calculations would be compared with the
 * newer sentences and an added sentence never set the decision aside (review of stop 39, M4).
 *
 * One that names none is recorded on the latest version when it arrives (LATEST_ON_ARRIVAL): the
 * upper bound of what it can have been made on, so a sentence recorded after it still sets it
 * aside (review of stop 40, S1); what was recorded before it arrived is not checked, which later
 * calculations say (`decisionCaveat`). So is a decision from an upstream system's event (which has
 * no such field), always; over HTTP, only while `versionRequired` is off (the transition while
 * clients are released that send it: README "Deploying this change"), else 422
 * SENTENCE_CALCULATION_VERSION_REQUIRED.
 */
async function decisionBasis(
  manager: EntityManager,
  personId: string,
  episode: number,
  body: ChangeReleaseDateBody,
  context: RequestContext,
  versionRequired: boolean,
  jurisdiction: Jurisdiction,
): Promise<DecisionBasis> {
  const latest = await manager.findOne(SentenceCalculationRecord, {
    where: { personId, episode },
    order: { version: 'DESC' },
  });
  if (!DECIDED_ON_SENTENCES.has(body.reason)) return { version: latest?.version ?? 0, source: null };
  const named = body.sentenceCalculationVersion;
  if (named === undefined) {
    if (!latest) return { version: 0, source: 'LATEST_ON_ARRIVAL' };
    if (context.fromBus || !versionRequired) return { version: latest.version, source: 'LATEST_ON_ARRIVAL' };
    throw new DecisionBasisError(
      'SENTENCE_CALCULATION_VERSION_REQUIRED',
      `a ${body.reason} decision on episode ${episode} names the sentence calculation version it was made on (sentenceCalculationVersion; the latest is ${latest.version})`,
      { latestVersion: latest.version },
    );
  }
  const made =
    latest && named <= latest.version
      ? named === latest.version
        ? latest
        : await manager.findOne(SentenceCalculationRecord, { where: { personId, episode, version: named } })
      : null;
  if (!latest || !made)
    throw new DecisionBasisError(
      'SENTENCE_CALCULATION_VERSION_UNKNOWN',
      `episode ${episode} has no sentence calculation version ${named} (${latest ? `the latest is ${latest.version}` : 'none is recorded'})`,
      { latestVersion: latest?.version ?? null },
    );
  if (made !== latest) {
    const because = madeOnOtherSentences(made, latest.input, jurisdiction);
    if (because !== null)
      throw new DecisionMadeOnOtherSentencesError(body.reason, named, latest.version, because);
  }
  return { version: named, source: 'NAMED' };
}

/**
 * An expected release date before the reception or the sentence is refused (422): the custody
 * record says otherwise. Also checked by a sentence calculation before it records or proposes.
 */
export function refuseReleaseDateTooEarly(episode: ReceivedEpisode, date: string): void {
  const receptionDate = ukDate.format(episode.receivedAt);
  if (date < receptionDate)
    throw ReleaseDateTooEarlyError.beforeReception(episode.personId, episode.episode, date, receptionDate);
  if (date < episode.sentenceDate)
    throw ReleaseDateTooEarlyError.beforeSentence(
      episode.personId,
      episode.episode,
      date,
      episode.sentenceDate,
    );
}
