import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Principal } from '@throughcare/platform-auth';
import { runWithDatabaseScope, type DatabaseScope } from '@throughcare/platform-persistence';

/**
 * The row-level security scope of an HTTP caller (the second wall; each service's own checks are
 * the first): prison staff and policy administrators see their token's establishments, agency staff and systems their
 * agency. Any other role (manager, operator, auditor, administrator, service), and a caller with
 * no verified token, gets nothing from a protected table. An HTTP caller is never unrestricted.
 */
export function databaseScopeOf(principal: Principal | undefined): DatabaseScope {
  if (!principal) return 'none';
  // A policy administrator's re-plans are their establishments' (issue 10 review S2).
  const prison = principal.roles.includes('prison-staff') || principal.roles.includes('policy-admin');
  const agency = principal.roles.includes('agency-staff') || principal.roles.includes('agency-system');
  if (!prison && !agency) return 'none';
  return {
    establishments: prison ? principal.establishments : [],
    agency: agency ? (principal.agencyId ?? null) : null,
  };
}

/**
 * Runs each request's handler (and everything it awaits: repositories, transactions, the audit
 * trail's resolvers) with its caller's database scope, which `scopeTransactions` applies to every
 * transaction. Global: registered by PlatformModule; the AuthGuard has set `request.principal`.
 */
@Injectable()
export class DatabaseScopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
    const scope = databaseScopeOf(request.principal);
    return new Observable((subscriber) =>
      runWithDatabaseScope(scope, () => next.handle().subscribe(subscriber)),
    );
  }
}
