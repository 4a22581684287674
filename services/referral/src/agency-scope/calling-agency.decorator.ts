import { applyDecorators, createParamDecorator, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AGENCY_HEADER, CallingAgencyGuard, type RequestWithAgency } from './calling-agency.guard';

/** Controller decorator: every route needs `x-agency-id` and is scoped to that agency. */
export function AgencyScoped(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(CallingAgencyGuard),
    ApiHeader({
      name: AGENCY_HEADER,
      required: true,
      description:
        'Id of the calling agency. A stand-in for the agency credential until an identity provider exists: ' +
        "the caller sees only its own agency's referrals and appointments; another agency's answer 404.",
    }),
    ApiResponse({ status: 401, description: `Missing or malformed ${AGENCY_HEADER} (problem+json)` }),
  );
}

/** The agency the guard identified. */
export const CallingAgency = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const agencyId = context.switchToHttp().getRequest<RequestWithAgency>().callingAgencyId;
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
