import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { noteAuditObject } from '@throughcare/platform-audit';
import { DataSource, MoreThan, type EntityManager } from 'typeorm';
import { acrossScopes, withIdempotency } from '@throughcare/platform-persistence';
import {
  ConsentBeforeEpisodeError,
  ConsentEpisodeNotCurrentError,
  ConsentInFutureError,
  IdempotencyKeyReusedError,
} from './assessment.errors';
import type { RequestContext } from './assessments.service';
import { ConsentGiven, ConsentPresumption } from './consent-given.entity';
import {
  ConsentFactCursor,
  type ConsentFact,
  type ConsentStanding,
  type ConsentState,
  type ListConsentQuery,
  type PersonConsentView,
  type RecordConsentBody,
  type RecordedConsentView,
} from './consent-given.schemas';
import { ConsentWithdrawal } from './consent-withdrawal.entity';
import type { Caller, EstablishmentScope } from './establishment-scope';
import { personInScope } from './risk-assessments.service';

export interface ConsentRecordOutcome {
  /** False for a retry (the same Idempotency-Key, or the same consent already recorded). */
  created: boolean;
  view: RecordedConsentView;
}

/** What an Idempotency-Key remembers: the request, to tell a reused key, and the fact it recorded. */
interface RecordKeyResult {
  personId: string;
  givenAt: string;
  factId: string;
}

/** The episode's consent as its facts stand, with the instants they were given and withdrawn. */
export interface EpisodeConsent {
  state: ConsentState;
  /** The consent relied on (the latest that reopens access), when GIVEN. */
  givenAt: Date | null;
  /** The latest withdrawal's instant, if any. */
  withdrawnAt: Date | null;
  /** The agencies whose read rests on the cut-over's presumption, when PRESUMED_BEFORE_CUTOVER. */
  presumedAgencies: string[];
}

/** The facts the consent state is derived from: business instants and the instants they were recorded. */
export interface ConsentFacts {
  given: ReadonlyArray<{ givenAt: Date; recordedAt: Date }>;
  withdrawals: ReadonlyArray<{ withdrawnAt: Date; recordedAt: Date }>;
  /** The cut-over's marks of the episode (any agency) whose `presumed_until` has not passed. */
  presumed: boolean;
}

/**
 * The episode's consent (review stop 41, S1: fail closed on recording order), as the SQL function
 * `episode_consent_state` (migration 1100) derives it:
 * - no withdrawal: GIVEN with any consent recorded, else PRESUMED_BEFORE_CUTOVER while a cut-over
 *   mark has not passed, else NONE;
 * - after a withdrawal: GIVEN only for a consent recorded after every withdrawal was recorded AND
 *   given after every withdrawal's instant (ties fail closed); else WITHDRAWN. A withdrawal thus
 *   ends every consent recorded before it, whatever instants were keyed in.
 */
export function consentState(facts: ConsentFacts): { state: ConsentState; givenAt: Date | null } {
  const latest = (dates: Date[]) =>
    dates.length === 0 ? null : new Date(Math.max(...dates.map((d) => d.getTime())));
  if (facts.withdrawals.length === 0) {
    if (facts.given.length > 0) return { state: 'GIVEN', givenAt: latest(facts.given.map((g) => g.givenAt)) };
    return { state: facts.presumed ? 'PRESUMED_BEFORE_CUTOVER' : 'NONE', givenAt: null };
  }
  const recorded = latest(facts.withdrawals.map((w) => w.recordedAt))!.getTime();
  const withdrawn = latest(facts.withdrawals.map((w) => w.withdrawnAt))!.getTime();
  const reopening = facts.given.filter(
    (g) => g.recordedAt.getTime() > recorded && g.givenAt.getTime() > withdrawn,
  );
  return reopening.length > 0
    ? { state: 'GIVEN', givenAt: latest(reopening.map((g) => g.givenAt)) }
    : { state: 'WITHDRAWN', givenAt: null };
}

/** The episode's consent at `now`, read with `manager` (the agency read reads it unrestricted). */
export async function episodeConsent(
  manager: EntityManager,
  personId: string,
  episode: number,
  now: Date = new Date(),
): Promise<EpisodeConsent> {
  const given = await manager.find(ConsentGiven, { where: { personId, episode } });
  const withdrawals = await manager.find(ConsentWithdrawal, {
    where: { personId, episode },
    order: { withdrawnAt: 'DESC', recordedAt: 'DESC' },
  });
  const marks = await manager.find(ConsentPresumption, {
    where: { personId, episode, presumedUntil: MoreThan(now) },
    order: { agencyId: 'ASC' },
  });
  const { state, givenAt } = consentState({ given, withdrawals, presumed: marks.length > 0 });
  return {
    state,
    givenAt,
    withdrawnAt: withdrawals[0]?.withdrawnAt ?? null,
    presumedAgencies: state === 'PRESUMED_BEFORE_CUTOVER' ? marks.map((m) => m.agencyId) : [],
  };
}

/**
 * Consent to voluntary throughcare as a recorded fact (issue 10): `consent_given`, appended per
 * recording, for the person's current custody episode (the latest this service holds, at one of
 * the caller's establishments: `personInScope`, as for risk); any other person is unknown (404).
 * The state is derived from the facts (with the episode's withdrawal and the cut-over's
 * presumption), never stored.
 */
/**
 * Serialises a person's consent facts (consents given and withdrawals) and answers the instant to
 * record the next one at: the database's clock read **after** the lock (re-review of stop 41, M1),
 * so a fact that waited behind another is always recorded after it, whichever app server (and
 * clock) took it; the consent rule compares recording instants.
 */
export async function lockConsentFacts(tx: EntityManager, personId: string): Promise<Date> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`assessment:consent:${personId}`]);
  const [row] = (await tx.query('SELECT clock_timestamp() AS at')) as { at: Date }[];
  return new Date(row!.at);
}

/**
 * When the custody episode began, as this service knows it: its first assessment request at any
 * establishment (the core screen the journey requests on the reception), read across every
 * establishment (review stop 41, M1 and N2). The caller's own establishments would give a transfer's
 * later assessment instead, and refuse consent signed at the first prison. The reception instant
 * itself is the liberation service's (`custody.person.received`), which this service does not
 * consume: the first request follows it by the journey's reaction time, so consent keyed in that
 * window is refused (fails closed; README "Consent to voluntary throughcare").
 */
export async function episodeStart(tx: EntityManager, personId: string, episode: number): Promise<Date> {
  const [row] = await acrossScopes(tx, () =>
    tx.query<{ started_at: Date | null }[]>(
      `SELECT min(requested_at) AS started_at FROM "assessment"."assessment" WHERE person_id = $1 AND episode = $2`,
      [personId, episode],
    ),
  );
  // personInScope found an assessment of the episode, so there is one.
  return new Date(row!.started_at!);
}

@Injectable()
export class ConsentGivenService {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    caller: Caller,
    personId: string,
    body: RecordConsentBody,
    actor: string,
    context: RequestContext,
    now: Date = new Date(),
  ): Promise<ConsentRecordOutcome> {
    const givenAt = new Date(body.givenAt);
    return this.dataSource.transaction(async (tx) => {
      // Before the Idempotency-Key: a person outside the caller's establishments is unknown to it.
      const { episode } = await personInScope(tx, caller, personId);
      // The episode is named, or it is the current one (M1): a form of an earlier episode is refused
      // either way, named (409) or dated before the current episode began (422).
      if (body.episode !== undefined && body.episode !== episode)
        throw new ConsentEpisodeNotCurrentError(personId, body.episode, episode);
      // No clock-skew tolerance (S1c): a consent dated after its recording could outlast a
      // withdrawal recorded after it; the recorder keys the instant the form was signed.
      if (givenAt.getTime() > now.getTime()) throw new ConsentInFutureError(givenAt, now);
      const startedAt = await episodeStart(tx, personId, episode);
      if (givenAt.getTime() < startedAt.getTime())
        throw new ConsentBeforeEpisodeError(givenAt, episode, startedAt);
      const recordedAt = await lockConsentFacts(tx, personId);
      let created = false;
      const apply = async (manager: EntityManager): Promise<RecordKeyResult> => {
        // The same consent again (a retry without a key) is the fact already recorded.
        const same = await manager.findOneBy(ConsentGiven, { personId, episode, givenAt });
        if (same) return { personId, givenAt: givenAt.toISOString(), factId: same.id };
        const fact = manager.create(ConsentGiven, {
          id: randomUUID(),
          personId,
          episode,
          givenAt,
          givenBy: actor,
          recordedAt,
        });
        await manager.insert(ConsentGiven, fact);
        created = true;
        return { personId, givenAt: givenAt.toISOString(), factId: fact.id };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(tx, `http:consent-given:${caller.clientId}:${context.idempotencyKey}`, apply)
        : await apply(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.givenAt === givenAt.toISOString() ? [] : ['givenAt']),
      ];
      if (differences.length > 0) throw new IdempotencyKeyReusedError('consent', differences);
      const fact = await tx.findOneByOrFail(ConsentGiven, { id: first.factId });
      // The audit record (written as this transaction commits) names the episode and the fact, and
      // tells a retry from a recording (N1).
      noteAuditObject(`${personId}/${fact.episode}/${fact.id}${created ? '' : '?retry=true'}`);
      return {
        created,
        view: {
          ...(await standing(tx, personId, fact.episode)),
          recorded: { ...givenFact(fact), factId: fact.id },
        },
      };
    });
  }

  /** The current episode's consent, and the person's facts (every episode the caller's scope shows), a page at a time. */
  async list(
    scope: EstablishmentScope,
    personId: string,
    query: ListConsentQuery,
  ): Promise<PersonConsentView> {
    return this.dataSource.transaction(async (tx) => {
      const { episode } = await personInScope(tx, scope, personId);
      const rows = await tx.query<FactRow[]>(
        `SELECT f.fact, f.key, f.episode, f.at, f.recorded_at, f.recorded_by FROM (
           SELECT 'GIVEN' AS fact, 'g:' || g.id::text AS key, g.episode, g.given_at AS at,
                  g.recorded_at, g.given_by AS recorded_by
             FROM "assessment"."consent_given" g WHERE g.person_id = $1
           UNION ALL
           SELECT 'WITHDRAWN', 'w:' || w.episode::text || ':' || extract(epoch FROM w.withdrawn_at)::text
                  || ':' || extract(epoch FROM w.recorded_at)::text,
                  w.episode, w.withdrawn_at, w.recorded_at, NULL
             FROM "assessment"."consent_withdrawal" w WHERE w.person_id = $1
           UNION ALL
           SELECT 'PRESUMED_BEFORE_CUTOVER', 'p:' || p.episode::text || ':' || p.agency_id, p.episode, p.marked_at,
                  p.marked_at, NULL
             FROM "assessment"."consent_presumption" p WHERE p.person_id = $1
         ) f
         WHERE $2::timestamptz IS NULL OR (f.recorded_at, f.key COLLATE "C") < ($2::timestamptz, $3::text COLLATE "C")
         ORDER BY f.recorded_at DESC, f.key COLLATE "C" DESC
         LIMIT $4`,
        [personId, query.cursor?.recordedAt ?? null, query.cursor?.key ?? null, query.limit + 1],
      );
      const page = ConsentFactCursor.page(rows, query.limit, (last) => ({
        recordedAt: new Date(last.recorded_at).toISOString(),
        key: last.key,
      }));
      return {
        ...(await standing(tx, personId, episode)),
        items: page.items.map((row) => ({
          fact: row.fact,
          episode: row.episode,
          at: new Date(row.at).toISOString(),
          recordedAt: new Date(row.recorded_at).toISOString(),
          recordedBy: row.recorded_by,
        })),
        nextCursor: page.nextCursor,
      };
    });
  }
}

interface FactRow {
  fact: ConsentFact['fact'];
  key: string;
  episode: number;
  at: Date;
  recorded_at: Date;
  recorded_by: string | null;
}

async function standing(tx: EntityManager, personId: string, episode: number): Promise<ConsentStanding> {
  const consent = await episodeConsent(tx, personId, episode);
  return {
    personId,
    episode,
    state: consent.state,
    givenAt: consent.givenAt?.toISOString() ?? null,
    withdrawnAt: consent.withdrawnAt?.toISOString() ?? null,
  };
}

function givenFact(fact: ConsentGiven): ConsentFact {
  return {
    fact: 'GIVEN',
    episode: fact.episode,
    at: fact.givenAt.toISOString(),
    recordedAt: fact.recordedAt.toISOString(),
    recordedBy: fact.givenBy,
  };
}
