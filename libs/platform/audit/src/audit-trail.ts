import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpException, HttpStatus, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { EntityManager } from 'typeorm';
import { actorOf, type Principal } from '@throughcare/platform-auth';
import { HTTP_STATUS_OF_CATEGORY, isDomainError } from '@throughcare/platform-errors';
import type { AuditDraft, AuditOutcome, AuditRecord } from './audit-record';
import type { AuditUnavailableError } from './audit-writer';
import { type AuditWriter } from './audit-writer';
import type { AuditedSpec, AuditResolveContext } from './audited.decorator';

/** The audit of one HTTP request to an audited route, while it runs. */
export interface AuditInFlight {
  spec: AuditedSpec;
  request: FastifyRequest & { principal?: Principal };
  purpose: string | null;
  /** Set once the request's record is written (by the change's transaction, or after the handler). */
  written: boolean;
  /**
   * While the record is being written: the audit write's own transaction (and any other commit
   * meanwhile) must not write a second record.
   */
  writing?: boolean;
  /** Set when writing it failed: the request must answer 503, whatever the handler made of it. */
  failed: boolean;
  /** The subject as the service's own code named it (noteAuditSubject), preferred to the route's resolver. */
  subject?: string;
  /** The people disclosed as the service's own code named them (noteAuditDisclosed), preferred to the route's resolver. */
  disclosed?: readonly string[];
  /** The object as the service's own code named it (noteAuditObject), preferred to the route's resolver. */
  object?: string;
  /**
   * Set when the record written is an intent (AuditTrail.recordIntent: written before a change
   * made outside the service's database); if the request then fails, a second record gives the
   * outcome.
   */
  intent?: boolean;
}

/** The audited request the current async context belongs to (the TypeORM subscriber reads it). */
export const auditContext = new AsyncLocalStorage<AuditInFlight>();

/**
 * Names the person the current audited request concerns, for a service that only learns it inside
 * its own code (e.g. a prison number turned into a person id): call it before the change's
 * transaction commits. Outside an audited request it does nothing.
 */
export function noteAuditSubject(personId: string): void {
  const flight = auditContext.getStore();
  if (flight && !flight.written) flight.subject = personId;
}

/**
 * Names the people the current audited request discloses or acts on, for a service that only
 * learns them inside its own code (e.g. the letters a bulk replay will re-publish): call it before
 * the record is written (before `recordIntent()`). Outside an audited request it does nothing.
 */
export function noteAuditDisclosed(personIds: readonly string[]): void {
  const flight = auditContext.getStore();
  if (flight && !flight.written) flight.disclosed = [...new Set(personIds)];
}

/**
 * Names the object of the current audited request, for a service that only learns it inside its
 * own code (e.g. the fact a change recorded, or found already recorded): call it before the change's
 * transaction commits (a change's record is written then, before the handler answers). Outside an
 * audited request it does nothing.
 */
export function noteAuditObject(objectId: string): void {
  const flight = auditContext.getStore();
  if (flight && !flight.written) flight.object = objectId;
}

const REQUEST_ID = /^[\w.:-]{1,200}$/;

/** 503 problem+json `AUDIT_UNAVAILABLE`: the operation was not performed. */
export function auditUnavailable(): HttpException {
  return new ServiceUnavailableException({
    statusCode: HttpStatus.SERVICE_UNAVAILABLE,
    code: 'AUDIT_UNAVAILABLE',
    message: 'the audit trail is unavailable, so the request was not performed; retry later',
  });
}

/** The HTTP status and problem code an error leaves the service as (as ProblemDetailsFilter maps it). */
export function statusOf(error: unknown): { status: number; code: string } {
  if (isDomainError(error)) {
    return { status: HTTP_STATUS_OF_CATEGORY[error.category], code: error.code };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, code: HttpStatus[status] ?? 'HTTP_ERROR' };
  }
  return { status: 500, code: 'INTERNAL_ERROR' };
}

/** The audit record's reason for an error answer: its code, and the error's audit-only reason if any. */
export function auditReasonOf(error: unknown): string {
  const { code } = statusOf(error);
  return isDomainError(error) && error.auditReason ? `${code}: ${error.auditReason}` : code;
}

/**
 * Builds and writes a service's audit records for HTTP requests (used by the interceptor, the
 * transaction subscriber and the guard's refusal hook).
 */
export class AuditTrail {
  private readonly logger = new Logger('Audit');

  constructor(readonly writer: AuditWriter) {}

  get chain(): string {
    return this.writer.chain;
  }

  /**
   * Writes the current audited request's record NOW, with outcome `allowed`, before the change it
   * describes is made: for a change the service's own database transaction cannot carry (a
   * Temporal update, a call to another system), where writing afterwards could leave a change made
   * and unaudited when the audit store is down. Call it once the request has passed every check
   * the service makes itself (scope, existence) and immediately before the change: the record then
   * says "admitted, and sent". If it cannot be written this throws 503 AUDIT_UNAVAILABLE and the
   * change must not be made (it is not: the throw stops the handler). If the change then fails
   * (refused, not found, error), the interceptor writes a second record of the same request
   * (same request id) with that outcome and its problem code.
   */
  async recordIntent(): Promise<void> {
    const flight = auditContext.getStore();
    if (!flight) throw new Error('recordIntent() outside a request to an @Audited route');
    if (flight.written) return;
    try {
      await this.record(flight, 'allowed');
    } catch {
      throw auditUnavailable();
    }
    flight.intent = true;
  }

  async record(
    flight: AuditInFlight,
    outcome: AuditOutcome,
    options: { result?: unknown; reason?: string | null; manager?: EntityManager } = {},
  ): Promise<AuditRecord> {
    const manager = options.manager ?? this.writer.dataSource.manager;
    const request = flight.request;
    const ctx: AuditResolveContext = {
      params: (request.params ?? {}) as Record<string, string | undefined>,
      query: (request.query ?? {}) as Record<string, unknown>,
      body: request.body,
      headers: request.headers ?? {},
      ...(options.result !== undefined ? { result: options.result } : {}),
      manager,
    };
    const resolve = async <T>(
      resolver: ((c: AuditResolveContext) => unknown) | undefined,
    ): Promise<T | null> => {
      if (!resolver) return null;
      try {
        return ((await resolver(ctx)) as T | null | undefined) ?? null;
      } catch (e) {
        this.logger.warn(`audit field of ${flight.spec.action} not resolved: ${(e as Error).message}`);
        return null;
      }
    };
    const principal = request.principal;
    const header = request.headers['x-request-id'] ?? request.headers['x-correlation-id'];
    const requested = typeof header === 'string' && REQUEST_ID.test(header) ? header : null;
    const draft: AuditDraft = {
      actor: principal ? actorOf(principal) : 'anonymous',
      clientId: principal?.clientId ?? null,
      roles: principal?.roles ?? [],
      purpose: flight.purpose,
      subjectPerson: flight.subject ?? (await resolve<string>(flight.spec.subject)),
      disclosedPersons: flight.disclosed ?? (await resolve<readonly string[]>(flight.spec.disclosed)) ?? [],
      action: flight.spec.action,
      objectType: flight.spec.objectType ?? null,
      objectId: flight.object ?? (await resolve<string>(flight.spec.objectId)),
      outcome,
      reason: options.reason ?? null,
      httpMethod: request.method,
      route: request.routeOptions?.url ?? request.url,
      requestId: requested ?? request.id ?? null,
    };
    flight.writing = true;
    try {
      const record = await this.writer.append(draft, options.manager);
      flight.written = true;
      return record;
    } catch (e) {
      flight.failed = true;
      this.logger.error(
        `audit record for ${flight.spec.action} not written: ${(e as Error).message}`,
        (e as AuditUnavailableError).cause instanceof Error
          ? ((e as AuditUnavailableError).cause as Error).message
          : '',
      );
      throw e;
    } finally {
      flight.writing = false;
    }
  }
}
