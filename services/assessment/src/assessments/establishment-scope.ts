import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { Access, type Principal } from '@throughcare/platform-auth';

/**
 * What a caller may see and act on: assessments at these prison establishments (and the consent
 * of their episodes). Anything else is answered exactly as a missing assessment or episode.
 */
export interface EstablishmentScope {
  readonly establishments: readonly string[];
}

/** Who is calling, for what the service records on its behalf. */
export interface Caller extends EstablishmentScope {
  /** The API client: it namespaces the client's Idempotency-Keys. */
  readonly clientId: string;
}

export function callerOf(principal: Principal): Caller {
  return { establishments: principal.establishments, clientId: principal.clientId };
}

export function inScope(scope: EstablishmentScope, establishmentCode: string): boolean {
  return scope.establishments.includes(establishmentCode);
}

/**
 * Controller decorator: every route is prison staff's (a `prison-staff` access token from the
 * identity provider), scoped to the establishments the token names.
 */
export function PrisonStaffOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    Access('prison-staff'),
    ApiBearerAuth(),
    ApiResponse({
      status: 401,
      description:
        'No valid access token (problem+json; WWW-Authenticate: Bearer). The token names the establishments: ' +
        'the caller sees and acts only on assessments there; any other answers 404 as if it did not exist.',
    }),
  );
}
