import type { AgencyKind } from '@throughcare/contracts';
import { ConflictError, NotFoundError, ValidationFailedError } from '@throughcare/platform-errors';

export class AgencyNotFoundError extends NotFoundError {
  constructor(message: string) {
    super(message, 'AGENCY_NOT_FOUND');
  }

  static byId(id: string) {
    return new AgencyNotFoundError(`no agency with id ${id}`);
  }

  static serving(kind: AgencyKind, localAuthority: string) {
    return new AgencyNotFoundError(`no ${kind} agency serves ${localAuthority}`);
  }
}

export class AgencyAlreadyExistsError extends ConflictError {
  constructor(name: string, localAuthority: string) {
    super(`an agency named "${name}" of this kind already serves ${localAuthority}`, 'AGENCY_ALREADY_EXISTS');
  }
}

export class InvalidCursorError extends ValidationFailedError {
  constructor() {
    super('cursor is not one this API issued', [
      { field: 'cursor', message: 'not a cursor issued by this API' },
    ]);
  }
}

export class AgencyClientNotFoundError extends NotFoundError {
  constructor(agencyId: string, clientId: string) {
    super(`agency ${agencyId} has no client ${clientId}`, 'AGENCY_CLIENT_NOT_FOUND');
  }
}
