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
