import { ConflictError, NotFoundError, ValidationFailedError } from '@throughcare/platform-errors';

/** Also what another agency's endpoint answers: out of scope does not exist for the caller. */
export class WebhookEndpointNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no webhook endpoint with id ${id}`, 'WEBHOOK_ENDPOINT_NOT_FOUND');
  }
}

export class WebhookUrlNotAllowedError extends ValidationFailedError {
  constructor(problem: string) {
    super(`url ${problem}`, [{ field: 'url', message: problem }], 'WEBHOOK_URL_NOT_ALLOWED');
  }
}

export class WebhookEndpointLimitError extends ConflictError {
  constructor(limit: number) {
    super(
      `an agency holds at most ${limit} webhook endpoints: update or disable one instead`,
      'WEBHOOK_ENDPOINT_LIMIT',
      { details: { limit } },
    );
  }
}
