import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Access, type Principal } from '@throughcare/platform-auth';

/**
 * Controller decorator: every liberation route is prison staff's (a person or a prison system
 * with an access token from the identity provider), and sees only the people held in, or
 * released from, the establishments the token names.
 */
export function PrisonStaff(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    Access('prison-staff'),
    ApiBearerAuth(),
    ApiResponse({
      status: 401,
      description:
        'No valid access token (problem+json; WWW-Authenticate: Bearer). The token names establishments: ' +
        'the caller sees and records only the episodes held in (or released from) one of them, and ' +
        'receptions into them; any other answers 404, as an unknown person, episode or movement would.',
    }),
  );
}

/**
 * Route decorator: proposing and applying a change of release point for a cohort (a bulk
 * re-plan) is a policy administrator's (review S2): any prison officer could otherwise change the
 * release point a whole jurisdiction's calculations read. Others are answered 404, as if the
 * route did not exist.
 */
export function PolicyAdmin(): MethodDecorator {
  return applyDecorators(
    Access('policy-admin'),
    ApiResponse({
      status: 404,
      description: 'Also: the token does not hold the policy-admin role, as if the route did not exist',
    }),
  );
}

/** Route decorator: re-plans are read by prison staff and policy administrators of their establishments. */
export function ReplanReaders(): MethodDecorator {
  return Access('prison-staff', 'policy-admin');
}

/** OpenAPI wording of the 409 CUSTODY_RECORD_CONFLICT (see `CustodyRecordConflictError`). */
export const CUSTODY_RECORD_CONFLICT_DOC =
  "CUSTODY_RECORD_CONFLICT: an episode held in (or released from) an establishment outside the caller's " +
  'is in the way; its wording is fixed and names nothing of that episode (the establishment holding the record must act)';

/**
 * The establishments whose custody episodes a caller may see and change: an HTTP caller's are
 * its token's; a fact that arrived on the bus from an upstream prison system is not a caller's
 * and is applied whatever the establishment.
 */
export type EstablishmentScope = { readonly establishments: readonly string[] } | 'unrestricted';

export function scopeOf(principal: Principal): EstablishmentScope {
  return { establishments: principal.establishments };
}

/** Whether the scope includes the establishment (an unknown one, null, never for an HTTP caller). */
export function covers(scope: EstablishmentScope, establishmentCode: string | null | undefined): boolean {
  if (scope === 'unrestricted') return true;
  return establishmentCode != null && scope.establishments.includes(establishmentCode);
}

/**
 * Narrows a list query to `establishmentCode` (when given: it must be one of the scope's) or to
 * every establishment of the scope, on `column`. False when nothing can match (the query need not
 * run).
 */
export function whereEstablishment<T extends ObjectLiteral>(
  q: SelectQueryBuilder<T>,
  column: string,
  scope: EstablishmentScope,
  establishmentCode: string | undefined,
): boolean {
  if (establishmentCode !== undefined) {
    if (!covers(scope, establishmentCode)) return false;
    q.andWhere(`${column} = :establishmentCode`, { establishmentCode });
  } else if (scope !== 'unrestricted') {
    if (scope.establishments.length === 0) return false;
    q.andWhere(`${column} IN (:...establishments)`, { establishments: [...scope.establishments] });
  }
  return true;
}

/** Who recorded a fact (`received_by`, `released_by`, `recorded_by`…): platform-auth's rule. */
export { actorOf } from '@throughcare/platform-auth';
