import { applyDecorators } from '@nestjs/common';
import { ApiQuery, type ApiBodyOptions } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** OpenAPI 3.0 schema of what a client sends (zod input side: defaults optional). */
export function openApiSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
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
