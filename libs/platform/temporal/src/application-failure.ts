import { ApplicationFailure } from '@temporalio/common';
import { isDomainError } from '@throughcare/platform-errors';

/**
 * Translates a domain error into the ApplicationFailure the workflow sees: `type` is the
 * stable code (workflows match on it), non-retryable unless the error says otherwise.
 * Anything else is returned unchanged and Temporal retries it per the activity's policy.
 */
export function toApplicationFailure(error: unknown): unknown {
  if (!isDomainError(error)) return error;
  return ApplicationFailure.create({
    type: error.code,
    message: error.message,
    nonRetryable: !error.retryable,
    details: error.details === undefined ? undefined : [error.details],
    cause: error.cause instanceof Error ? error.cause : undefined,
  });
}

type AsyncFn = (...args: never[]) => Promise<unknown>;

/** Wraps each activity so domain errors leave as ApplicationFailures carrying their code. */
export function withApplicationFailures<T extends { [K in keyof T]: AsyncFn }>(activities: T): T {
  const wrapped: Partial<T> = {};
  for (const key of Object.keys(activities) as Array<keyof T>) {
    const fn = activities[key];
    wrapped[key] = (async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw toApplicationFailure(error);
      }
    }) as T[keyof T];
  }
  return wrapped as T;
}
