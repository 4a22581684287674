import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AgencyScoped as AgencyScopedRoutes } from '@throughcare/platform-http';

/** Every referral route of an agency: its own agency's referrals and appointments only. */
export const AgencyScoped = () => AgencyScopedRoutes("its own agency's referrals and appointments");

/** The agency the verified token acts for (shared with liberation's agency routes). */
export { CallingAgency } from '@throughcare/platform-auth';

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[\w.:-]{1,200}$/;

/** The caller's `x-correlation-id` when usable, else a new one: every event this request emits carries it. */
export const CorrelationId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const raw = context.switchToHttp().getRequest<FastifyRequest>().headers[CORRELATION_HEADER];
  const value = typeof raw === 'string' ? raw.trim() : '';
  return CORRELATION_ID.test(value) ? value : randomUUID();
});
