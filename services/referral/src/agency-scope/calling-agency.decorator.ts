import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AgencyScoped as AgencyScopedRoutes, requestTraceOf } from '@throughcare/platform-http';

/** Every referral route of an agency: its own agency's referrals and appointments only. */
export const AgencyScoped = () => AgencyScopedRoutes("its own agency's referrals and appointments");

/** The agency the verified token acts for (shared with liberation's agency routes). */
export { CallingAgency } from '@throughcare/platform-auth';

export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * The request's correlation id as the platform read it (the caller's `x-correlation-id`, trimmed,
 * when usable, else a new one; `traceRequests`): every event this request emits carries it, and
 * it is the one in the answer's header and the log lines.
 */
export const CorrelationId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    requestTraceOf(context.switchToHttp().getRequest())?.correlationId ?? randomUUID(),
);
