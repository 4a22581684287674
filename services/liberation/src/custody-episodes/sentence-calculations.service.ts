import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { DomainError, ValidationFailedError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { withIdempotency } from '@throughcare/platform-persistence';
import {
  AdjustmentNotApplicableError,
  calculateSentenceDates,
  calculatedDate,
  displayedReleaseDate,
  InvalidSentenceInputError,
  planningRangeIssues,
  UnsupportedSentenceError,
  type SentenceCalculation,
  type SentenceCalculationInput,
  type SentencePolicyTable,
} from '@throughcare/domain';
import { CustodyEpisode, isReceived, receivedEpisode } from './custody-episode.entity';
import { EpisodeAlreadyReleasedError, refuseUnlessOpen, refuseVoid } from './custody-episode.errors';
import { liberationDayFor } from './custody-episode.view';
import { currentExpectedReleaseDate, episodeWithin, loadEpisodeHistory } from './episode-history';
import { BUS_ACTOR } from './hmpps-actor';
import { lockPerson } from './person-lock';
import type { EstablishmentScope } from './prison-scope';
import { effectivePolicies, ukToday } from './policy-table';
import { RELEASE_DECISIONS, ReleaseDateService } from './release-date.service';
import type { RequestContext } from './request-context';
import type { ReleaseDateChange } from './release-date-change.entity';
import { newestVersionsFirst } from './version-pages';
import { SentenceCalculationRecord } from './sentence-calculation.entity';
import { madeOnOtherSentences } from './decision-basis';
import {
  type ListSentenceCalculationsQuery,
  type SentenceCalculationOutcomeView,
  type SentenceCalculationPage,
  type SentenceCalculationView,
  type SentencesBody,
} from './sentence-calculation.schemas';

export { madeOnOtherSentences } from './decision-basis';

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
      const computed = calculateForEpisode(episode, body, table, asAt, ukToday(now));
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
    const computed = calculateForEpisode(found, body, table, asAt, ukToday(now));
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
    if (effect.releaseDueNowBecause !== null) {
      // In the problem too (review M5): the expected release date the person is due on (a
      // decision's, or today for a passed CRD/ARD) and the calculated release date, if any.
      const dueNow = {
        expectedReleaseDate: effect.expectedReleaseDateBefore,
        calculatedReleaseDate: computed.releaseDate,
      };
      throw new DomainError('RELEASE_DUE_NOW', 'RULE_VIOLATED', effect.releaseDueNowBecause, {
        details: {
          type: computed.releaseDate?.type,
          date: computed.releaseDate?.date,
          ...dueNow,
        },
        extensions: dueNow,
      });
    }
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
   *   calculation still gives an HDCED on or before it; for parole and early release no sentence
   *   was added or lengthened against those of the calculation version recorded with the decision
   *   (`madeOnOtherSentences`; a moved CRD/ARD alone never sets one aside). A decision that cannot
   *   stand is set aside: the date moves to the calculated one and the effect says why, for
   *   someone to review the decision. One with no recorded basis is kept and flagged
   *   (`decisionCaveat`). A PAROLE or EARLY_RELEASE decision that stands but whose date has passed
   *   leaves the person due for immediate release (`releaseDueNowBecause`); a passed HDC date does
   *   not (HDC is postponed): it is kept with a caveat; or
   * - the calculated date is the previous version's calculated date: the expected date was
   *   changed since for another reason, and recording the same sentences again does not undo it.
   * Recorded official dates that give a release date come first: the calculation moves nothing
   * (`keptBecause` says so when its date differs). A calculated date already passed is due now as
   * well (`releaseDue`). Recording a due-now effect
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
    const effect = (
      after: string,
      reasons: Partial<
        Pick<
          SentenceCalculationOutcomeView['effect'],
          'keptBecause' | 'decisionSetAsideBecause' | 'releaseDueNowBecause' | 'decisionCaveat'
        >
      > = {},
    ): SentenceCalculationOutcomeView['effect'] => ({
      expectedReleaseDateBefore: before,
      expectedReleaseDateAfter: after,
      changesExpectedReleaseDate: after !== before,
      keptBecause: reasons.keptBecause ?? null,
      decisionSetAsideBecause: reasons.decisionSetAsideBecause ?? null,
      releaseDueNowBecause: reasons.releaseDueNowBecause ?? null,
      decisionCaveat: reasons.decisionCaveat ?? null,
    });
    const dueNow = (releaseDueNowBecause: string) => effect(before, { releaseDueNowBecause });
    // Recorded official dates that give a release date take precedence over a calculation (README
    // "Recorded sentence dates"): the calculation is recorded with its explanation, and moves
    // nothing, whether its date is earlier, later or passed. New official dates move it.
    const recorded = history.recorded?.releaseDate;
    if (recorded) {
      const calculated = computed.releaseDate;
      return calculated === null || calculated.date === before
        ? effect(before)
        : effect(before, {
            keptBecause: `the recorded official ${recorded.type} ${recorded.date} (recorded dates version ${history.recorded!.version}) takes precedence over the calculated ${calculated.type} ${calculated.date}: record new official dates (POST …/recorded-dates) to move the expected release date`,
          });
    }
    // A calculated date already passed (remand longer than the custodial part, a late recording,
    // a new release point): the person is due for immediate release. Nothing moves: recording it
    // is refused (RELEASE_DUE_NOW), and a preview or a dry run says why.
    const due = releaseDue(computed, today);
    if (due?.dueNowBecause) return dueNow(due.dueNowBecause);
    const after = due?.date ?? before;
    const latest = history.releaseDateChanges.at(-1);
    const decision = latest && RELEASE_DECISIONS.has(latest.reason) ? latest : undefined;
    // A decision is looked at even when the date would not move (review N4: no release date
    // calculated, and the decision's date has passed).
    if (after === before && !decision) return effect(after);
    if (decision) {
      const what = `the ${decision.reason} decision of ${decision.changedAt.toISOString()} (release on ${decision.expectedReleaseDate})`;
      const hdc = decision.reason === 'HDC_APPROVED';
      const basis = hdc ? undefined : await this.basisOf(manager, decision);
      const setAside =
        decisionCannotStand(decision.reason, decision.expectedReleaseDate, computed) ??
        (basis ? madeOnOtherSentences(basis, input, episode.jurisdiction) : null);
      if (setAside !== null)
        return effect(after, {
          decisionSetAsideBecause: `${what} cannot stand: ${setAside}; ${
            computed.releaseDate
              ? `the expected release date moves to the calculated ${computed.releaseDate.type} ${after}`
              : 'the new calculation gives no release date, so the expected release date stays'
          }. Review the decision`,
        });
      const caveats: string[] = [];
      // Review S2: a parole or early-release decision recorded before its basis was kept, or
      // before any calculation: what it was made on is not known here. It is kept (never guessed
      // from timestamps), and flagged for someone to check.
      if (basis === null)
        caveats.push(
          `the sentences ${decision.reason} was decided on are not recorded here (${
            decision.sentenceCalculationVersion === 0
              ? 'it was recorded before any sentence calculation'
              : 'it was recorded before this service kept that'
          }): it is kept; check that no sentence was added or lengthened since`,
        );
      // Review of stop 40, S1: recorded on the latest version when it arrived, not on one it named
      // (an upstream system's event, a client during the transition, or before 2900): sentences
      // recorded after it are checked above; those recorded before it arrived were not.
      else if (basis && decision.basisSource !== 'NAMED')
        caveats.push(
          `${decision.reason} was recorded on calculation version ${basis.version}, the latest when it arrived (${
            decision.changedBy === BUS_ACTOR
              ? "from an upstream system's event, which does not say what it was decided on"
              : decision.basisSource === 'LATEST_ON_ARRIVAL'
                ? 'sent without the version it was decided on'
                : 'recorded before decisions named their version'
          }): sentences recorded since are checked, those recorded before it arrived were not; check that none of them was added or lengthened after the decision was made`,
        );
      if (decision.expectedReleaseDate < today) {
        // A parole direction or early-release decision that stands, with its day passed without a
        // release: due now, as a passed CRD. HDC is discretionary and is postponed when the
        // address or the tag falls through (review M1): it stays, flagged.
        if (!hdc)
          return dueNow(
            `${what} stands, but its date has passed (today is ${today}): the person is due for immediate release. Nothing is recorded: release them (POST /releases), or change the date itself if the decision no longer stands`,
          );
        caveats.push(
          `the HDC date ${decision.expectedReleaseDate} has passed without a release (today is ${today}): HDC is discretionary and may be postponed, so nobody is due now on it; set the new HDC date, or change the date if the HDC no longer stands`,
        );
      }
      const decisionCaveat = caveats.length > 0 ? caveats.join('; ') : null;
      if (after === before) return effect(after, { decisionCaveat });
      return effect(before, {
        keptBecause: `${what} set the expected release date; the calculated ${computed.releaseDate?.type} ${after} does not undo it (change the date itself if the decision no longer stands)`,
        decisionCaveat,
      });
    }
    // Calculated against calculated (review M3): the previous version's date as it was calculated,
    // against this one's, never the expected release date either was planned as.
    const calculated = computed.releaseDate?.date ?? null;
    if (previousReleaseDate !== null && previousReleaseDate === calculated)
      return effect(before, {
        keptBecause: `the calculated ${computed.releaseDate?.type} ${calculated} is the previous version's; the expected release date was changed since (${before}) and recording the same date again does not undo that`,
      });
    return effect(after);
  }

  /**
   * The sentence calculation a decision was made on: the version recorded with it (review S2; the
   * latest on arrival for one that named none: `basisSource`), or null when none is known
   * (recorded before any calculation, or before the version was kept).
   */
  private async basisOf(manager: EntityManager, decision: ReleaseDateChange) {
    if (!decision.sentenceCalculationVersion) return null;
    return manager.findOne(SentenceCalculationRecord, {
      where: {
        personId: decision.personId,
        episode: decision.episode,
        version: decision.sentenceCalculationVersion,
      },
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

/** The body's optional fields passed to the calculation as they are (absent stays absent). */
const OPTIONAL_CALCULATION_INPUTS = [
  'remandDays',
  'taggedBailCurfewDays',
  'additionalDaysAwarded',
  'restoredDays',
  'unlawfullyAtLargeDays',
  'unlawfullyAtLargePeriod',
  'sexOffenderNotification',
] as const satisfies readonly (keyof SentencesBody & keyof SentenceCalculationInput)[];

function definedOnly<T extends object, K extends keyof T>(
  source: T,
  keys: readonly K[],
): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

/** The calculation, its release date, and a refusal of a date the journey could not plan. */
export function calculateForEpisode(
  episode: CustodyEpisode,
  body: SentencesBody,
  policies: SentencePolicyTable,
  asAt: string,
  today: string = ukToday(new Date()),
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
        ...definedOnly(body, OPTIONAL_CALCULATION_INPUTS),
        ...(episode.dateOfBirth === null ? {} : { dateOfBirth: episode.dateOfBirth }),
        asAt,
      },
      policies,
    );
  } catch (error) {
    if (error instanceof UnsupportedSentenceError) throw notCalculated(error);
    if (error instanceof AdjustmentNotApplicableError)
      throw new ValidationFailedError(
        `the sentences are invalid: ${error.message}`,
        [{ field: fieldOf(error.field), message: error.message }],
        'ADJUSTMENT_NOT_APPLICABLE',
      );
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
    const planned = releaseDue({ calculation, releaseDate }, today)!.date;
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
