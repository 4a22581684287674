import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiQuery, type ApiBodyOptions } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * zod 4.1's OpenAPI 3.0 output of `.int().positive()` (or `.gt(n)`, `.lt(n)` on an integer) is
 * `exclusiveMinimum: true` with the `minimum` dropped, which is not valid OpenAPI (Schemathesis
 * refused the schema). Put the bound back from the schema's own checks.
 */
function restoreExclusiveBounds(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const bag = (ctx.zodSchema as { _zod?: { bag?: Record<string, unknown> } })._zod?.bag ?? {};
  const json = ctx.jsonSchema;
  if (
    json['exclusiveMinimum'] === true &&
    json['minimum'] === undefined &&
    typeof bag['exclusiveMinimum'] === 'number'
  )
    json['minimum'] = bag['exclusiveMinimum'];
  if (
    json['exclusiveMaximum'] === true &&
    json['maximum'] === undefined &&
    typeof bag['exclusiveMaximum'] === 'number'
  )
    json['maximum'] = bag['exclusiveMaximum'];
}

/** OpenAPI 3.0 schema of what a client sends (zod input side: defaults optional). */
export function openApiSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    override: restoreExclusiveBounds,
  }) as JsonSchema;
  return json;
}

/** `@ApiBody(apiBodyFromZod(Schema))`: the documented body is the validated body. */
export function apiBodyFromZod(schema: z.ZodType, description?: string): ApiBodyOptions {
  return { schema: openApiSchemaOf(schema), description } as ApiBodyOptions;
}

/** Documents each property of a query schema as a query parameter. */
export function ApiQueryFromZod(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  const required = new Set(json.required ?? []);
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) =>
      ApiQuery({
        name,
        required: required.has(name),
        schema: property as never,
        description: typeof property['description'] === 'string' ? property['description'] : undefined,
      }),
    ),
  );
}

/**
 * Documents each property of a path-parameter schema (`@Param(new ZodValidationPipe(S, 'path'))`
 * validates the whole object, which Nest's OpenAPI scanner cannot see): the documented
 * parameters are the validated ones, patterns and bounds included.
 */
export function ApiParamsFromZod(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchemaOf(schema) as { properties?: Record<string, JsonSchema> };
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) =>
      ApiParam({
        name,
        required: true,
        schema: property as never,
        description: typeof property['description'] === 'string' ? property['description'] : undefined,
      }),
    ),
  );
}
