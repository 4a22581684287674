import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { Access } from '@throughcare/platform-auth';

/**
 * Controller decorator: every route is an agency's (its staff or its case-management system, with
 * an access token from the identity provider) and is scoped to that agency. `sees`: what the
 * caller sees of it, for the OpenAPI document's 401.
 */
export function AgencyScoped(sees: string): ClassDecorator & MethodDecorator {
  return applyDecorators(
    Access('agency-system', 'agency-staff'),
    ApiBearerAuth(),
    ApiResponse({
      status: 401,
      description:
        'No valid access token (problem+json; WWW-Authenticate: Bearer). The token names the agency: ' +
        `the caller sees only ${sees}; another agency's answer 404.`,
    }),
  );
}
