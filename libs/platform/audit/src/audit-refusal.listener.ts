import { Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AuthRefusalListener, Principal } from '@throughcare/platform-auth';
import { AUDITED } from './audited.decorator';
import { AuditTrail } from './audit-trail';
import { auditedSpecOf, type AuditMetadata } from './audit.interceptor';
import { AUDIT_PURPOSES, PURPOSE_HEADER } from './purpose';

/**
 * The AuthGuard's refusals of audited routes (a verified caller whose roles the route does not
 * admit, answered 404): each writes a `refused` record. If that record cannot be written the
 * caller still gets the same 404 (a 503 would confirm that the route exists), and the failure is
 * logged as an error: the refused caller obtained nothing.
 */
@Injectable()
export class AuditRefusalListener implements AuthRefusalListener {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly reflector: Reflector,
    @Inject(AuditTrail) private readonly trail: AuditTrail,
  ) {}

  async onRoleRefused(context: ExecutionContext, principal: Principal): Promise<void> {
    const spec = auditedSpecOf(this.reflector.get<AuditMetadata | undefined>(AUDITED, context.getHandler()));
    if (!spec) return;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const header = request.headers[PURPOSE_HEADER];
    const stated = typeof header === 'string' ? header.trim() : undefined;
    const purpose = stated && (AUDIT_PURPOSES as readonly string[]).includes(stated) ? stated : null;
    try {
      await this.trail.record(
        { spec, request: Object.assign(request, { principal }), purpose, written: false, failed: false },
        'refused',
        { reason: 'ROLE_NOT_ADMITTED' },
      );
    } catch (e) {
      this.logger.error(
        `refused ${request.method} ${request.url} by ${principal.clientId} not audited: ${(e as Error).message}`,
      );
    }
  }
}
