import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Observable, catchError, from, mergeMap } from 'rxjs';
import type { Principal } from '@throughcare/platform-auth';
import type { AuditOutcome } from './audit-record';
import { AUDITED, type AuditedSpec } from './audited.decorator';
import {
  auditContext,
  auditReasonOf,
  auditUnavailable,
  AuditTrail,
  statusOf,
  type AuditInFlight,
} from './audit-trail';
import { PURPOSE_HEADER, purposeOf } from './purpose';

export type AuditMetadata = AuditedSpec | { notAudited: string };

export function auditedSpecOf(metadata: AuditMetadata | undefined): AuditedSpec | undefined {
  return metadata && 'action' in metadata ? metadata : undefined;
}

/**
 * Writes one audit record for every request to an `@Audited` route, before the answer leaves:
 * `allowed` with the subject (and for lists the people disclosed), `not-found` for the service's
 * 404 (out of scope or missing), `failed` for any other error answer (with its problem code). A
 * change's record is written inside its transaction (AuditTransactionSubscriber); this writes it
 * afterwards only when the request committed no transaction (a repeat, or a refusal). If the
 * record cannot be written the request answers 503 AUDIT_UNAVAILABLE instead.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AuditTrail) private readonly trail: AuditTrail,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const spec = auditedSpecOf(this.reflector.get<AuditMetadata | undefined>(AUDITED, context.getHandler()));
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const flight: AuditInFlight = { spec, request, purpose: null, written: false, failed: false };
    try {
      flight.purpose = purposeOf(request.headers[PURPOSE_HEADER], request.principal?.roles ?? []);
    } catch (invalidPurpose) {
      return from(this.afterError(flight, invalidPurpose));
    }
    return new Observable<unknown>((subscriber) =>
      auditContext.run(flight, () =>
        next
          .handle()
          .pipe(
            mergeMap(async (result: unknown) => {
              if (flight.failed) throw auditUnavailable();
              if (!flight.written) await this.write(flight, 'allowed', { result });
              return result;
            }),
            catchError((error: unknown) => from(this.afterError(flight, error))),
          )
          .subscribe(subscriber),
      ),
    );
  }

  private async write(
    flight: AuditInFlight,
    outcome: AuditOutcome,
    options: { result?: unknown; reason?: string },
  ): Promise<void> {
    try {
      await this.trail.record(flight, outcome, options);
    } catch {
      throw auditUnavailable();
    }
  }

  /**
   * Records a refused or failed attempt (unless already recorded), then answers the error. After
   * an intent record (AuditTrail.recordIntent) the failure gets a second record with its outcome;
   * if that one cannot be written the caller still gets the error itself (the attempt is audited
   * by the intent, and a 503 "not performed" could be untrue of a change that failed half-way),
   * and the failure is logged.
   */
  private async afterError(flight: AuditInFlight, error: unknown): Promise<never> {
    if (flight.failed && !flight.intent) throw auditUnavailable();
    const { status } = statusOf(error);
    const outcome = status === 404 ? 'not-found' : 'failed';
    const reason = auditReasonOf(error);
    if (flight.intent) {
      flight.failed = false;
      await this.trail.record(flight, outcome, { reason }).catch(() => undefined);
    } else if (!flight.written) {
      await this.write(flight, outcome, { reason });
    }
    throw error;
  }
}
