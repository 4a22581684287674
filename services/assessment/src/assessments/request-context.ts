import { parseOrThrow } from '@throughcare/platform-errors';
import { CorrelationHeadersSchema } from './assessment.schemas';
import type { RequestContext } from './assessments.service';

export const CORRELATION_HEADER = 'x-correlation-id';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The correlation id to carry onto events and the client's Idempotency-Key; a malformed one is a 400 naming it. */
export function requestContextOf(headers: Record<string, string | string[] | undefined>): RequestContext {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const parsed = parseOrThrow(
    CorrelationHeadersSchema,
    { [CORRELATION_HEADER]: first(CORRELATION_HEADER), [IDEMPOTENCY_HEADER]: first(IDEMPOTENCY_HEADER) },
    'headers',
  );
  return { correlationId: parsed[CORRELATION_HEADER], idempotencyKey: parsed[IDEMPOTENCY_HEADER] };
}
