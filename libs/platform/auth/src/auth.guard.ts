import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Optional,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { ACCESS_POLICY, type AccessPolicy, type RequestWithPrincipal } from './access.decorator';
import { AccessTokenVerifier, IssuerUnavailableError, TokenRejectedError } from './access-token-verifier';
import { hasRole, type Principal } from './principal';
import { RateLimiter } from './rate-limiter';

/**
 * Told of every verified caller the guard turns away because the route does not admit its roles
 * (the audit trail records these refusals). Optional: provide it under AUTH_REFUSAL_LISTENER.
 */
export interface AuthRefusalListener {
  onRoleRefused(context: ExecutionContext, principal: Principal): Promise<void>;
}
export const AUTH_REFUSAL_LISTENER = Symbol('AUTH_REFUSAL_LISTENER');

/** RFC 6750 §2.1 (the scheme name is case-insensitive, RFC 9110 §11.1). */
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined when it is not one. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}
const REALM = 'throughcare';

/**
 * The global guard: deny by default. A route without a declared policy is refused (and fails the
 * startup check, see RoutePolicyCheck); a route with `@Access(...)` needs a verified bearer token
 * with one of its roles. Outside the caller's roles the answer is the router's own 404. With a
 * RateLimiter, every verified request spends the caller's budget first (429 beyond it).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier,
    @Optional()
    @Inject(AUTH_REFUSAL_LISTENER)
    private readonly refusals?: AuthRefusalListener,
    @Optional() @Inject(RateLimiter) private readonly rateLimiter?: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithPrincipal>();
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) throw routeNotFound(request.method, request.url);
    if (policy.kind === 'public') return true;

    const reply = http.getResponse<FastifyReply>();
    const header = request.headers.authorization;
    if (!header) {
      void reply.header('www-authenticate', `Bearer realm="${REALM}"`);
      throw new UnauthorizedException('a bearer access token is required (Authorization: Bearer <token>)');
    }
    const token = bearerTokenOf(header);
    if (!token) return this.reject(reply, 'Authorization header is not "Bearer <token>"');
    try {
      request.principal = await this.verifier.verify(token);
    } catch (e) {
      if (e instanceof TokenRejectedError) return this.reject(reply, e.reason);
      if (e instanceof IssuerUnavailableError) {
        this.logger.error(e.message);
        throw new ServiceUnavailableException('access tokens cannot be verified now; retry later');
      }
      throw e;
    }
    await this.rateLimiter?.spend(request.principal, reply);
    if (!hasRole(request.principal, policy.roles)) {
      await this.refusals?.onRoleRefused(context, request.principal);
      throw routeNotFound(request.method, request.url);
    }
    return true;
  }

  private reject(reply: FastifyReply, reason: string): never {
    // RFC 6750 §3: the reason goes in error_description; quotes and backslashes are not allowed.
    const description = reason.replace(/["\\]/g, "'");
    void reply.header(
      'www-authenticate',
      `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
    );
    throw new UnauthorizedException(`invalid access token: ${reason}`);
  }
}

/** Exactly what the router answers for a route that does not exist (Nest's message). */
export function routeNotFound(method: string, url: string): NotFoundException {
  return new NotFoundException(`Cannot ${method} ${url}`);
}
