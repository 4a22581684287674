import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, LessThan, type EntityManager } from 'typeorm';
import { canonicalJson } from '@throughcare/platform-audit';
import { DomainError, ValidationFailedError } from '@throughcare/platform-errors';
import { entityTag, requireIfMatch } from '@throughcare/platform-http';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import {
  InvalidRiskError,
  localDateOf,
  riskRises,
  validateRisk,
  type MappaCategory,
  type MappaLevel,
  type RiskAssessment,
} from '@throughcare/domain';
import { Assessment } from './assessment.entity';
import {
  PersonNotFoundError,
  RiskAssessedInFutureError,
  RiskAssessmentNotFoundError,
} from './assessment.errors';
import { riskAssessed } from './assessment.events';
import type { Caller, EstablishmentScope } from './establishment-scope';
import type { RequestContext } from './assessments.service';
import { RiskAssessmentVersion } from './risk-assessment.entity';
import {
  RiskVersionCursor,
  type ListRiskAssessmentsQuery,
  type RecordRiskBody,
  type RiskAssessmentPage,
  type RiskAssessmentView,
} from './risk-assessment.schemas';

/** The prefix of a risk assessment's entity tag: `"risk-v3"`. */
export const RISK_ETAG_PREFIX = 'risk';

export interface RiskRecordOutcome {
  /** False for a retry with the same Idempotency-Key: the first recording is answered. */
  created: boolean;
  view: RiskAssessmentView;
}

/** What an Idempotency-Key remembers: the version it recorded, and the request, to tell a reused key. */
interface RecordKeyResult {
  personId: string;
  bodyHash: string;
  version: number;
}

/** The person's latest custody episode as this service holds it: the one a risk event names. */
interface PersonEpisode {
  episode: number;
  correlationId: string;
  /** When the episode's first assessment was requested (the episode's start as this service knows it). */
  requestedAt: Date;
}

export function riskOf(row: RiskAssessmentVersion): RiskAssessment {
  return {
    likelihoodOfReoffending: row.likelihoodOfReoffending,
    riskOfSeriousHarm: row.riskOfSeriousHarm,
    reasons: row.reasons,
    assessedOn: row.assessedOn,
    mappa:
      row.mappaCategory === null || row.mappaLevel === null
        ? null
        : { category: row.mappaCategory as MappaCategory, level: row.mappaLevel as MappaLevel },
  };
}

export function viewOfRisk(row: RiskAssessmentVersion): RiskAssessmentView {
  const risk = riskOf(row);
  return {
    personId: row.personId,
    version: row.version,
    etag: entityTag(RISK_ETAG_PREFIX, row.version),
    likelihoodOfReoffending: risk.likelihoodOfReoffending,
    riskOfSeriousHarm: risk.riskOfSeriousHarm,
    reasons: risk.reasons,
    assessedOn: risk.assessedOn,
    mappa: risk.mappa ? { ...risk.mappa } : null,
    rises: [...row.rises],
    recordedAt: row.recordedAt.toISOString(),
    recordedBy: row.recordedBy,
  };
}

/**
 * A person's risk assessments (issue 10): the likelihood of reoffending, the risk of serious harm,
 * the reasons and the day assessed, and the MAPPA status, recorded as versions; what rose against
 * the version before is derived when a version is recorded (`riskRises`) and published with it
 * (`assessment.risk.assessed`, without the reasons). Escalating a rise to the responsible agency
 * and re-planning the journey are the journey's to do, later.
 *
 * A person is the caller's when an assessment of their latest custody episode is at one of the
 * caller's establishments (migration 500's `person_establishments`, which row-level security
 * reads too); any other person is answered as unknown, before an Idempotency-Key is looked at.
 */
@Injectable()
export class RiskAssessmentsService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a new version. `ifMatch` (the If-Match header), when sent, must name the current
   * version (412 otherwise); a retry with the same Idempotency-Key answers the first recording,
   * and the same key with another person or body is refused (422 IDEMPOTENCY_KEY_REUSED).
   */
  async record(
    caller: Caller,
    personId: string,
    body: RecordRiskBody,
    actor: string,
    context: RequestContext,
    ifMatch: string | undefined,
    now: Date = new Date(),
  ): Promise<RiskRecordOutcome> {
    const bodyHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
    return this.dataSource.transaction(async (tx) => {
      const episode = await personInScope(tx, caller, personId);
      // Serialises the recordings of one person: versions are taken in order, once each.
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `assessment:risk:${personId}`,
      ]);
      let created = false;
      const apply = async (manager: EntityManager): Promise<RecordKeyResult> => {
        const row = await this.apply(manager, personId, episode, body, actor, context, ifMatch, now);
        created = true;
        return { personId, bodyHash, version: row.version };
      };
      const first = context.idempotencyKey
        ? await withIdempotency(
            tx,
            `http:risk-assessment:${caller.clientId}:${context.idempotencyKey}`,
            apply,
          )
        : await apply(tx);
      const differences = [
        ...(first.personId === personId ? [] : ['personId']),
        ...(first.bodyHash === bodyHash ? [] : ['body']),
      ];
      if (differences.length > 0)
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'RULE_VIOLATED',
          `this Idempotency-Key was used for a risk assessment with a different ${differences.join(', ')}; use a new key for a new recording`,
          { details: { fields: differences } },
        );
      const stored = await tx.findOneByOrFail(RiskAssessmentVersion, { personId, version: first.version });
      return { created, view: viewOfRisk(stored) };
    });
  }

  private async apply(
    tx: EntityManager,
    personId: string,
    episode: PersonEpisode,
    body: RecordRiskBody,
    actor: string,
    context: RequestContext,
    ifMatch: string | undefined,
    now: Date,
  ): Promise<RiskAssessmentVersion> {
    const latest = await latestRisk(tx, personId);
    requireIfMatch(
      ifMatch,
      latest ? entityTag(RISK_ETAG_PREFIX, latest.version) : null,
      `the risk assessment of ${personId}`,
    );
    const risk: RiskAssessment = {
      likelihoodOfReoffending: body.likelihoodOfReoffending,
      riskOfSeriousHarm: body.riskOfSeriousHarm,
      reasons: body.reasons,
      assessedOn: body.assessedOn,
      mappa: body.mappa
        ? { category: body.mappa.category as MappaCategory, level: body.mappa.level as MappaLevel }
        : null,
    };
    try {
      validateRisk(risk);
    } catch (error) {
      if (error instanceof InvalidRiskError)
        throw new ValidationFailedError(`the risk assessment does not hold together: ${error.message}`, [
          { field: error.field, message: error.message },
        ]);
      throw error;
    }
    const today = localDateOf(now);
    if (risk.assessedOn > today) throw new RiskAssessedInFutureError(risk.assessedOn, today);
    const row = tx.create(RiskAssessmentVersion, {
      personId,
      version: (latest?.version ?? 0) + 1,
      likelihoodOfReoffending: risk.likelihoodOfReoffending,
      riskOfSeriousHarm: risk.riskOfSeriousHarm,
      reasons: risk.reasons,
      assessedOn: risk.assessedOn,
      mappaCategory: risk.mappa?.category ?? null,
      mappaLevel: risk.mappa?.level ?? null,
      rises: riskRises(latest ? riskOf(latest) : null, risk),
      recordedAt: now,
      recordedBy: actor,
    });
    await tx.insert(RiskAssessmentVersion, row);
    await enqueueEvent(
      tx,
      riskAssessed(row, episode.episode, context.correlationId ?? episode.correlationId),
    );
    return row;
  }

  /** The current (highest) version; 404 when none is recorded. */
  async current(scope: EstablishmentScope, personId: string): Promise<RiskAssessmentView> {
    return this.dataSource.transaction(async (tx) => {
      await personInScope(tx, scope, personId);
      const latest = await latestRisk(tx, personId);
      if (!latest) throw new RiskAssessmentNotFoundError(personId);
      return viewOfRisk(latest);
    });
  }

  /** Every version, newest first (a keyset page on the version). A person with none answers an empty page. */
  async list(
    scope: EstablishmentScope,
    personId: string,
    query: ListRiskAssessmentsQuery,
  ): Promise<RiskAssessmentPage> {
    return this.dataSource.transaction(async (tx) => {
      await personInScope(tx, scope, personId);
      const rows = await tx.find(RiskAssessmentVersion, {
        where: { personId, ...(query.cursor ? { version: LessThan(query.cursor.version) } : {}) },
        order: { version: 'DESC' },
        take: query.limit + 1,
      });
      const page = RiskVersionCursor.page(rows, query.limit, (last) => ({ version: last.version }));
      return { items: page.items.map(viewOfRisk), nextCursor: page.nextCursor };
    });
  }
}

export async function latestRisk(
  manager: EntityManager,
  personId: string,
): Promise<RiskAssessmentVersion | null> {
  return manager.findOne(RiskAssessmentVersion, { where: { personId }, order: { version: 'DESC' } });
}

/**
 * The person's latest episode when an assessment of it is at one of the caller's establishments
 * (the function row-level security reads too); else the person is unknown to the caller (404).
 */
export async function personInScope(
  manager: EntityManager,
  scope: EstablishmentScope,
  personId: string,
): Promise<PersonEpisode> {
  const [row] = (await manager.query(
    `SELECT "assessment"."person_establishments"($1) && $2::text[] AS in_scope`,
    [personId, [...scope.establishments]],
  )) as Array<{ in_scope: boolean }>;
  if (!row?.in_scope) throw new PersonNotFoundError(personId);
  // An assessment of the latest episode is visible to the caller (it is at one of theirs).
  const latest = await manager.findOne(Assessment, {
    where: { personId },
    order: { episode: 'DESC', requestedAt: 'ASC', id: 'ASC' },
  });
  if (!latest) throw new PersonNotFoundError(personId);
  return { episode: latest.episode, correlationId: latest.correlationId, requestedAt: latest.requestedAt };
}
