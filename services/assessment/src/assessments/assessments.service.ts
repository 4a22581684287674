import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { parseOrThrow } from '@throughcare/platform-errors';
import { enqueueEvent, withIdempotency } from '@throughcare/platform-persistence';
import { Assessment } from './assessment.entity';
import {
  AssessmentAlreadyCompletedError,
  AssessmentNotFoundError,
  CompletionBeforeRequestError,
  CompletionInFutureError,
  InvalidCursorError,
} from './assessment.errors';
import { coreScreenCompleted, coreScreenRequested } from './assessment.events';
import {
  RequestCoreScreenInputSchema,
  type AssessmentPage,
  type AssessmentView,
  type CompleteCoreScreenBody,
  type ListAssessmentsQuery,
} from './assessment.schemas';
import { normaliseNeeds, repeatsCompletion, toView, type CompletionFacts } from './assessment.state';

interface Cursor {
  requestedAt: Date;
  id: string;
}

/** Clock skew tolerated between the assessor's device and this service before a completion counts as "in the future". */
const FUTURE_TOLERANCE_MS = 60_000;

@Injectable()
export class AssessmentsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Assessment) private readonly assessments: Repository<Assessment>,
  ) {}

  /**
   * Opens the core screen of a custody episode and emits `assessment.core-screen.requested`,
   * together, once per idempotency key. A second key for the same person and episode gets the
   * existing assessment back (one shared assessment per episode) and emits nothing.
   */
  async requestCoreScreen(raw: unknown): Promise<{ assessmentId: string }> {
    const input = parseOrThrow(RequestCoreScreenInputSchema, raw, 'requestCoreScreen input');
    return withIdempotency(
      this.dataSource.manager,
      `request-core-screen:${input.idempotencyKey}`,
      async (tx) => {
        const assessment = tx.create(Assessment, {
          id: randomUUID(),
          personId: input.personId,
          episode: input.episode,
          establishmentCode: input.establishmentCode,
          kind: 'CORE_SCREEN',
          dueBy: new Date(input.dueBy),
          requestedAt: new Date(),
          correlationId: input.correlationId,
        });
        const inserted = await tx
          .createQueryBuilder()
          .insert()
          .into(Assessment)
          .values(assessment)
          .orIgnore()
          .returning('id')
          .execute();
        if ((inserted.raw as unknown[]).length === 0) {
          const existing = await tx.findOneByOrFail(Assessment, {
            personId: input.personId,
            episode: input.episode,
            kind: 'CORE_SCREEN',
          });
          return { assessmentId: existing.id };
        }
        await enqueueEvent(tx, coreScreenRequested(assessment));
        return { assessmentId: assessment.id };
      },
    );
  }

  /** Keyset pagination on (requested_at, id): oldest first, stable while new requests arrive. */
  async list(query: ListAssessmentsQuery, now = new Date()): Promise<AssessmentPage> {
    const qb = this.assessments
      .createQueryBuilder('a')
      .orderBy('a.requestedAt', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(query.limit + 1);
    if (query.personId) qb.andWhere('a.person_id = :personId', { personId: query.personId });
    if (query.establishment)
      qb.andWhere('a.establishment_code = :establishment', { establishment: query.establishment });
    if (query.status === 'COMPLETED') qb.andWhere('a.completed_at IS NOT NULL');
    if (query.status === 'OVERDUE') qb.andWhere('a.completed_at IS NULL AND a.due_by < :now', { now });
    if (query.status === 'REQUESTED') qb.andWhere('a.completed_at IS NULL AND a.due_by >= :now', { now });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(a.requested_at, a.id) > (:afterRequestedAt, :afterId)', {
        afterRequestedAt: after.requestedAt,
        afterId: after.id,
      });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((a) => toView(a, now)),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  async get(id: string, now = new Date()): Promise<AssessmentView> {
    const assessment = await this.assessments.findOneBy({ id });
    if (!assessment) throw new AssessmentNotFoundError(id);
    return toView(assessment, now);
  }

  /**
   * Records the completion facts and emits `assessment.core-screen.completed`, together and
   * once. Repeating the same completion answers as the first did; a different one is refused.
   */
  async completeCoreScreen(
    id: string,
    body: CompleteCoreScreenBody,
    correlationId?: string,
  ): Promise<AssessmentView> {
    const now = new Date();
    const request = {
      needs: normaliseNeeds(body.needs),
      riskOfSeriousHarm: body.riskOfSeriousHarm,
      completedBy: body.completedBy,
      completedAt: body.completedAt === undefined ? undefined : new Date(body.completedAt),
    };
    const recorded = await withIdempotency(
      this.dataSource.manager,
      `complete-core-screen:${id}`,
      async (tx) => {
        const assessment = await tx.findOne(Assessment, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        if (!assessment) throw new AssessmentNotFoundError(id);
        if (assessment.completedAt) return completionFactsOf(assessment);
        const completedAt = request.completedAt ?? now;
        if (completedAt < assessment.requestedAt)
          throw new CompletionBeforeRequestError(completedAt, assessment.requestedAt);
        if (completedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
          throw new CompletionInFutureError(completedAt, now);
        const completion = {
          completedAt,
          completedBy: request.completedBy,
          completionRecordedAt: now,
          needs: request.needs,
          riskOfSeriousHarm: request.riskOfSeriousHarm,
        };
        await tx.update(Assessment, { id }, completion);
        const completed = Object.assign(assessment, completion);
        await enqueueEvent(tx, coreScreenCompleted(completed, correlationId ?? assessment.correlationId));
        return completionFactsOf(completed);
      },
    );
    if (!repeatsCompletion(recorded, request)) throw new AssessmentAlreadyCompletedError(id);
    return this.get(id, now);
  }
}

function completionFactsOf(assessment: Assessment): CompletionFacts {
  const { needs, riskOfSeriousHarm, completedBy, completedAt } = assessment;
  // The table keeps the completion columns all null or all set.
  if (!needs || !riskOfSeriousHarm || !completedBy || !completedAt)
    throw new Error(`assessment ${assessment.id} is not completed`);
  return { needs, riskOfSeriousHarm, completedBy, completedAt: completedAt.toISOString() };
}

function encodeCursor(assessment: Assessment): string {
  return Buffer.from(JSON.stringify([assessment.requestedAt.toISOString(), assessment.id])).toString(
    'base64url',
  );
}

function decodeCursor(raw: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      const requestedAt = new Date(value[0]);
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      if (!Number.isNaN(requestedAt.getTime()) && uuid.test(value[1])) return { requestedAt, id: value[1] };
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new InvalidCursorError();
}
