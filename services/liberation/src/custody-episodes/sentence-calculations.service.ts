import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import type { Jurisdiction } from '@throughcare/contracts';
import { DomainError, ValidationFailedError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { withIdempotency } from '@throughcare/platform-persistence';
import {
  addDays,
  CalendarOutOfRangeError,
  calculateReleaseUnits,
  calculateSentenceDates,
  calculatedDate,
  displayedReleaseDate,
  InvalidSentenceInputError,
  planningRangeIssues,
  releaseDay,
  termDays,
  UnsupportedSentenceError,
  type ReleaseUnitDates,
  type SentenceCalculation,
  type SentenceCalculationInput,
  type SentencePolicyTable,
} from '@throughcare/domain';
import { CustodyEpisode, isReceived, receivedEpisode } from './custody-episode.entity';
import { EpisodeAlreadyReleasedError, refuseUnlessOpen, refuseVoid } from './custody-episode.errors';
import { liberationDayFor } from './custody-episode.view';
import { currentExpectedReleaseDate, episodeWithin, loadEpisodeHistory } from './episode-history';
import { lockPerson } from './person-lock';
import type { EstablishmentScope } from './prison-scope';
import { effectivePolicies, ukToday } from './policy-table';
import { RELEASE_DECISIONS, ReleaseDateService } from './release-date.service';
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

type Sentence = SentencesBody['sentences'][number];

/** An effect's reasons when it has none (what older idempotency rows lack). */
const NO_REASONS = {
  keptBecause: null,
  decisionSetAsideBecause: null,
  releaseDueNowBecause: null,
  decisionCaveat: null,
} satisfies Partial<SentenceCalculationOutcomeView['effect']>;

export interface Computed {
  calculation: SentenceCalculation;
  releaseDate: { type: 'CRD' | 'ARD'; date: string } | null;
  /**
   * The release units of `sentences` calculated as these were: the same policy table, day,
   * time-served credit and person, so that only the sentences differ. A parole or early-release
   * decision's sentences are compared with the new ones on these (`madeOnOtherSentences`). Throws
   * the calculation's errors (`UnsupportedSentenceError`, `InvalidSentenceInputError`). With
   * `credit: false`, without the remand and tagged-bail credit: how a sentence for another offence
   * is weighed (CJA 2003 s.240ZA credits only the offence the person was remanded for).
   */
  unitsOf(sentences: readonly Sentence[], options?: { credit: boolean }): readonly ReleaseUnitDates[];
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
      // Review N4: a retry of a recording stored before a reason was added answers it as null.
      const effect = { ...NO_REASONS, ...first.effect };
      return { created, view: { ...storedView(found, stored), effect } };
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
   * in the caller's transaction with the person locked. Also used by a release-point re-plan. A
   * move that keeps a parole or early-release decision in force (set aside only in part, or
   * covering the sentences again) names that decision on the change (`decision_change_number`,
   * migration 2700), so the next recording weighs it again (review S3).
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
    const { effect, decisionInForce, governingReleaseDate } = await this.weigh(
      manager,
      episode,
      computed,
      input,
      previous?.releaseDate ?? null,
      by.now,
    );
    if (effect.releaseDueNowBecause !== null) {
      // In the problem too (review M5, h-sent3 review M4): the expected release date the person is
      // due on (a decision's, or the one kept), the calculated release date, if any, and the
      // release point that has passed and makes them due.
      const dueNow = {
        expectedReleaseDate: effect.expectedReleaseDateBefore,
        calculatedReleaseDate: computed.releaseDate,
        governingReleaseDate,
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
      // Durable (review M4): not only in this response, for staff reading the versions later.
      decisionSetAsideBecause: effect.decisionSetAsideBecause,
    });
    if (effect.changesExpectedReleaseDate)
      await this.releaseDates.applyChange(
        manager,
        personId,
        episodeNumber,
        { expectedReleaseDate: effect.expectedReleaseDateAfter, reason: 'RECALCULATION' },
        by.context,
        by.now,
        { decisionChangeNumber: decisionInForce },
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
   *   is changed again), or a RECALCULATION by which this service kept a parole or early-release
   *   decision in force (it set it aside only until what it was not made on releases the person,
   *   or it covered the sentences again: review S3), as long as the decision can still stand
   *   (`decisionCannotStand`): its date is on or before the calculated release date (nobody is
   *   held past it); for HDC the new calculation still gives an HDCED on or before it; for parole
   *   and early release nothing it was not made on holds the person past its date
   *   (`madeOnOtherSentences`, whose doc states the rule: the release units of the new sentences
   *   against those of the calculation version recorded with the decision, calculated alike; a
   *   re-keyed, split or merged sentence, a short concurrent sentence released by then, a removed
   *   or shortened one, or a moved CRD/ARD alone never sets one aside). A decision that cannot
   *   stand is set aside and the effect says why, for someone to review the decision: the date
   *   moves to the calculated one, or, for parole and early release held on what they were not
   *   made on, to the latest release point of that (the decision stays in force on the rest: the
   *   next recording weighs it again, and moves the date with it, never silently to the
   *   aggregate); the recording keeps the reason (`decisionSetAsideBecause` on the version). A
   *   decision kept in force that covers the sentences again (what held the person was removed)
   *   brings the date back to its own. One with no recorded basis, or kept on an inference
   *   (`madeOnOtherSentences`' caveats), is kept and flagged (`decisionCaveat`). A PAROLE or
   *   EARLY_RELEASE decision that stands but whose date has passed leaves the person due for
   *   immediate release (`releaseDueNowBecause`); a passed HDC date does not (HDC is postponed):
   *   it is kept with a caveat; or
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
    return (await this.weigh(manager, episode, computed, input, previousReleaseDate, now)).effect;
  }

  /**
   * `effectOn`, with what recording it needs besides: the change number of the parole or
   * early-release decision a move of the date keeps in force (null: none, or the move sets it
   * aside altogether), and the release point whose passing makes the person due now.
   */
  private async weigh(
    manager: EntityManager,
    episode: CustodyEpisode,
    computed: Computed,
    input: SentencesBody,
    previousReleaseDate: string | null,
    now: Date,
  ): Promise<{
    effect: SentenceCalculationOutcomeView['effect'];
    decisionInForce: number | null;
    governingReleaseDate: string | null;
  }> {
    if (!isReceived(episode))
      throw new EpisodeAlreadyReleasedError(episode.personId, episode.episode, episode.releasedAt!);
    const history = await loadEpisodeHistory(manager, episode);
    const before =
      currentExpectedReleaseDate(episode, history) ?? receivedEpisode(episode).expectedReleaseDate;
    const today = ukToday(now);
    let decisionInForce: number | null = null;
    let governingReleaseDate: string | null = null;
    const effect = (
      after: string,
      reasons: Partial<
        Pick<
          SentenceCalculationOutcomeView['effect'],
          'keptBecause' | 'decisionSetAsideBecause' | 'releaseDueNowBecause' | 'decisionCaveat'
        >
      > = {},
    ) => ({
      effect: {
        expectedReleaseDateBefore: before,
        expectedReleaseDateAfter: after,
        changesExpectedReleaseDate: after !== before,
        keptBecause: reasons.keptBecause ?? null,
        decisionSetAsideBecause: reasons.decisionSetAsideBecause ?? null,
        releaseDueNowBecause: reasons.releaseDueNowBecause ?? null,
        decisionCaveat: reasons.decisionCaveat ?? null,
      },
      decisionInForce,
      governingReleaseDate,
    });
    const dueNow = (releaseDueNowBecause: string, passed: string) => {
      governingReleaseDate = passed;
      return effect(before, { releaseDueNowBecause });
    };
    // A calculated date already passed (remand longer than the custodial part, a late recording,
    // a new release point): the person is due for immediate release. Nothing moves: recording it
    // is refused (RELEASE_DUE_NOW), and a preview or a dry run says why.
    const due = releaseDue(computed, today);
    if (due?.dueNowBecause) return dueNow(due.dueNowBecause, computed.releaseDate!.date);
    const after = due?.date ?? before;
    const changes = history.releaseDateChanges;
    const latest = changes.at(-1);
    // Review S3: a RECALCULATION by which this service kept a decision in force names it.
    const keptBy =
      latest?.reason === 'RECALCULATION' && typeof latest.decisionChangeNumber === 'number'
        ? latest
        : undefined;
    const decision =
      latest && RELEASE_DECISIONS.has(latest.reason)
        ? latest
        : keptBy && changes.find((c) => c.changeNumber === keptBy.decisionChangeNumber);
    // A decision is looked at even when the date would not move (review N4: no release date
    // calculated, and the decision's date has passed).
    if (after === before && !decision) return effect(after);
    if (decision) {
      // Kept in force by a RECALCULATION that held the person past its date (set aside in part),
      // or that brought its date back (N3: the reason names which).
      const held = keptBy !== undefined && before !== decision.expectedReleaseDate;
      const what = `the ${decision.reason} decision of ${decision.changedAt.toISOString()} (release on ${decision.expectedReleaseDate})${
        !keptBy
          ? ''
          : held
            ? `, which this service set aside in part on ${keptBy.changedAt.toISOString()} (the expected release date ${before} is when what it was not made on releases the person)`
            : `, which this service brought back into force on ${keptBy.changedAt.toISOString()}`
      }`;
      const hdc = decision.reason === 'HDC_APPROVED';
      const basis = hdc ? undefined : await this.basisOf(manager, decision);
      const cannotStand = decisionCannotStand(decision.reason, decision.expectedReleaseDate, computed);
      if (cannotStand !== null)
        return effect(after, {
          decisionSetAsideBecause: `${what} cannot stand: ${cannotStand}; ${
            computed.releaseDate
              ? `the expected release date ${after === before ? 'stays at' : 'moves to'} the calculated ${computed.releaseDate.type} ${after}`
              : 'the new calculation gives no release date, so the expected release date stays'
          }. Review the decision`,
        });
      const caveats: string[] = [];
      let notCovered: NotCovered | null = null;
      if (basis)
        try {
          const coverage = madeOnOtherSentences(
            basis,
            input,
            {
              reason: decision.reason as DecisionOnSentences['reason'],
              date: decision.expectedReleaseDate,
              decidedOn: ukToday(decision.changedAt),
            },
            computed.unitsOf,
            episode.jurisdiction,
          );
          notCovered = coverage.notCovered;
          caveats.push(...coverage.caveats);
        } catch (error) {
          if (!(error instanceof UnsupportedSentenceError || error instanceof InvalidSentenceInputError))
            throw error;
          // Not seen in practice (they were calculated when recorded): kept, never set aside on a guess.
          caveats.push(
            `the sentences of calculation version ${basis.version}, which ${decision.reason} was decided on, cannot be calculated as these are (${error.message}): it is kept; check that no sentence was added or lengthened since`,
          );
        }
      const decisionCaveat = () => (caveats.length > 0 ? caveats.join('; ') : null);
      if (notCovered !== null) {
        // Held on what the decision was not made on until its release point, not to the aggregate
        // CRD/ARD of sentences the decision still covers; the decision stays in force on those.
        const { because, heldUntil } = notCovered;
        if (heldUntil < today)
          return dueNow(
            `${what} cannot stand: ${because}, and that has passed (today is ${today}): the person is due for immediate release. Nothing is recorded: release them (POST /releases), or correct the sentences if they are wrong`,
            heldUntil,
          );
        decisionInForce = decision.changeNumber;
        const type = computed.releaseDate?.type ?? (episode.jurisdiction === 'SCOTLAND' ? 'ARD' : 'CRD');
        const calculated = computed.releaseDate?.date;
        const against =
          heldUntil === calculated
            ? `the calculated ${type} ${heldUntil}`
            : calculated !== undefined && heldUntil > calculated
              ? `${heldUntil}, when those release the person (after the calculated ${type} ${calculated}, which credits remand and tagged bail to every concurrent sentence alike)`
              : `${heldUntil}, when those release the person (the calculated ${type}${calculated ? ` ${calculated}` : ''} is of sentences the decision still covers)`;
        return effect(heldUntil, {
          decisionSetAsideBecause: `${what} ${held ? 'still ' : ''}cannot stand: ${because}; the expected release date ${
            heldUntil === before ? 'stays at' : 'moves to'
          } ${against}. Review the decision`,
          decisionCaveat: decisionCaveat(),
        });
      }
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
      if (decision.expectedReleaseDate < today) {
        // A parole direction or early-release decision that stands, with its day passed without a
        // release: due now, as a passed CRD. HDC is discretionary and is postponed when the
        // address or the tag falls through (review M1): it stays, flagged.
        if (!hdc)
          return dueNow(
            `${what} stands, but its date has passed (today is ${today}): the person is due for immediate release. Nothing is recorded: release them (POST /releases), or change the date itself if the decision no longer stands`,
            decision.expectedReleaseDate,
          );
        caveats.push(
          `the HDC date ${decision.expectedReleaseDate} has passed without a release (today is ${today}): HDC is discretionary and may be postponed, so nobody is due now on it; set the new HDC date, or change the date if the HDC no longer stands`,
        );
      }
      // Kept in force and covering the sentences again (what held the person was removed or cut):
      // the date returns to the decision's.
      if (keptBy && decision.expectedReleaseDate !== before) {
        decisionInForce = decision.changeNumber;
        return effect(decision.expectedReleaseDate, {
          keptBecause: `${what} covers the sentences again: the expected release date returns to its date ${decision.expectedReleaseDate}; the calculated ${computed.releaseDate?.type} ${after} does not undo it (change the date itself if the decision no longer stands)`,
          decisionCaveat: decisionCaveat(),
        });
      }
      if (after === before) return effect(after, { decisionCaveat: decisionCaveat() });
      return effect(before, {
        keptBecause: `${what} set the expected release date; the calculated ${computed.releaseDate?.type} ${after} does not undo it (change the date itself if the decision no longer stands)`,
        decisionCaveat: decisionCaveat(),
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
   * The sentence calculation a decision was made on: the version recorded with it (review S2),
   * or null when none is known (recorded before any calculation, or before the version was kept).
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
  computed: Pick<Computed, 'releaseDate'>,
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

/**
 * Which sentence of `then` each of `now` is, by the id in `now`: the same id, or, for an id `then`
 * does not have, a sentence of `then` whose id `now` does not have, with what the calculation turns
 * on the same (sentence date, start date, term in days, the sentence it is consecutive to as
 * matched, offence categories, sentence type). Staff's ids are their own labels: a sentence
 * re-keyed under another id is the same sentence. One not matched was added. `days`, when given,
 * are each sentence's term as the calculation resolved it (`ReleaseUnitDates.terms`: a consecutive
 * one from its real start, review N5); otherwise the term is counted from the sentence's own start
 * or date on both sides.
 */
export function matchSentences(
  then: readonly Sentence[],
  now: readonly Sentence[],
  days?: { then: ReadonlyMap<string, number>; now: ReadonlyMap<string, number> },
): ReadonlyMap<string, Sentence> {
  const byId = new Map(then.map((s) => [s.id, s]));
  const nowIds = new Set(now.map((s) => s.id));
  const matched = new Map<string, Sentence>();
  for (const s of now) {
    const was = byId.get(s.id);
    if (was) matched.set(s.id, was);
  }
  const used = new Set([...matched.values()].map((s) => s.id));
  const start = (s: Sentence) => (s.consecutiveTo === undefined ? startOf(s) : null);
  const sameTerm = (was: Sentence, s: Sentence) => {
    const resolved = [days?.then.get(was.id), days?.now.get(s.id)];
    if (resolved[0] !== undefined && resolved[1] !== undefined) return resolved[0] === resolved[1];
    const from = start(s) ?? s.sentenceDate;
    return termDays(from, was.term) === termDays(from, s.term);
  };
  const sameKey = (was: Sentence, s: Sentence) =>
    was.sentenceDate === s.sentenceDate &&
    start(was) === start(s) &&
    sameTerm(was, s) &&
    (s.consecutiveTo === undefined
      ? was.consecutiveTo === undefined
      : matched.get(s.consecutiveTo)?.id === was.consecutiveTo) &&
    categoryKey(was) === categoryKey(s) &&
    typeOf(was) === typeOf(s);
  // A consecutive sentence matches once the one it follows has: repeat until nothing more does.
  for (let found = true; found; ) {
    found = false;
    for (const s of now) {
      if (matched.has(s.id)) continue;
      const was = then.find((w) => !used.has(w.id) && !nowIds.has(w.id) && sameKey(w, s));
      if (!was) continue;
      matched.set(s.id, was);
      used.add(was.id);
      found = true;
    }
  }
  return matched;
}

const startOf = (s: Sentence) => s.startDate ?? s.sentenceDate;
const categoriesOf = (s: Sentence): readonly string[] => s.offenceCategories ?? [];
const categoryKey = (s: Sentence) => [...new Set(categoriesOf(s))].sort().join(',');
const typeOf = (s: Sentence) => s.sentenceType ?? 'STANDARD_DETERMINATE';
const latestOf = (dates: readonly string[]) => dates.reduce((a, b) => (a > b ? a : b));

/** Why a parole or early-release decision does not cover the sentences now, and until when they hold the person. */
export interface NotCovered {
  because: string;
  /**
   * The latest release point of what it does not cover: nobody is held past it on them. A sentence
   * added is taken on its own without remand or tagged-bail credit (England & Wales), so this can
   * be after the calculated CRD, which credits every concurrent chain alike.
   */
  heldUntil: string;
}

/** A parole direction or early-release decision, as `madeOnOtherSentences` weighs it. */
export interface DecisionOnSentences {
  reason: 'PAROLE' | 'EARLY_RELEASE';
  /** The release date it gave. */
  date: string;
  /** The UK day it was recorded: a sentence passed after it is one it was not made on. */
  decidedOn: string;
}

/** What `madeOnOtherSentences` finds. */
export interface DecisionCoverage {
  /** Why it does not cover the sentences now, or null when it does. */
  notCovered: NotCovered | null;
  /**
   * What the answer rests on that staff should check (review M3): a sentence taken to be one of
   * the decision's re-entered, an offence category added to one of them, a sentence added that
   * releases the person by the decision's date, a removal that moved the single term later.
   */
  caveats: readonly string[];
}

/**
 * Whether a parole or early-release decision still covers the sentences in `input` (final review
 * of stop 37, M4; stop 37 review S1; review of h-sent3). The rule: **a decision releases the person
 * from the sentences it was made on; it is set aside when something it was not made on holds the
 * person past its date, and kept, with a caveat for staff, when it stands on an inference.** When
 * in doubt it is set aside with the reason rather than kept: a kept date made on other sentences
 * can release someone early, a set-aside one is reviewed.
 *
 * - Both sets are calculated into release units (an England & Wales consecutive chain, concurrent
 *   chains being released when due from each, CJA 2003 s.263-264; the Scottish single term, 1993
 *   Act s.27(5)) by the same calculator with the same policy table, day, credit and person
 *   (`unitsOf`): only the sentences differ, so remand or tagged-bail credit found later, a Scottish
 *   start backdated for remand or a new release point (a moved CRD/ARD alone) never sets it aside.
 *   A date after the new CRD/ARD cannot stand anyway (`decisionCannotStand`).
 * - Each sentence now is one of the decision's (`matchSentences`: by id, or re-keyed under another
 *   id with the same facts), a **re-entry** of sentences removed from a unit of the decision's (its
 *   id and some fact changed in the same recording: a split, a merge, a re-key with a corrected
 *   date or a start backdated; review M1), or **added**. A re-entry is passed on or before the
 *   latest of the removed sentences it replaces, is for none of their offence categories it lacks,
 *   and the re-entries of a unit together last no more days than the sentences removed from it. A
 *   sentence passed after every sentence of the decision's basis, or after the day the decision
 *   was recorded, is always added: a new conviction (review S1), never inferred to be known.
 * - A unit of only the decision's sentences and re-entries is covered by a unit of the basis
 *   holding all of them when it releases (CRD/ARD) and expires (SLED/SED) no later; re-entries may
 *   release up to a day per added part later, by rounding each part on its own (the calculator's
 *   stated convention). Re-entries are named in a caveat. An offence category added to one of the
 *   decision's sentences sets an EARLY_RELEASE decision aside (early-release schemes turn on
 *   offence categories) and keeps a PAROLE direction (binding, and made on the offence itself) with
 *   a caveat, unless it moves the release point. A sentence removed leaves the rest covered: in
 *   Scotland that can start the single term later and so release later than the basis; the
 *   decision is still kept, with a caveat for review (review M2).
 * - A unit not covered holds the person past the decision's date when its release point is after
 *   it, compared on the days the release-day rule gives (a release due on a Saturday after a Friday
 *   decision leaves the same Friday, review N1):
 *   - a lengthened unit of the decision's sentences (a longer term, a later date or start, now
 *     consecutive): on its own release point;
 *   - a unit of added sentences only (England & Wales: a concurrent chain): on their release point
 *     taken on their own **without remand or tagged-bail credit** (s.240ZA credits only the offence
 *     remanded for, never days already served; review S2), and never before they were passed;
 *   - an England & Wales chain joining added and known sentences: on the chain's release point (one
 *     term, s.264);
 *   - a Scottish single term with added sentences: when the added sentences, taken on their own,
 *     release after the decision's date (or the known ones are not covered). The single term is
 *     then one the decision was not made on, and the person is held to its ARD (conservative: the
 *     term is one sentence, s.27(5); staff review the decision). Added sentences that release the
 *     person by the decision's date on their own leave it standing, with a caveat.
 *   An added sentence released by the decision's date (s.263: released when due from each) leaves
 *   it standing, with a caveat; one holding the person longer sets it aside even when the aggregate
 *   CRD does not move. A decision set aside is held to `heldUntil`, the latest of those release
 *   points, not to the aggregate CRD/ARD of sentences it still covers.
 * Throws the calculation's errors (the basis cannot be calculated as the sentences now are).
 */
export function madeOnOtherSentences(
  basis: Pick<SentenceCalculationRecord, 'version'> & { input: Pick<SentencesBody, 'sentences'> },
  input: Pick<SentencesBody, 'sentences'>,
  decision: DecisionOnSentences,
  unitsOf: Computed['unitsOf'],
  jurisdiction: Jurisdiction,
): DecisionCoverage {
  const releaseType = jurisdiction === 'SCOTLAND' ? 'ARD' : 'CRD';
  const then = basis.input.sentences;
  const now = input.sentences;
  const before = unitsOf(then);
  const after = unitsOf(now);
  const daysIn = (units: readonly ReleaseUnitDates[]) =>
    new Map(units.flatMap((u) => u.terms.map((t) => [t.id, t.days] as const)));
  const days = { then: daysIn(before), now: daysIn(after) };
  const matched = matchSentences(then, now, days);
  const nowById = new Map(now.map((s) => [s.id, s]));
  const sentencesOf = (ids: readonly string[]) => ids.map((id) => nowById.get(id)!);
  const kept = new Set([...matched.values()].map((s) => s.id));
  const removedFrom = (u0: ReleaseUnitDates) =>
    then.filter((w) => u0.sentenceIds.includes(w.id) && !kept.has(w.id));
  const latestBasisDate = latestOf(then.map((s) => s.sentenceDate));
  const passedLater = (s: Sentence) =>
    s.sentenceDate > latestBasisDate || s.sentenceDate > decision.decidedOn;

  // Re-entries (M1): each unmatched sentence passed no later than what it replaces, within the
  // days removed from one basis unit (each removed day is re-entered once).
  const reentryOf = new Map<string, ReleaseUnitDates>();
  const daysLeft = new Map(
    before.map((u0) => [u0, removedFrom(u0).reduce((n, w) => n + days.then.get(w.id)!, 0)]),
  );
  // The longest first: a re-keyed sentence claims what it replaces before a shorter one added with it.
  const unmatched = now
    .filter((s) => !matched.has(s.id) && !passedLater(s))
    .sort((a, b) => days.now.get(b.id)! - days.now.get(a.id)!);
  for (const s of unmatched) {
    const length = days.now.get(s.id)!;
    const u0 = before.find((u) => {
      const gone = removedFrom(u);
      return (
        gone.length > 0 &&
        daysLeft.get(u)! >= length &&
        s.sentenceDate <= latestOf(gone.map((w) => w.sentenceDate)) &&
        categoriesOf(s).every((c) => gone.some((w) => categoriesOf(w).includes(c))) &&
        gone.some((w) => typeOf(w) === typeOf(s))
      );
    });
    if (!u0) continue;
    reentryOf.set(s.id, u0);
    daysLeft.set(u0, daysLeft.get(u0)! - length);
  }
  const isAdded = (id: string) => !matched.has(id) && !reentryOf.has(id);

  /** Categories a sentence of the decision's is now for and was not. */
  const categoriesAdded = (id: string) => {
    const was = matched.get(id);
    return was ? categoriesOf(nowById.get(id)!).filter((c) => !categoriesOf(was).includes(c)) : [];
  };
  /** A sentence of the decision's no longer in any way (removal-only, M2). */
  const notLonger = (s: Sentence, was: Sentence) =>
    s.sentenceDate <= was.sentenceDate &&
    (s.consecutiveTo === undefined
      ? was.consecutiveTo !== undefined || startOf(s) <= startOf(was)
      : matched.get(s.consecutiveTo)?.id === was.consecutiveTo) &&
    days.now.get(s.id)! <= days.then.get(was.id)! &&
    categoriesAdded(s.id).length === 0 &&
    typeOf(s) === typeOf(was);

  /** Whether basis unit `u0` covers `u1` (known sentences only), and the caveats it rests on. */
  const coveredBy = (u0: ReleaseUnitDates, u1: ReleaseUnitDates): string[] | null => {
    const ids = u1.sentenceIds;
    const inU0 = (id: string) => {
      const was = matched.get(id);
      return was ? u0.sentenceIds.includes(was.id) : reentryOf.get(id) === u0;
    };
    if (!ids.every(inU0) || u1.expiry > u0.expiry) return null;
    const recategorised = ids.filter((id) => categoriesAdded(id).length > 0);
    if (recategorised.length > 0 && decision.reason === 'EARLY_RELEASE') return null;
    const reentered = ids.filter((id) => reentryOf.has(id));
    const caveats = [
      ...recategorised.map(
        (id) =>
          `sentence ${id} is now for ${categoriesAdded(id).join(', ')}, which the direction was not made on; it does not move the release point, and the direction is kept: check it still applies`,
      ),
      ...(reentered.length > 0
        ? [
            `${reentered.map((id) => `sentence ${id}`).join(' and ')} ${reentered.length > 1 ? 'are' : 'is'} taken to be ${sentencesNamed(
              removedFrom(u0).map((w) => w.id),
            )} re-entered (passed no later, no longer, for no other offence category): the decision is kept; check that nothing was added`,
          ]
        : []),
    ];
    const rounding = reentered.length > 0 ? Math.max(0, u1.parts - u0.parts) : 0;
    if (u1.release <= addDays(u0.release, rounding)) return caveats;
    const removed = removedFrom(u0);
    if (
      reentered.length === 0 &&
      removed.length > 0 &&
      ids.every((id) => notLonger(nowById.get(id)!, matched.get(id)!))
    )
      return [
        ...caveats,
        `${removed.map((w) => `sentence ${w.id}`).join(' and ')} ${removed.length > 1 ? 'were' : 'was'} removed, so ${unitName(u1, releaseType)} releases later than the ${releaseType} ${u0.release} the decision was made on; it was made on the sentences left, so it is kept: review whether it still applies`,
      ];
    return null;
  };
  const coverOf = (u1: ReleaseUnitDates): string[] | null => {
    for (const u0 of before) {
      const caveats = coveredBy(u0, u1);
      if (caveats !== null) return caveats;
    }
    return null;
  };

  /** The release-day rule's day for a due date (N1); the date itself outside the calendar. */
  const leaves = (date: string) => {
    try {
      return releaseDay(jurisdiction, date).liberationDate;
    } catch (error) {
      if (error instanceof CalendarOutOfRangeError) return date;
      throw error;
    }
  };
  const holdsPast = (release: string) => release > decision.date && leaves(release) > leaves(decision.date);
  /**
   * Some of the sentences calculated on their own, or null when they cannot be (e.g. Scottish terms
   * that overlap only through another sentence): the caller then takes the whole unit, never a
   * guess that could keep the decision.
   */
  const unitsAlone = (ids: readonly string[], options?: { credit: boolean }) => {
    try {
      return unitsOf(sentencesOf(ids), options);
    } catch (error) {
      if (error instanceof UnsupportedSentenceError || error instanceof InvalidSentenceInputError)
        return null;
      throw error;
    }
  };
  /** Added sentences on their own: without credit, and never released before they were passed (S2). */
  const alone = (ids: readonly string[]) => {
    const credited = unitsAlone(ids);
    const uncredited = unitsAlone(ids, { credit: false });
    if (credited === null || uncredited === null) return null;
    const release = latestOf([
      ...uncredited.map((u) => u.release),
      ...sentencesOf(ids).map((s) => s.sentenceDate),
    ]);
    const credit =
      release !== latestOf(credited.map((u) => u.release))
        ? ` on ${ids.length > 1 ? 'their' : 'its'} own, without the remand and tagged-bail credit, which counts only towards the offence it was given for (CJA 2003 s.240ZA)`
        : '';
    return { release, credit };
  };
  /** Every sentence a set of ids follows is among them: they can be calculated on their own. */
  const selfContained = (ids: readonly string[]) =>
    sentencesOf(ids).every((s) => s.consecutiveTo === undefined || ids.includes(s.consecutiveTo));

  const caveats: string[] = [];
  /** What holds the person: a unit, until when, named, and whether the name is plural. */
  const holding: Array<{ unit: ReleaseUnitDates; until: string; name: string; plural?: boolean }> = [];
  const named = (u: ReleaseUnitDates) => ({
    name: unitName(u, releaseType),
    plural: releaseType === 'CRD' && u.sentenceIds.length > 1,
  });
  for (const u1 of after) {
    const added = u1.sentenceIds.filter(isAdded);
    const known = u1.sentenceIds.filter((id) => !isAdded(id));
    if (added.length === 0) {
      const covered = coverOf(u1);
      if (covered !== null) caveats.push(...covered);
      else if (holdsPast(u1.release)) holding.push({ unit: u1, until: u1.release, ...named(u1) });
      continue;
    }
    const releasedBy = (ids: readonly string[], release: string, credit: string) =>
      caveats.push(
        `${ids.map((id) => `sentence ${id}`).join(' and ')} ${ids.length > 1 ? 'were' : 'was'} added (passed ${latestOf(
          sentencesOf(ids).map((s) => s.sentenceDate),
        )}) and ${ids.length > 1 ? 'release' : 'releases'} the person by ${release}${credit}, ${
          release < decision.date
            ? "before the decision's date"
            : release === decision.date
              ? "the decision's date"
              : 'on the day the release-day rule lets them leave on the decision'
        }: it is kept; check that ${ids.length > 1 ? 'they do' : 'it does'} not affect it`,
      );
    const own = selfContained(added) ? alone(added) : null;
    if (known.length === 0 && own !== null) {
      const { release, credit } = own;
      if (holdsPast(release))
        holding.push({
          unit: u1,
          until: release,
          name: `${added.length > 1 ? `sentences ${added.join(' + ')} (consecutive)` : `sentence ${added[0]}`} (${releaseType} ${release}${credit})`,
          plural: added.length > 1,
        });
      else releasedBy(added, release, credit);
      continue;
    }
    const knownUnits = selfContained(known) ? unitsAlone(known) : null;
    if (jurisdiction === 'SCOTLAND' && own !== null && knownUnits !== null) {
      const knownCovered = knownUnits.every((k) => {
        const covered = coverOf(k);
        if (covered !== null) caveats.push(...covered);
        return covered !== null;
      });
      const { release, credit } = own;
      if (knownCovered && !holdsPast(release)) {
        releasedBy(added, release, credit);
        continue;
      }
      if (holdsPast(u1.release))
        holding.push({
          unit: u1,
          until: u1.release,
          name: knownCovered
            ? `${unitName(u1, releaseType)}, a single term the decision was not made on (${sentencesNamed(added)} alone would hold the person until ${release})`
            : unitName(u1, releaseType),
        });
      continue;
    }
    // An England & Wales chain joining added and known sentences (one term, s.264), or a Scottish
    // term whose added or known sentences cannot be calculated on their own (one follows the
    // other, or they overlap only through the rest): on the unit's release point.
    if (holdsPast(u1.release)) holding.push({ unit: u1, until: u1.release, ...named(u1) });
  }
  if (holding.length === 0) return { notCovered: null, caveats };
  const heldUntil = latestOf(holding.map((h) => h.until));
  const changes = [
    ...new Set(holding.flatMap((h) => changesIn(h.unit, then, now, matched, before, isAdded))),
  ];
  const holds = holding.length > 1 || holding[0]!.plural ? 'hold' : 'holds';
  return {
    notCovered: {
      because: `it was made on the sentences of calculation version ${basis.version}; since then ${
        changes.length > 0 ? changes.join(', ') : 'the sentences changed'
      }: ${holding.map((h) => h.name).join(' and ')} ${holds} the person until ${heldUntil}, after its date`,
      heldUntil,
    },
    caveats,
  };
}

const sentencesNamed = (ids: readonly string[]) =>
  ids.length === 1 ? `sentence ${ids[0]}` : `sentences ${ids.join(' + ')}`;

const unitName = (u: ReleaseUnitDates, releaseType: 'CRD' | 'ARD') => {
  const release = `(${releaseType} ${u.release})`;
  if (u.sentenceIds.length === 1) return `sentence ${u.sentenceIds[0]} ${release}`;
  return releaseType === 'ARD'
    ? `the single term of ${u.sentenceIds.join(', ')} ${release}`
    : `sentences ${u.sentenceIds.join(' + ')} (consecutive) ${release}`;
};

/** What changed in a unit against the sentences a decision was made on, in words. */
function changesIn(
  u: ReleaseUnitDates,
  then: readonly Sentence[],
  now: readonly Sentence[],
  matched: ReadonlyMap<string, Sentence>,
  before: readonly ReleaseUnitDates[],
  isAdded: (id: string) => boolean,
): string[] {
  const nowById = new Map(now.map((s) => [s.id, s]));
  const changes = u.sentenceIds.flatMap((id) => {
    const s = nowById.get(id)!;
    const was = matched.get(id);
    if (!was)
      return isAdded(id)
        ? [`sentence ${id} was added${s.consecutiveTo ? ` (consecutive to ${s.consecutiveTo})` : ''}`]
        : [];
    const name = was.id === id ? `sentence ${id}` : `sentence ${id} (${was.id} before)`;
    const added = categoriesOf(s).filter((c) => !categoriesOf(was).includes(c));
    return [
      ...(termDays(startOf(s), s.term) > termDays(startOf(s), was.term)
        ? [`the term of ${name} is longer`]
        : []),
      ...(s.sentenceDate > was.sentenceDate
        ? [`${name} is dated ${s.sentenceDate}, not ${was.sentenceDate}`]
        : []),
      ...(s.consecutiveTo === undefined && s.sentenceDate === was.sentenceDate && startOf(s) > startOf(was)
        ? [`${name} starts on ${startOf(s)}, not ${startOf(was)}`]
        : []),
      ...(s.consecutiveTo !== undefined && matched.get(s.consecutiveTo)?.id !== was.consecutiveTo
        ? [`${name} is now consecutive to ${s.consecutiveTo}`]
        : []),
      ...(added.length > 0 ? [`${name} is now for ${added.join(', ')}`] : []),
    ];
  });
  // Sentences removed from a unit the decision was made on (re-entered ones among them).
  const kept = new Set([...matched.values()].map((s) => s.id));
  const related = before.filter((u0) =>
    u.sentenceIds.some((id) => {
      const was = matched.get(id)?.id;
      return was !== undefined && u0.sentenceIds.includes(was);
    }),
  );
  const removed = then
    .filter((w) => !kept.has(w.id) && related.some((u0) => u0.sentenceIds.includes(w.id)))
    .map((w) => `sentence ${w.id} was removed`);
  return [...changes, ...removed];
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
  // Every calculation of this recording, of these sentences or a decision's, is read the same way.
  const inputOf = (sentences: readonly Sentence[], credit = true): SentenceCalculationInput => ({
    jurisdiction: episode.jurisdiction,
    sentences,
    ...(body.remandDays === undefined || !credit ? {} : { remandDays: body.remandDays }),
    ...(body.taggedBailCurfewDays === undefined || !credit
      ? {}
      : { taggedBailCurfewDays: body.taggedBailCurfewDays }),
    ...(body.sexOffenderNotification === undefined
      ? {}
      : { sexOffenderNotification: body.sexOffenderNotification }),
    ...(episode.dateOfBirth === null ? {} : { dateOfBirth: episode.dateOfBirth }),
    asAt,
  });
  const unitsOf = (sentences: readonly Sentence[], options?: { credit: boolean }) =>
    calculateReleaseUnits(inputOf(sentences, options?.credit ?? true), policies);
  let calculation: SentenceCalculation;
  try {
    calculation = calculateSentenceDates(inputOf(body.sentences), policies);
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
    const planned = releaseDue({ releaseDate }, today)!.date;
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
  return { calculation, releaseDate, unitsOf };
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
  { calculation, releaseDate }: Pick<Computed, 'calculation' | 'releaseDate'>,
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
    decisionSetAsideBecause: row?.decisionSetAsideBecause ?? null,
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
