import { DomainError, isDomainError } from '@throughcare/platform-errors';

/** Thrown by a handler when retrying cannot help: the message goes straight to the dead-letter stream. */
export class PermanentError extends DomainError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, 'RULE_VIOLATED', message, { retryable: false, cause: options?.cause });
  }
}

/** Domain errors are permanent unless marked retryable; anything else is presumed transient. */
export function isPermanent(error: unknown): error is DomainError {
  return isDomainError(error) && !error.retryable;
}

/**
 * Thrown by a handler for a failure that time should cure (a dependency unreachable, a deadline
 * exceeded, a fact the receiver does not know how to place yet). The consumer retries the message,
 * holding the later messages of its ordering key behind it, for `retryHorizonMs` (the consumer's
 * own horizon when unset) and only then dead-letters it. Any other non-permanent error is retried
 * the same way on the consumer's horizon; this class lets a handler name a code and a horizon.
 */
export class TransientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryHorizonMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientError';
  }
}
