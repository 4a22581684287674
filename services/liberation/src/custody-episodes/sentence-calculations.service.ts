import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, LessThanOrEqual, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { DomainError, ValidationFailedError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { withIdempotency } from '@throughcare/platform-persistence';
import {
  calculateSentenceDates,
  calculatedDate,
  displayedReleaseDate,
  InvalidSentenceInputError,
  planningRangeIssues,
  UnsupportedSentenceError,
  type SentenceCalculation,
  type SentencePolicyTable,
} from '@throughcare/domain';
import { CustodyEpisode, isReceived, receivedEpisode } from './custody-episode.entity';
import { EpisodeAlreadyReleasedError, refuseUnlessOpen, refuseVoid } from './custody-episode.errors';
import { liberationDayFor } from './custody-episode.view';
import { currentExpectedReleaseDate, episodeWithin, loadEpisodeHistory } from './episode-history';
import { lockPerson } from './person-lock';
import type { EstablishmentScope } from './prison-scope';
import { effectivePolicies, ukToday } from './policy-table';
import { ReleaseDateService } from './release-date.service';
import type { RequestContext } from './request-context';
import type { ReleaseDateChange } from './release-date-change.entity';
import { newestVersionsFirst } from './version-pages';
import { SentenceCalculationRecord } from './sentence-calculation.entity';
import {
  type ListSentenceCalculationsQuery,
  type SentenceCalculationOutcomeView,
  type SentenceCalculationPage,
  type SentenceCalculationView,
  type SentencesBody,
} from './sentence-calculation.schemas';

/** The prefix of a sentence calculation's entity tag: `"sentence-v3"`. */
export const SENTENCE_ETAG_PREFIX = 'sentence';

export class SentenceCalculationNotFoundError extends DomainError {
  constructor(personId: string, episode: number, version?: number) {
    super(
      'SENTENCE_CALCULATION_NOT_FOUND',
      'NOT_FOUND',
      version === undefined
        ? `episode ${episode} of person ${personId} has no sentence calculation recorded`
        : `episode ${episode} of person ${personId} has no sentence calculation version ${version}`,
      { details: { personId, episode, ...(version === undefined ? {} : { version }) } },
    );
  }
}

/** The calculation refused the sentences: a kind this platform does not calculate (never guessed). */
function notCalculated(error: UnsupportedSentenceError): DomainError {
  return new DomainError('SENTENCE_NOT_CALCULATED', 'RULE_VIOLATED', error.message, {
    details: { reason: error.reason, sentenceIds: [...error.sentenceIds] },
    extensions: { reason: error.reason, sentenceIds: [...error.sentenceIds] },
  });
}

/** `sentences[0].term.days` (the calculation's naming) as the request validator names fields. */
const fieldOf = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

export interface SentenceRecordOutcome {
  /** False for a retry with the same Idempotency-Key: the first recording is answered. */
  created: boolean;
  view: SentenceCalculationOutcomeView;
}

/** What an Idempotency-Key remembers: enough to answer a retry and tell a reused key. */
interface RecordKeyResult {
  personId: string;
  episode: number;
  bodyHash: string;
  version: number;
  effect: SentenceCalculationOutcomeView['effect'];
}

export interface Computed {
  calculation: SentenceCalculation;
  releaseDate: { type: 'CRD' | 'ARD'; date: string } | null;
}

/**
 * Sentence calculations of custody episodes (issue 10). Staff enter the sentences as the court
 * passed them; the dates are calculated by the sentence module from the released policy table at
 * today's date, each with its explanation, and stored as a new version. When the calculated
 * release date (CRD, or ARD in Scotland) differs from the episode's expected release date, the
 * recording moves it as a RECALCULATION in the same transaction, so `custody.release-date.changed`
 * goes out and the journey re-plans. A preview calculates and answers the same without recording.
 */
@Injectable()
export class SentenceCalculationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly releaseDates: ReleaseDateService,
  ) {}

  /** Calculates as a recording would, records nothing. */
  async preview(
    personId: string,
    episodeNumber: number,
    body: SentencesBody,
    scope: EstablishmentScope,
    now: Date = new Date(),
  ): Promise<SentenceCalculationOutcomeView> {
    return this.dataSource.transaction(async (tx) => {
      const episode = await episodeWithin(tx, personId, episodeNumber, scope);
      const { table, asAt } = await effectivePolicies(tx, ukToday(now));
      const computed = calculateForEpisode(episode, body, table, asAt);
      const latest = await this.latest(tx, personId, episodeNumber);
      return {
        ...viewOf(episode, null, body, computed, asAt),
        effect: await this.effectOn(tx, episode, computed, body, latest?.releaseDate ?? null, now),
      };
    });
  }

  /**
   * Records a new version. `ifMatch` (the If-Match header) must name the current version when
   * sent (412 otherwise); a retry with the same Idempotency-Key answers the first recording, and
   * the same key with another body or episode is refused (422).
   */
  async record(
    personId: string,
    episodeNumber: number,
    body: SentencesBody,
    context: RequestContext,
    ifMatch: string | undefined,
    now: Date = new Date(),
  ): Promise<SentenceRecordOutcome> {
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
        ? await withIdempotency(tx, `liberation:sentence:${context.idempotencyKey}`, apply)
        : await apply(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.episode === episodeNumber ? [] : ['episode']),
        ...(first.bodyHash === bodyHash ? [] : ['body']),
      ];
      if (differences.length > 0)
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'RULE_VIOLATED',
          `this Idempotency-Key was used for a sentence calculation with a different ${differences.join(', ')}; use a new key for a new recording`,
          { details: { fields: differences } },
        );
      const stored = await tx.findOneByOrFail(SentenceCalculationRecord, {
        personId,
        episode: episodeNumber,
        version: first.version,
      });
      return { created, view: { ...storedView(found, stored), effect: first.effect } };
    });
  }

  /** The current (highest) version; 404 when none is recorded. */
  async current(
    personId: string,
    episodeNumber: number,
    scope: EstablishmentScope,
  ): Promise<SentenceCalculationView> {
    return this.dataSource.transaction(async (tx) => {
      const episode = await episodeWithin(tx, personId, episodeNumber, scope);
      const latest = await this.latest(tx, personId, episodeNumber);
      if (!latest) throw new SentenceCalculationNotFoundError(personId, episodeNumber);
      return storedView(episode, latest);
    });
  }

  /** One version; 404 when there is no such version. */
  async version(
    personId: string,
    episodeNumber: number,
    version: number,
    scope: EstablishmentScope,
  ): Promise<SentenceCalculationView> {
    return this.dataSource.transaction(async (tx) => {
      const episode = await episodeWithin(tx, personId, episodeNumber, scope);
      const row = await tx.findOneBy(SentenceCalculationRecord, {
        personId,
        episode: episodeNumber,
        version,
      });
      if (!row) throw new SentenceCalculationNotFoundError(personId, episodeNumber, version);
      return storedView(episode, row);
    });
  }

  /** Every version, newest first (a keyset page). An episode with none answers an empty page. */
  async list(
    personId: string,
    episodeNumber: number,
    query: ListSentenceCalculationsQuery,
    scope: EstablishmentScope,
  ): Promise<SentenceCalculationPage> {
    return this.dataSource.transaction(async (tx) => {
      const episode = await episodeWithin(tx, personId, episodeNumber, scope);
      const { items, nextCursor } = await newestVersionsFirst(
        tx,
        SentenceCalculationRecord,
        { personId, episode: episodeNumber },
        query,
      );
      return { items: items.map((r) => storedView(episode, r)), nextCursor };
    });
  }

  private async apply(
    manager: EntityManager,
    found: CustodyEpisode,
    body: SentencesBody,
    bodyHash: string,
    context: RequestContext,
    ifMatch: string | undefined,
    now: Date,
  ): Promise<RecordKeyResult> {
    const { personId, episode: episodeNumber } = found;
    refuseUnlessOpen(found);
    const latest = await this.latest(manager, personId, episodeNumber);
    requireIfMatch(
      ifMatch,
      latest ? entityTag(SENTENCE_ETAG_PREFIX, latest.version) : null,
      `the sentence calculation of episode ${episodeNumber}`,
    );
    const { table, asAt } = await effectivePolicies(manager, ukToday(now));
    const computed = calculateForEpisode(found, body, table, asAt);
    const { version, effect } = await this.recordVersion(manager, found, body, computed, asAt, {
      latestVersion: latest?.version ?? 0,
      actor: context.actor,
      context,
      now,
    });
    return { personId, episode: episodeNumber, bodyHash, version, effect };
  }

  /**
   * Stores `computed` as the next version and, when its release date differs from the episode's
   * expected release date, moves that date as a RECALCULATION (custody.release-date.changed), all
   * in the caller's transaction with the person locked. Also used by a release-point re-plan.
   */
  async recordVersion(
    manager: EntityManager,
    episode: CustodyEpisode,
    input: SentencesBody,
    computed: Computed,
    asAt: string,
    by: { latestVersion: number; actor: string; context: RequestContext; now: Date },
  ): Promise<{ version: number; effect: SentenceCalculationOutcomeView['effect'] }> {
    const { personId, episode: episodeNumber } = episode;
    const previous =
      by.latestVersion === 0
        ? null
        : await manager.findOneBy(SentenceCalculationRecord, {
            personId,
            episode: episodeNumber,
            version: by.latestVersion,
          });
    const effect = await this.effectOn(
      manager,
      episode,
      computed,
      input,
      previous?.releaseDate ?? null,
      by.now,
    );
    if (effect.releaseDueNowBecause !== null)
      throw new DomainError('RELEASE_DUE_NOW', 'RULE_VIOLATED', effect.releaseDueNowBecause, {
        details: {
          type: computed.releaseDate?.type,
          date: computed.releaseDate?.date,
          expectedReleaseDate: effect.expectedReleaseDateBefore,
        },
      });
    const version = by.latestVersion + 1;
    await manager.insert(SentenceCalculationRecord, {
      personId,
      episode: episodeNumber,
      version,
      jurisdiction: episode.jurisdiction,
      input,
      calculation: computed.calculation,
      asAt,
      releaseDateType: computed.releaseDate?.type ?? null,
      releaseDate: computed.releaseDate?.date ?? null,
      policyIds: [...computed.calculation.policyIds],
      recordedAt: by.now,
      recordedBy: by.actor,
      correlationId: by.context.correlationId,
    });
    if (effect.changesExpectedReleaseDate)
      await this.releaseDates.applyChange(
        manager,
        personId,
        episodeNumber,
        { expectedReleaseDate: effect.expectedReleaseDateAfter, reason: 'RECALCULATION' },
        by.context,
        by.now,
      );
    return { version, effect };
  }

  private latest(manager: EntityManager, personId: string, episode: number) {
    return manager.findOne(SentenceCalculationRecord, {
      where: { personId, episode },
      order: { version: 'DESC' },
    });
  }

  /**
   * What recording `computed` (calculated from `input`) does to the episode's expected release
   * date. It moves to the calculated release date unless
   * - a decision stands on the date: the latest change of it is an HDC approval, parole or an
   *   early release (a calculation does not undo a decision; the date is the decision's until it
   *   is changed again), as long as the decision can still stand (`decisionCannotStand`): its date
   *   is on or before the calculated release date (nobody is held past it); for HDC the new
   *   calculation still gives an HDCED on or before it; for parole and early release the
   *   sentences and the calculated release date are those the decision was made on. A decision
   *   that cannot stand is set aside: the date moves to the calculated one and the effect says
   *   why, for someone to review the decision. A decision that stands but whose date has passed
   *   leaves the person due for immediate release (`releaseDueNowBecause`); or
   * - the calculated date is the previous version's calculated date: the expected date was
   *   changed since for another reason, and recording the same sentences again does not undo it.
   * A calculated date already passed is due now as well (`releaseDue`). Recording a due-now effect
   * is refused (RELEASE_DUE_NOW); a preview shows it, a re-plan skips the episode.
   */
  async effectOn(
    manager: EntityManager,
    episode: CustodyEpisode,
    computed: Computed,
    input: SentencesBody,
    previousReleaseDate: string | null,
    now: Date = new Date(),
  ): Promise<SentenceCalculationOutcomeView['effect']> {
    if (!isReceived(episode))
      throw new EpisodeAlreadyReleasedError(episode.personId, episode.episode, episode.releasedAt!);
    const history = await loadEpisodeHistory(manager, episode);
    const before =
      currentExpectedReleaseDate(episode, history) ?? receivedEpisode(episode).expectedReleaseDate;
    const today = ukToday(now);
    const dueNow = (releaseDueNowBecause: string) => ({
      expectedReleaseDateBefore: before,
      expectedReleaseDateAfter: before,
      changesExpectedReleaseDate: false,
      keptBecause: null,
      decisionSetAsideBecause: null,
      releaseDueNowBecause,
    });
    // A calculated date already passed (remand longer than the custodial part, a late recording,
    // a new release point): the person is due for immediate release. Nothing moves: recording it
    // is refused (RELEASE_DUE_NOW), and a preview or a dry run says why.
    const due = releaseDue(computed, today);
    if (due?.dueNowBecause) return dueNow(due.dueNowBecause);
    const after = due?.date ?? before;
    const kept = (because: string) => ({
      expectedReleaseDateBefore: before,
      expectedReleaseDateAfter: before,
      changesExpectedReleaseDate: false,
      keptBecause: because,
      decisionSetAsideBecause: null,
      releaseDueNowBecause: null,
    });
    const moved = (decisionSetAsideBecause: string | null = null) => ({
      expectedReleaseDateBefore: before,
      expectedReleaseDateAfter: after,
      changesExpectedReleaseDate: after !== before,
      keptBecause: null,
      decisionSetAsideBecause,
      releaseDueNowBecause: null,
    });
    if (after === before) return moved();
    const decision = history.releaseDateChanges.at(-1);
    if (decision && DECISIONS.has(decision.reason)) {
      const what = `the ${decision.reason} decision of ${decision.changedAt.toISOString()} (release on ${decision.expectedReleaseDate})`;
      const setAside =
        decisionCannotStand(decision.reason, decision.expectedReleaseDate, computed) ??
        (decision.reason === 'HDC_APPROVED'
          ? null
          : madeOnOtherSentences(await this.basisOf(manager, decision), decision, input, computed));
      if (setAside !== null)
        return moved(
          `${what} cannot stand: ${setAside}; the expected release date moves to the calculated ${computed.releaseDate?.type} ${after}. Review the decision`,
        );
      // The decision stands, but its day has passed without a release: due now, as a passed CRD.
      if (decision.expectedReleaseDate < today)
        return dueNow(
          `${what} stands, but its date has passed (today is ${today}): the person is due for immediate release. Nothing is recorded: release them (POST /releases), or change the date itself if the decision no longer stands`,
        );
      return kept(
        `${what} set the expected release date; the calculated ${computed.releaseDate?.type} ${after} does not undo it (change the date itself if the decision no longer stands)`,
      );
    }
    // Calculated against calculated (review M3): the previous version's date as it was calculated,
    // against this one's, never the expected release date either was planned as.
    const calculated = computed.releaseDate?.date ?? null;
    if (previousReleaseDate !== null && previousReleaseDate === calculated)
      return kept(
        `the calculated ${computed.releaseDate?.type} ${calculated} is the previous version's; the expected release date was changed since (${before}) and recording the same date again does not undo that`,
      );
    return moved();
  }

  /**
   * The sentence calculation a decision was made on: the version current when it was taken (the
   * latest recorded at or before it), or null when none was recorded yet.
   */
  private basisOf(manager: EntityManager, decision: ReleaseDateChange) {
    return manager.findOne(SentenceCalculationRecord, {
      where: {
        personId: decision.personId,
        episode: decision.episode,
        recordedAt: LessThanOrEqual(decision.changedAt),
      },
      order: { version: 'DESC' },
    });
  }
}

/**
 * The expected release date a calculation gives: its CRD/ARD; when that has passed, today, with
 * why the person is due for immediate release (a recording of it is refused). Undefined when the
 * calculation gives no release date.
 */
export function releaseDue(
  computed: Computed,
  today: string,
): { date: string; dueNowBecause: string | null } | undefined {
  const release = computed.releaseDate;
  if (!release) return undefined;
  if (release.date >= today) return { date: release.date, dueNowBecause: null };
  return {
    date: today,
    dueNowBecause: `the calculated ${release.type} ${release.date} has passed (today is ${today}): the person is due for immediate release (e.g. remand longer than the custodial part). Nothing is recorded: release them (POST /releases), or correct the sentences if they are wrong`,
  };
}

/** Release-date changes that record a decision a calculation does not undo. */
const DECISIONS: ReadonlySet<string> = new Set(['HDC_APPROVED', 'PAROLE', 'EARLY_RELEASE']);

/**
 * Why a decision's release date cannot stand against a new calculation, or null when it can.
 * - Its date is after the calculated release date: the automatic release comes first, and keeping
 *   the decision's date would hold the person past it (remand found later, a sentence cut on
 *   appeal, a new release point).
 * - HDC: the new calculation gives no HDCED (excluded, or too little time on HDC), or an HDCED
 *   after the approved date (a new consecutive sentence): release on HDC before eligibility is
 *   not lawful.
 */
export function decisionCannotStand(reason: string, decisionDate: string, computed: Computed): string | null {
  const release = computed.releaseDate;
  if (release && decisionDate > release.date)
    return `its date is after the calculated ${release.type} ${release.date}, and nobody is held past that`;
  if (reason !== 'HDC_APPROVED') return null;
  const hdced = calculatedDate(computed.calculation, 'HDCED');
  if (hdced === undefined) {
    const why = computed.calculation.notApplicable.find((n) => n.type === 'HDCED')?.reason;
    return `the new calculation gives no HDC eligibility date${why ? ` (${why})` : ''}`;
  }
  if (hdced > decisionDate) return `the new HDC eligibility date ${hdced} is after the approved date`;
  return null;
}

/**
 * Why a parole or early-release decision was made on other sentences than `input` (review M2), or
 * null when it was not: the Parole Board's or the early-release decision was taken on the sentences
 * and release date then calculated, and a new consecutive sentence, a new conviction, a sentence
 * varied on appeal or found remand makes it a decision on another sentence. `basis` is the version
 * current when the decision was taken; with none recorded then, the decision was made on the
 * expected release date it replaced, and only that can be compared.
 */
export function madeOnOtherSentences(
  basis: Pick<SentenceCalculationRecord, 'version' | 'input' | 'releaseDate' | 'releaseDateType'> | null,
  decision: Pick<ReleaseDateChange, 'previousExpectedReleaseDate'>,
  input: SentencesBody,
  computed: Computed,
): string | null {
  const release = computed.releaseDate;
  const calculated = release ? `${release.type} ${release.date}` : 'no release date';
  if (basis === null)
    return release?.date === decision.previousExpectedReleaseDate
      ? null
      : `it was made before any sentence calculation, on the expected release date ${decision.previousExpectedReleaseDate}; the sentences now recorded give ${calculated}`;
  const otherSentences = canonicalJson(basis.input.sentences) !== canonicalJson(input.sentences);
  const otherDate = (basis.releaseDate ?? null) !== (release?.date ?? null);
  if (!otherSentences && !otherDate) return null;
  const then =
    basis.releaseDate === null ? 'no release date' : `${basis.releaseDateType} ${basis.releaseDate}`;
  return `it was made on sentence calculation version ${basis.version} (${then}); ${[
    ...(otherSentences ? ['the sentences are not those'] : []),
    ...(otherDate ? [`the calculated release date is now ${calculated}`] : []),
  ].join(' and ')}`;
}

/** The calculation, its release date, and a refusal of a date the journey could not plan. */
export function calculateForEpisode(
  episode: CustodyEpisode,
  body: SentencesBody,
  policies: SentencePolicyTable,
  asAt: string,
): Computed {
  refuseVoid(episode);
  if (episode.origin !== 'RECEPTION' || episode.releasedAt !== null)
    throw new EpisodeAlreadyReleasedError(
      episode.personId,
      episode.episode,
      episode.releasedAt ?? new Date(0),
    );
  let calculation: SentenceCalculation;
  try {
    calculation = calculateSentenceDates(
      {
        jurisdiction: episode.jurisdiction,
        sentences: body.sentences,
        ...(body.remandDays === undefined ? {} : { remandDays: body.remandDays }),
        ...(body.taggedBailCurfewDays === undefined
          ? {}
          : { taggedBailCurfewDays: body.taggedBailCurfewDays }),
        ...(body.sexOffenderNotification === undefined
          ? {}
          : { sexOffenderNotification: body.sexOffenderNotification }),
        ...(episode.dateOfBirth === null ? {} : { dateOfBirth: episode.dateOfBirth }),
        asAt,
      },
      policies,
    );
  } catch (error) {
    if (error instanceof UnsupportedSentenceError) throw notCalculated(error);
    if (error instanceof InvalidSentenceInputError)
      throw new ValidationFailedError(
        `the sentences are invalid: ${error.message}`,
        [{ field: fieldOf(error.field), message: error.message }],
        'SENTENCE_INPUT_INVALID',
      );
    throw error;
  }
  const due = displayedReleaseDate({
    CRD: calculatedDate(calculation, 'CRD') ?? null,
    ARD: calculatedDate(calculation, 'ARD') ?? null,
  });
  const releaseDate =
    due && (due.type === 'CRD' || due.type === 'ARD') ? { type: due.type, date: due.date } : null;
  if (releaseDate) {
    // A date already passed is planned as today (`releaseDue`): that is the one to check.
    const planned = releaseDue({ calculation, releaseDate }, ukToday(new Date()))!.date;
    const issues = planningRangeIssues(episode.jurisdiction, [
      { field: releaseDate.type, value: planned, role: 'release' },
    ]);
    if (issues.length > 0)
      throw new DomainError(
        'SENTENCE_RELEASE_DATE_UNPLANNABLE',
        'RULE_VIOLATED',
        `the calculated ${releaseDate.type} ${releaseDate.date} cannot be planned by this build: ${issues
          .map((i) => i.message)
          .join('; ')}`,
        { details: { type: releaseDate.type, date: releaseDate.date } },
      );
  }
  return { calculation, releaseDate };
}

function storedView(episode: CustodyEpisode, row: SentenceCalculationRecord): SentenceCalculationView {
  return viewOf(
    episode,
    row,
    row.input,
    {
      calculation: row.calculation,
      releaseDate:
        row.releaseDate !== null && row.releaseDateType !== null
          ? { type: row.releaseDateType, date: row.releaseDate }
          : null,
    },
    row.asAt,
  );
}

function viewOf(
  episode: CustodyEpisode,
  row: SentenceCalculationRecord | null,
  input: SentencesBody,
  { calculation, releaseDate }: Computed,
  asAt: string,
): SentenceCalculationView {
  return {
    personId: episode.personId,
    episode: episode.episode,
    version: row?.version ?? null,
    etag: row ? entityTag(SENTENCE_ETAG_PREFIX, row.version) : null,
    jurisdiction: episode.jurisdiction,
    asAt,
    recordedAt: row?.recordedAt.toISOString() ?? null,
    recordedBy: row?.recordedBy ?? null,
    input,
    dates: calculation.dates.map((d) => ({
      type: d.type,
      date: d.date,
      explanation: {
        ruleId: d.explanation.ruleId,
        citation: d.explanation.citation,
        url: d.explanation.url,
        inputs: { ...d.explanation.inputs },
        steps: [...d.explanation.steps],
        unverified: [...d.explanation.unverified],
      },
    })),
    notApplicable: calculation.notApplicable.map((n) => ({ type: n.type, reason: n.reason })),
    policyIds: [...calculation.policyIds],
    warnings: [...calculation.warnings],
    releaseDate: releaseDate
      ? {
          ...releaseDate,
          liberation: liberationDayFor(
            episode.jurisdiction,
            releaseDate.date,
            termDaysOf(calculation) ?? (isReceived(episode) ? episode.sentenceLengthDays : undefined),
          ),
        }
      : null,
  };
}

/** The term the Scottish s.26C window turns on (the single term's days), when the calculation states it. */
function termDaysOf(calculation: SentenceCalculation): number | undefined {
  const days = calculation.dates.find((d) => d.type === 'SED')?.explanation.inputs['termDays'];
  return typeof days === 'number' ? days : undefined;
}
