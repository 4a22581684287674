import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withIdempotency } from '@throughcare/platform-persistence';
import { ConsentInFutureError, IdempotencyKeyReusedError } from './assessment.errors';
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

/** Clock skew tolerated between the recorder's device and this service (as for a withdrawal). */
const FUTURE_TOLERANCE_MS = 60_000;

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
  givenAt: Date | null;
  withdrawnAt: Date | null;
}

/**
 * Consent stands while the latest consent given is later than the withdrawal (a withdrawal at the
 * same instant wins: fail closed). With no consent recorded, an episode known before the cut-over
 * (migration 1100) rests on the presumption until a withdrawal ends it.
 */
export function consentState(
  latestGiven: Date | null,
  withdrawnAt: Date | null,
  presumed: boolean,
): ConsentState {
  if (latestGiven && (!withdrawnAt || latestGiven.getTime() > withdrawnAt.getTime())) return 'GIVEN';
  if (withdrawnAt) return 'WITHDRAWN';
  return presumed ? 'PRESUMED_BEFORE_CUTOVER' : 'NONE';
}

/** The episode's consent, read with `manager` (the agency read reads it unrestricted). */
export async function episodeConsent(
  manager: EntityManager,
  personId: string,
  episode: number,
): Promise<EpisodeConsent> {
  const latest = await manager.findOne(ConsentGiven, {
    where: { personId, episode },
    order: { givenAt: 'DESC' },
  });
  // The latest (a second is recorded only after consent given again, migration 1100).
  const withdrawal = await manager.findOne(ConsentWithdrawal, {
    where: { personId, episode },
    order: { withdrawnAt: 'DESC' },
  });
  const presumed = await manager.existsBy(ConsentPresumption, { personId, episode });
  const withdrawnAt = withdrawal?.withdrawnAt ?? null;
  const state = consentState(latest?.givenAt ?? null, withdrawnAt, presumed);
  return { state, givenAt: state === 'GIVEN' ? latest!.givenAt : null, withdrawnAt };
}

/**
 * Consent to voluntary throughcare as a recorded fact (issue 10): `consent_given`, appended per
 * recording, for the person's current custody episode (the latest this service holds, at one of
 * the caller's establishments: `personInScope`, as for risk); any other person is unknown (404).
 * The state is derived from the facts (with the episode's withdrawal and the cut-over's
 * presumption), never stored.
 */
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
      if (givenAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
        throw new ConsentInFutureError(givenAt, now);
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `assessment:consent:${personId}`,
      ]);
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
          recordedAt: now,
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
      return {
        created,
        view: {
          ...(await standing(tx, personId, fact.episode)),
          recorded: givenFact(fact),
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
           SELECT 'WITHDRAWN', 'w:' || w.episode::text || ':' || extract(epoch FROM w.withdrawn_at)::text,
                  w.episode, w.withdrawn_at, w.recorded_at, NULL
             FROM "assessment"."consent_withdrawal" w WHERE w.person_id = $1
           UNION ALL
           SELECT 'PRESUMED_BEFORE_CUTOVER', 'p:' || p.episode::text, p.episode, p.marked_at, p.marked_at, NULL
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
