import { HttpException, HttpStatus } from '@nestjs/common';
import {
  HTTP_STATUS_OF_CATEGORY,
  isDomainError,
  type ErrorCategory,
  type FieldError,
  ValidationFailedError,
} from '@throughcare/platform-errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, plus `code` (our stable error code) and per-field `errors`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: FieldError[];
  /** A domain error's extension members (`DomainErrorOptions.extensions`). */
  [extension: string]: unknown;
}

const statusByCategory: Readonly<Record<ErrorCategory, number>> = HTTP_STATUS_OF_CATEGORY;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const problemType = (code: string) => `urn:throughcare:problem:${code.toLowerCase().replace(/_/g, '-')}`;

const STANDARD_MEMBERS: ReadonlySet<string> = new Set([
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'code',
  'errors',
]);

/** A domain error's extension members, without any that would shadow a standard one. */
function extensionsOf(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extensions ?? {}).filter(([name]) => !STANDARD_MEMBERS.has(name)));
}

/**
 * Maps any thrown value to problem details. Domain errors keep their code and message;
 * Nest HTTP exceptions keep their status; anything else is a bare 500 with no detail, so
 * stack traces and driver messages never reach the caller.
 */
export function toProblemDetails(error: unknown, instance?: string): ProblemDetails {
  if (isDomainError(error)) {
    const status = statusByCategory[error.category];
    return {
      ...extensionsOf(error.extensions),
      type: problemType(error.code),
      title: titles[status] ?? 'Error',
      status,
      detail: error.message,
      instance,
      code: error.code,
      ...(error instanceof ValidationFailedError ? { errors: error.errors } : {}),
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    // An exception raised with its own stable code (e.g. 503 AUDIT_UNAVAILABLE) keeps it and its
    // message, which was written for the caller; other 5xx say nothing more than their status.
    const own = ownCode(error.getResponse());
    const code = own ?? HttpStatus[status] ?? 'HTTP_ERROR';
    return {
      type: status >= 500 && !own ? 'about:blank' : problemType(code),
      title: titles[status] ?? 'Error',
      status,
      detail: status >= 500 && !own ? undefined : error.message,
      instance,
      code,
    };
  }
  const fastifyStatus = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    // Errors raised by Fastify before routing (unparseable JSON body, wrong content type).
    return {
      type: problemType(HttpStatus[fastifyStatus] ?? 'BAD_REQUEST'),
      title: titles[fastifyStatus] ?? 'Bad Request',
      status: fastifyStatus,
      detail: (error as Error).message,
      instance,
      code: HttpStatus[fastifyStatus] ?? 'BAD_REQUEST',
    };
  }
  return { type: 'about:blank', title: titles[500]!, status: 500, instance, code: 'INTERNAL_ERROR' };
}

const OWN_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

function ownCode(response: unknown): string | undefined {
  const code = (response as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OWN_CODE.test(code) ? code : undefined;
}
