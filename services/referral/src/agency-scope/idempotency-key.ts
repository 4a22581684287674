import { parseOrThrow } from '@throughcare/platform-errors';
import { IDEMPOTENCY_HEADER, IdempotencyHeadersSchema } from '../referrals/referral.schemas';

/** The client's Idempotency-Key, when it sent one; a blank or overlong key is a 400 naming the header. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers[IDEMPOTENCY_HEADER];
  return parseOrThrow(
    IdempotencyHeadersSchema,
    { [IDEMPOTENCY_HEADER]: Array.isArray(raw) ? raw[0] : raw },
    'headers',
  )[IDEMPOTENCY_HEADER];
}
