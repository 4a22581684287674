import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseOrThrow } from '@throughcare/platform-errors';

/**
 * Validates a body, query or param with the zod schema that also defines its type. Failure
 * throws `ValidationFailedError`, which the problem filter renders as 400 naming each field.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    /** Read by the OpenAPI builder too: the documented input is this schema (documentValidatedInputs). */
    readonly schema: S,
    readonly what = 'request',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value, this.what);
  }
}
