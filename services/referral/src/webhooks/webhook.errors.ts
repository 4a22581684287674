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

export class WebhookDeliveryNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no delivery with id ${id} to this webhook endpoint`, 'WEBHOOK_DELIVERY_NOT_FOUND');
  }
}

export class WebhookEndpointDisabledError extends ConflictError {
  constructor(id: string, reason: string | null) {
    super(
      `webhook endpoint ${id} is disabled${reason === 'FAILING' ? ' (it kept failing)' : ''}: enable it (PUT with enabled: true) before asking for a redelivery`,
      'WEBHOOK_ENDPOINT_DISABLED',
      { details: { disabledReason: reason } },
    );
  }
}
