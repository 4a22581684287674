import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Access, type RequestWithPrincipal } from '@throughcare/platform-auth';

/**
 * Controller decorator: every route is an agency's (its staff or its case-management system,
 * with an access token from the identity provider) and is scoped to that agency.
 */
export function AgencyScoped(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    Access('agency-system', 'agency-staff'),
    ApiBearerAuth(),
    ApiResponse({
      status: 401,
      description:
        'No valid access token (problem+json; WWW-Authenticate: Bearer). The token names the agency: ' +
        "the caller sees only its own agency's referrals and appointments; another agency's answer 404.",
    }),
  );
}

/** The agency the verified token acts for. */
export const CallingAgency = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const agencyId = context.switchToHttp().getRequest<RequestWithPrincipal>().principal?.agencyId;
  if (!agencyId) throw new Error('CallingAgency used on a route without @AgencyScoped()');
  return agencyId;
});

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[\w.:-]{1,200}$/;

/** The caller's `x-correlation-id` when usable, else a new one: every event this request emits carries it. */
export const CorrelationId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const raw = context.switchToHttp().getRequest<FastifyRequest>().headers[CORRELATION_HEADER];
  const value = typeof raw === 'string' ? raw.trim() : '';
  return CORRELATION_ID.test(value) ? value : randomUUID();
});
