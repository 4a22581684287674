import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { DomainError, ValidationFailedError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { withIdempotency } from '@throughcare/platform-persistence';
import {
  explainRecordedDate,
  planningRangeIssues,
  RecordedDatesInvalidError,
  recordedReleaseDate,
  validateRecordedDates,
} from '@throughcare/domain';
import { isReceived, receivedEpisode, type CustodyEpisode } from './custody-episode.entity';
import {
  EpisodeAlreadyReleasedError,
  IdempotencyKeyReusedError,
  refuseUnlessOpen,
} from './custody-episode.errors';
import { currentExpectedReleaseDate, episodeWithin, loadEpisodeHistory } from './episode-history';
import { lockPerson } from './person-lock';
import type { EstablishmentScope } from './prison-scope';
import { ukToday } from './policy-table';
import { RecordedSentenceDates } from './recorded-dates.entity';
import type {
  ListRecordedDatesQuery,
  RecordedDatesBody,
  RecordedDatesOutcomeView,
  RecordedDatesPage,
  RecordedDatesView,
} from './recorded-dates.schemas';
import { RELEASE_DECISIONS, ReleaseDateService } from './release-date.service';
import type { RequestContext } from './request-context';
import { SentenceCalculationRecord } from './sentence-calculation.entity';
import { newestVersionsFirst } from './version-pages';

/** The prefix of a recorded-dates version's entity tag: `"recorded-dates-v2"`. */
export const RECORDED_DATES_ETAG_PREFIX = 'recorded-dates';

export class RecordedDatesNotFoundError extends DomainError {
  constructor(personId: string, episode: number, version?: number) {
    super(
      'RECORDED_DATES_NOT_FOUND',
      'NOT_FOUND',
      version === undefined
        ? `episode ${episode} of person ${personId} has no recorded sentence dates`
        : `episode ${episode} of person ${personId} has no recorded sentence dates version ${version}`,
      { details: { personId, episode, ...(version === undefined ? {} : { version }) } },
    );
  }
}

interface RecordKeyResult {
  personId: string;
  episode: number;
  bodyHash: string;
  version: number;
  effect: RecordedDatesOutcomeView['effect'];
}

/**
 * Official sentence dates recorded by prison staff (issue 10, recorded dates): dates this
 * platform does not calculate, or the prison's own official calculation. Each recording is a new
 * version of the whole set, with who and when; If-Match names the current version (412 otherwise),
 * an Idempotency-Key answers a retry. When the release date it gives (PRRD, CRD or ARD) differs
 * from the episode's expected release date, the date moves as a RECALCULATION through
 * `ReleaseDateService.applyChange`, in the same transaction, exactly as a sentence calculation
 * moves it: `custody.release-date.changed` goes out and the journey re-plans.
 */
@Injectable()
export class RecordedDatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly releaseDates: ReleaseDateService,
  ) {}

  async record(
    personId: string,
    episodeNumber: number,
    body: RecordedDatesBody,
    context: RequestContext,
    ifMatch: string | undefined,
    now: Date = new Date(),
  ): Promise<{ created: boolean; view: RecordedDatesOutcomeView }> {
    const bodyHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
    return this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const found = await episodeWithin(tx, personId, episodeNumber, context.scope);
      let created = false;
      const apply = async (manager: EntityManager): Promise<RecordKeyResult> => {
        created = true;
        return this.apply(manager, found, body, bodyHash, context, ifMatch, now);
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `liberation:recorded-dates:${context.idempotencyKey}`, apply)
        : await apply(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.episode === episodeNumber ? [] : ['episode']),
        ...(first.bodyHash === bodyHash ? [] : ['body']),
      ];
      if (differences.length > 0)
        throw new IdempotencyKeyReusedError('the recorded dates sent with this Idempotency-Key', differences);
      const stored = await tx.findOneByOrFail(RecordedSentenceDates, {
        personId,
        episode: episodeNumber,
        version: first.version,
      });
      return { created, view: { ...(await this.viewOf(tx, stored)), effect: first.effect } };
    });
  }

  async current(
    personId: string,
    episodeNumber: number,
    scope: EstablishmentScope,
  ): Promise<RecordedDatesView> {
    return this.dataSource.transaction(async (tx) => {
      await episodeWithin(tx, personId, episodeNumber, scope);
      const latest = await latestRecordedDates(tx, personId, episodeNumber);
      if (!latest) throw new RecordedDatesNotFoundError(personId, episodeNumber);
      return this.viewOf(tx, latest);
    });
  }

  async version(
    personId: string,
    episodeNumber: number,
    version: number,
    scope: EstablishmentScope,
  ): Promise<RecordedDatesView> {
    return this.dataSource.transaction(async (tx) => {
      await episodeWithin(tx, personId, episodeNumber, scope);
      const row = await tx.findOneBy(RecordedSentenceDates, { personId, episode: episodeNumber, version });
      if (!row) throw new RecordedDatesNotFoundError(personId, episodeNumber, version);
      return this.viewOf(tx, row);
    });
  }

  async list(
    personId: string,
    episodeNumber: number,
    query: ListRecordedDatesQuery,
    scope: EstablishmentScope,
  ): Promise<RecordedDatesPage> {
    return this.dataSource.transaction(async (tx) => {
      await episodeWithin(tx, personId, episodeNumber, scope);
      const { items, nextCursor } = await newestVersionsFirst(
        tx,
        RecordedSentenceDates,
        { personId, episode: episodeNumber },
        query,
      );
      const views: RecordedDatesView[] = [];
      for (const row of items) views.push(await this.viewOf(tx, row));
      return { items: views, nextCursor };
    });
  }

  private async apply(
    manager: EntityManager,
    found: CustodyEpisode,
    body: RecordedDatesBody,
    bodyHash: string,
    context: RequestContext,
    ifMatch: string | undefined,
    now: Date,
  ): Promise<RecordKeyResult> {
    const { personId, episode: episodeNumber } = found;
    refuseUnlessOpen(found);
    if (!isReceived(found))
      throw new EpisodeAlreadyReleasedError(personId, episodeNumber, found.releasedAt ?? new Date(0));
    const latest = await latestRecordedDates(manager, personId, episodeNumber);
    requireIfMatch(
      ifMatch,
      latest ? entityTag(RECORDED_DATES_ETAG_PREFIX, latest.version) : null,
      `the recorded sentence dates of episode ${episodeNumber}`,
    );
    try {
      validateRecordedDates({ jurisdiction: found.jurisdiction, ...body });
    } catch (error) {
      if (error instanceof RecordedDatesInvalidError)
        throw new ValidationFailedError(
          `the recorded dates are invalid: ${error.message}`,
          error.fields.map((field) => ({ field, message: error.message })),
          error.code,
        );
      throw error;
    }
    const release = recordedReleaseDate(body.dates);
    if (release) refuseUnplannable(found, body, release);
    const effect = await recordedDatesEffect(manager, found, body, release, latest?.releaseDate ?? null, now);
    const version = (latest?.version ?? 0) + 1;
    await manager.insert(RecordedSentenceDates, {
      personId,
      episode: episodeNumber,
      version,
      jurisdiction: found.jurisdiction,
      recordedBecause: body.recordedBecause,
      dates: body.dates,
      releaseDateType: release?.type ?? null,
      releaseDate: release?.date ?? null,
      recordedAt: now,
      recordedBy: context.actor,
      correlationId: context.correlationId,
    });
    if (effect.changesExpectedReleaseDate)
      await this.releaseDates.applyChange(
        manager,
        personId,
        episodeNumber,
        { expectedReleaseDate: effect.expectedReleaseDateAfter, reason: 'RECALCULATION' },
        context,
        now,
        // The date moves only ever to the recorded release date: the change keeps its type (N5).
        release?.type ?? null,
      );
    return { personId, episode: episodeNumber, bodyHash, version, effect };
  }

  private async viewOf(manager: EntityManager, row: RecordedSentenceDates): Promise<RecordedDatesView> {
    const calculated = await manager.findOne(SentenceCalculationRecord, {
      where: { personId: row.personId, episode: row.episode },
      order: { version: 'DESC' },
      select: { version: true, releaseDateType: true, releaseDate: true },
    });
    const recorded = { at: row.recordedAt.toISOString(), by: row.recordedBy };
    return {
      personId: row.personId,
      episode: row.episode,
      version: row.version,
      etag: entityTag(RECORDED_DATES_ETAG_PREFIX, row.version),
      jurisdiction: row.jurisdiction,
      recordedBecause: row.recordedBecause,
      recordedAt: recorded.at,
      recordedBy: recorded.by,
      dates: row.dates.map((d) => ({
        type: d.type,
        date: d.date,
        source: d.source,
        sourceReference: d.sourceReference ?? null,
        explanation: explainRecordedDate(d, row.recordedBecause, recorded),
      })),
      releaseDate:
        row.releaseDateType !== null && row.releaseDate !== null
          ? { type: row.releaseDateType, date: row.releaseDate }
          : null,
      calculatedReleaseDate:
        calculated?.releaseDateType && calculated.releaseDate
          ? {
              type: calculated.releaseDateType,
              date: calculated.releaseDate,
              sentenceCalculationVersion: calculated.version,
            }
          : null,
    };
  }
}

/**
 * A recorded release date the journey could not plan (outside the bank-holiday calendar and the
 * SLA policies this build holds) is refused (422), as a calculated one is
 * (SENTENCE_RELEASE_DATE_UNPLANNABLE): it would become the expected release date.
 */
function refuseUnplannable(
  episode: CustodyEpisode,
  body: RecordedDatesBody,
  release: { type: string; date: string },
): void {
  const field = `dates.${body.dates.findIndex((d) => d.type === release.type)}.date`;
  const issues = planningRangeIssues(episode.jurisdiction, [{ field, value: release.date, role: 'release' }]);
  if (issues.length > 0)
    throw new DomainError(
      'RECORDED_RELEASE_DATE_UNPLANNABLE',
      'RULE_VIOLATED',
      `the recorded ${release.type} ${release.date} cannot be planned by this build: ${issues
        .map((i) => i.message)
        .join('; ')}`,
      { details: { type: release.type, date: release.date, errors: issues } },
    );
}

/** The episode's current (highest) recorded dates, if any. */
export function latestRecordedDates(
  manager: EntityManager,
  personId: string,
  episode: number,
): Promise<RecordedSentenceDates | null> {
  return manager.findOne(RecordedSentenceDates, { where: { personId, episode }, order: { version: 'DESC' } });
}

/**
 * What recording dates does to the episode's expected release date, as a sentence calculation's
 * `effectOn` decides it for a calculated date: it moves to the recorded release date unless
 * - there is none (e.g. only a PED or a SED): nothing moves;
 * - the date has passed: the person is due for immediate release, and the recording is refused
 *   (422 RELEASE_DUE_NOW), as a calculation's;
 * - an HDC, parole or early-release decision stands on the date (the latest change), and it can:
 *   its date is on or before the recorded release date and, for HDC, on or after a recorded
 *   HDCED. A decision that cannot stand is set aside, the date moves, and the effect says why;
 * - the date is the previous version's release date: the expected date was changed since, and
 *   recording the same date again does not undo that.
 */
export async function recordedDatesEffect(
  manager: EntityManager,
  episode: CustodyEpisode,
  body: RecordedDatesBody,
  release: { type: string; date: string } | null,
  previousReleaseDate: string | null,
  now: Date,
): Promise<RecordedDatesOutcomeView['effect']> {
  const history = await loadEpisodeHistory(manager, episode);
  const before = currentExpectedReleaseDate(episode, history) ?? receivedEpisode(episode).expectedReleaseDate;
  const effect = (
    after: string,
    reasons: { keptBecause?: string; decisionSetAsideBecause?: string } = {},
  ): RecordedDatesOutcomeView['effect'] => ({
    expectedReleaseDateBefore: before,
    expectedReleaseDateAfter: after,
    changesExpectedReleaseDate: after !== before,
    keptBecause: reasons.keptBecause ?? null,
    decisionSetAsideBecause: reasons.decisionSetAsideBecause ?? null,
  });
  if (!release) return effect(before);
  const today = ukToday(now);
  if (release.date < today) {
    const detail = `the recorded ${release.type} ${release.date} has passed (today is ${today}): the person is due for immediate release. Nothing is recorded: release them (POST /releases), or correct the dates if they are wrong`;
    throw new DomainError('RELEASE_DUE_NOW', 'RULE_VIOLATED', detail, {
      details: { type: release.type, date: release.date, expectedReleaseDate: before },
      extensions: { expectedReleaseDate: before, recordedReleaseDate: release },
    });
  }
  if (release.date === before) return effect(before);
  const latest = history.releaseDateChanges.at(-1);
  if (latest && RELEASE_DECISIONS.has(latest.reason)) {
    const what = `the ${latest.reason} decision of ${latest.changedAt.toISOString()} (release on ${latest.expectedReleaseDate})`;
    const hdced = body.dates.find((d) => d.type === 'HDCED')?.date;
    const cannotStand =
      latest.expectedReleaseDate > release.date
        ? `its date is after the recorded ${release.type} ${release.date}, and nobody is held past that`
        : latest.reason === 'HDC_APPROVED' && hdced !== undefined && hdced > latest.expectedReleaseDate
          ? `the recorded HDC eligibility date ${hdced} is after the approved date`
          : null;
    if (cannotStand !== null)
      return effect(release.date, {
        decisionSetAsideBecause: `${what} cannot stand: ${cannotStand}; the expected release date moves to the recorded ${release.type} ${release.date}. Review the decision`,
      });
    return effect(before, {
      keptBecause: `${what} set the expected release date; the recorded ${release.type} ${release.date} does not undo it (change the date itself if the decision no longer stands)`,
    });
  }
  if (previousReleaseDate === release.date)
    return effect(before, {
      keptBecause: `the recorded ${release.type} ${release.date} is the previous version's; the expected release date was changed since (${before}) and recording the same date again does not undo that`,
    });
  return effect(release.date);
}
