import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from './principal';

export const ACCESS_POLICY = 'throughcare:access-policy';

/** Who may call a route: a verified token with one of `roles`, or anybody (`public`, with why). */
export type AccessPolicy =
  | { readonly kind: 'roles'; readonly roles: readonly Role[] }
  | { readonly kind: 'public'; readonly reason: string };

/**
 * The roles a route (or every route of a controller) admits. A caller with a valid token and
 * none of these roles is answered 404 as if the route did not exist; objects outside the
 * caller's agency or establishments are the service's to hide (also 404).
 */
export function Access(...roles: [Role, ...Role[]]): ClassDecorator & MethodDecorator {
  return SetMetadata(ACCESS_POLICY, { kind: 'roles', roles } satisfies AccessPolicy);
}

/** A route anybody may call without a token (health, the dashboard's static page); say why. */
export function PublicRoute(reason: string): ClassDecorator & MethodDecorator {
  if (!reason.trim()) throw new Error('PublicRoute needs a reason');
  return SetMetadata(ACCESS_POLICY, { kind: 'public', reason } satisfies AccessPolicy);
}

export type RequestWithPrincipal = FastifyRequest & { principal?: Principal };

/** The caller the guard verified; only on routes with `@Access`. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without @Access(...)');
  return principal;
});

/**
 * The agency the verified token acts for, on a route admitting only agency roles (their tokens
 * always name one: see `principalFromClaims`).
 */
export const CallingAgency = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const agencyId = context.switchToHttp().getRequest<RequestWithPrincipal>().principal?.agencyId;
  if (!agencyId) throw new Error('CallingAgency used on a route without agency access');
  return agencyId;
});
