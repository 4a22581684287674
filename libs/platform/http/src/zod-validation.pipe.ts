import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseOrThrow } from '@throughcare/platform-errors';
import { openApiSchemaOf } from './openapi';

/** How a number is written in a query string or path: digits, an optional sign and decimals. */
const WRITTEN_NUMBER: Record<'integer' | 'number', RegExp> = {
  integer: /^-?\d+$/,
  number: /^-?\d+(\.\d+)?$/,
};

/**
 * Validates a body, query or param with the zod schema that also defines its type. Failure
 * throws `ValidationFailedError`, which the problem filter renders as 400 naming each field.
 *
 * A query or path property documented as a number is parsed from text by `z.coerce.number()`,
 * which also takes an empty value (0), blanks, `0x10` or `1e3`: such text is refused here as
 * not a number, naming the field, before coercion (found by the HTTP fuzzing: `?age=` answered 200).
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  /** The query or path properties documented as numbers, and how each must be written. */
  private readonly numeric: [string, RegExp][];

  constructor(
    /** Read by the OpenAPI builder too: the documented input is this schema (documentValidatedInputs). */
    readonly schema: S,
    readonly what = 'request',
  ) {
    this.numeric = what === 'query' || what === 'path' ? numericProperties(schema) : [];
  }

  transform(value: unknown): z.output<S> {
    if (this.numeric.length > 0 && value && typeof value === 'object') {
      const input = { ...(value as Record<string, unknown>) };
      for (const [name, written] of this.numeric) {
        const raw = input[name];
        // Not a number as written: NaN, which the schema refuses naming the field.
        if (raw !== undefined && (typeof raw !== 'string' || !written.test(raw))) input[name] = Number.NaN;
      }
      return parseOrThrow(this.schema, input, this.what);
    }
    return parseOrThrow(this.schema, value, this.what);
  }
}

function numericProperties(schema: z.ZodType): [string, RegExp][] {
  const json = openApiSchemaOf(schema) as { properties?: Record<string, { type?: unknown }> };
  return Object.entries(json.properties ?? {}).flatMap(([name, p]) =>
    p.type === 'integer' || p.type === 'number' ? [[name, WRITTEN_NUMBER[p.type]] as [string, RegExp]] : [],
  );
}
