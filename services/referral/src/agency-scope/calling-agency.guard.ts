import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Stand-in for the agency's real credential until an identity provider exists: the caller
 * names its agency in this header, and sees only that agency's referrals and appointments.
 */
export const AGENCY_HEADER = 'x-agency-id';

const AGENCY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export type RequestWithAgency = FastifyRequest & { callingAgencyId?: string };

/** Runs before pipes, so an unidentified caller gets 401 before any validation detail. */
@Injectable()
export class CallingAgencyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithAgency>();
    const raw = request.headers[AGENCY_HEADER];
    const agencyId = typeof raw === 'string' ? raw.trim() : undefined;
    if (!agencyId || !AGENCY_ID.test(agencyId)) {
      void http
        .getResponse<FastifyReply>()
        .header('www-authenticate', `${AGENCY_HEADER} realm="throughcare"`);
      throw new UnauthorizedException(
        `${AGENCY_HEADER} header is required: the id of the calling agency (letters, digits, ".", "_", ":", "-"; at most 200)`,
      );
    }
    request.callingAgencyId = agencyId;
    return true;
  }
}
