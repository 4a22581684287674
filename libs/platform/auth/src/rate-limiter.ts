import { HttpException, HttpStatus, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from './principal';

export interface RateLimitOptions {
  /** Requests one API client (one user, for user tokens) may make to this service process per minute. */
  requestsPerMinute: number;
}

/** 429; `Retry-After` is set on the reply. Services render it as problem+json TOO_MANY_REQUESTS. */
export class TooManyRequestsError extends HttpException {
  constructor(retryAfterSeconds: number) {
    super(
      `too many requests from this caller; retry after ${retryAfterSeconds} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * The caller's budget: an API client's own (client credentials: `sub` is the client), or one
 * user's through a shared client (a staff member signed in to the dashboard), so one person
 * cannot spend everyone's.
 */
export function rateLimitKeyOf(principal: Principal): string {
  return principal.subject === principal.clientId
    ? `client:${principal.clientId}`
    : `client:${principal.clientId}:user:${principal.subject}`;
}

/**
 * Per-caller rate limit, applied by AuthGuard right after the token is verified and before the
 * role check: a forged token cannot spend another caller's budget (it fails verification first),
 * and requests refused for their role count too (each refusal writes an audit record, so they
 * must not be free). Fixed one-minute windows held in this process (rate-limiter-flexible's memory
 * store): with N replicas a caller gets up to N × the limit; a shared store (its Postgres or
 * Redis limiter) is the change when replicas matter. Public routes carry no token and are not
 * limited here.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly limiter: RateLimiterMemory;
  /** The keys with a window open, and when it ends: closing the app ends them (see onApplicationShutdown). */
  private readonly windows = new Map<string, number>();

  constructor(private readonly options: RateLimitOptions) {
    this.limiter = new RateLimiterMemory({ points: options.requestsPerMinute, duration: 60 });
  }

  /** Spends one request of the caller's budget, or throws TooManyRequestsError (headers set). */
  async spend(principal: Principal, reply: FastifyReply): Promise<void> {
    const limit = this.options.requestsPerMinute;
    const key = rateLimitKeyOf(principal);
    try {
      const state = await this.limiter.consume(key);
      this.remember(key, state.msBeforeNext);
      void reply.header('ratelimit-limit', limit).header('ratelimit-remaining', state.remainingPoints);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      this.remember(key, e.msBeforeNext);
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      if (e.consumedPoints === limit + 1) this.logger.warn(`${key} reached ${limit} requests a minute`);
      void reply
        .header('retry-after', retryAfter)
        .header('ratelimit-limit', limit)
        .header('ratelimit-remaining', 0);
      throw new TooManyRequestsError(retryAfter);
    }
  }

  /**
   * The memory store keeps a one-minute timer per open window, and each timer holds this app's
   * code: closing the app clears them, so an app closed in a process that goes on (every
   * integration test file starts its own) is not kept for another minute. At shutdown, after the
   * HTTP server has closed: requests it served while draining opened windows too.
   */
  onApplicationShutdown(): void {
    for (const key of this.windows.keys()) void this.limiter.delete(key);
    this.windows.clear();
  }

  /** Ended windows are swept when the map has doubled since the last sweep (at least 10,000). */
  private nextSweepAt = 10_000;

  private remember(key: string, msBeforeNext: number): void {
    const now = Date.now();
    if (this.windows.size >= this.nextSweepAt) {
      for (const [k, endsAt] of this.windows) if (endsAt <= now) this.windows.delete(k);
      this.nextSweepAt = Math.max(10_000, 2 * this.windows.size);
    }
    this.windows.set(key, now + msBeforeNext);
  }
}
