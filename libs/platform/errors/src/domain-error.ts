/**
 * How an edge should treat a domain error. HTTP maps it to a status, Temporal to
 * retryability, the bus consumer to nak or dead-letter; the `code` travels unchanged.
 */
export type ErrorCategory =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'VALIDATION_FAILED'
  | 'RULE_VIOLATED'
  /** An update sent with a version (If-Match) that is no longer the current one. */
  | 'PRECONDITION_FAILED';

/** The HTTP status each category leaves a service as (problem details, and the audit trail's outcome). */
export const HTTP_STATUS_OF_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  VALIDATION_FAILED: 400,
  RULE_VIOLATED: 422,
  PRECONDITION_FAILED: 412,
};

export interface FieldError {
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Defaults to false: a broken business rule does not heal by trying again. */
  retryable?: boolean;
  /** Safe-to-share facts for the caller (never personal data or stack traces). */
  details?: Record<string, unknown>;
  /**
   * Members added to the HTTP answer's problem details (RFC 9457 §3.2 extensions), for what a
   * client acts on, e.g. the actions a refused transition leaves open. Never personal data; the
   * standard members (type, title, status, detail, instance, code, errors) cannot be overridden.
   */
  extensions?: Record<string, unknown>;
  /**
   * Why, for the audit record only (its `reason`, after the code), never in the answer: e.g. which
   * check refused a read answered with the same 404 as a missing object, so the answer leaks nothing
   * and the auditor still sees the cause.
   */
  auditReason?: string;
  cause?: unknown;
}

/** An expected failure with a stable, machine-readable code (e.g. `AGENCY_NOT_FOUND`). */
export class DomainError extends Error {
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly extensions: Record<string, unknown> | undefined;
  readonly auditReason: string | undefined;

  constructor(
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    this.extensions = options.extensions;
    this.auditReason = options.auditReason;
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, code = 'NOT_FOUND', options?: DomainErrorOptions) {
    super(code, 'NOT_FOUND', message, options);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, code = 'CONFLICT', options?: DomainErrorOptions) {
    super(code, 'CONFLICT', message, options);
  }
}

/**
 * Optimistic concurrency: the caller read version `expected` (its If-Match) but the record is now at
 * `current`. Nothing was changed; read the record again and decide.
 */
export class PreconditionFailedError extends DomainError {
  constructor(message: string, code = 'PRECONDITION_FAILED', options?: DomainErrorOptions) {
    super(code, 'PRECONDITION_FAILED', message, options);
  }
}

export class ValidationFailedError extends DomainError {
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
    code = 'VALIDATION_FAILED',
  ) {
    super(code, 'VALIDATION_FAILED', message, { details: { errors } });
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
