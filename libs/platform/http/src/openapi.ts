import { applyDecorators, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ApiParam, ApiQuery, type ApiBodyOptions } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe';

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

/** Named request examples, as OpenAPI shows them (`summary` is the name a reader picks by). */
export type RequestExamples = Record<string, { summary: string; value: unknown }>;

/**
 * `@ApiBody(apiBodyWithExamples(Schema, examples))`: the validated body, with named examples.
 * Each example is checked against the schema when the controller is loaded: an example the API
 * would refuse is a programming error (the service does not start), never documentation.
 */
export function apiBodyWithExamples(
  schema: z.ZodType,
  examples: RequestExamples,
  description?: string,
): ApiBodyOptions {
  for (const [name, example] of Object.entries(examples)) {
    const parsed = schema.safeParse(example.value);
    if (!parsed.success)
      throw new Error(
        `OpenAPI example "${name}" is not a valid body: ${parsed.error.issues
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
  }
  return { ...apiBodyFromZod(schema, description), examples } as ApiBodyOptions;
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

type OpenApiOperation = {
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; description?: string }[];
  requestBody?: unknown;
};
type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>> };

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.OPTIONS]: 'options',
  [RequestMethod.HEAD]: 'head',
};

/** `/people/:personId/episodes` + `:episode` → `/people/{personId}/episodes/{episode}` (as Swagger writes it). */
function openApiPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/^:(.+)$/, '{$1}'))
    .join('/');
  return `/${joined}`;
}

function describeOf(json: JsonSchema): string | undefined {
  return typeof json['description'] === 'string' ? json['description'] : undefined;
}

/** Whether a zod schema accepts a missing value (an optional body). */
function acceptsUndefined(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

/**
 * Makes the OpenAPI document say exactly what the routes validate: for every handler argument
 * validated by a `ZodValidationPipe` (`@Param`, `@Query`, `@Body`, whole or by name), the
 * documented parameters or request body are replaced by that zod schema's own (patterns, bounds,
 * formats, required fields). Without it a route that forgot `@ApiBody` was documented with no
 * body, and path parameters as bare strings: the HTTP fuzzing found most generated "valid" input
 * refused, and an agency reading the document would have been misled the same way.
 *
 * A validated route missing from the document is an error at startup (the two must not drift).
 */
export function documentValidatedInputs(
  controllers: Iterable<new (...args: never[]) => unknown>,
  document: OpenApiDocument,
): void {
  for (const controller of controllers) {
    const base = [Reflect.getMetadata(PATH_METADATA, controller) ?? '/'].flat() as string[];
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      // The descriptor, not prototype[name]: reading a getter on the prototype runs it without an
      // instance (the dashboard sign-in controller's `base` did, and the app failed to start).
      const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (requestMethod === undefined) continue;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
        string,
        { data?: unknown; pipes?: unknown[] }
      >;
      const validated = Object.entries(args).flatMap(([key, arg]) => {
        const type = Number(key.split(':')[0]);
        const pipe = (arg.pipes ?? []).find(
          (p): p is ZodValidationPipe<z.ZodType> => p instanceof ZodValidationPipe,
        );
        return pipe
          ? [{ type, data: typeof arg.data === 'string' ? arg.data : undefined, schema: pipe.schema }]
          : [];
      });
      if (validated.length === 0) continue;
      const method = HTTP_METHODS[requestMethod];
      if (!method)
        throw new Error(`${controller.name}.${name}: request method ${requestMethod} is not documented`);
      const routes = [Reflect.getMetadata(PATH_METADATA, handler) ?? '/'].flat() as string[];
      for (const prefix of base)
        for (const route of routes) {
          const path = openApiPath(prefix, route);
          const operation = document.paths[path]?.[method];
          if (!operation)
            throw new Error(
              `${controller.name}.${name}: ${method.toUpperCase()} ${path} validates its input but is not in the OpenAPI document`,
            );
          for (const input of validated) documentInput(operation, input);
        }
    }
  }
}

function documentInput(
  operation: OpenApiOperation,
  input: { type: number; data: string | undefined; schema: z.ZodType },
): void {
  if (input.type === RouteParamtypes.BODY) {
    // The schema is replaced; the named examples `@ApiBody` gave (apiBodyWithExamples) are kept.
    const examples = (
      operation.requestBody as { content?: Record<string, { examples?: unknown }> } | undefined
    )?.content?.['application/json']?.examples;
    operation.requestBody = {
      required: !acceptsUndefined(input.schema),
      content: {
        'application/json': {
          schema: openApiSchemaOf(input.schema),
          ...(examples === undefined ? {} : { examples }),
        },
      },
    };
    return;
  }
  const where =
    input.type === RouteParamtypes.PARAM
      ? 'path'
      : input.type === RouteParamtypes.QUERY
        ? 'query'
        : undefined;
  if (!where) return;
  const json = openApiSchemaOf(input.schema) as JsonSchema & {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  const documented: NonNullable<OpenApiOperation['parameters']> = input.data
    ? [
        {
          name: input.data,
          in: where,
          required: where === 'path' || !acceptsUndefined(input.schema),
          schema: json,
        },
      ]
    : Object.entries(json.properties ?? {}).map(([name, property]) => ({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      }));
  const parameters = (operation.parameters ??= []);
  for (const parameter of documented) {
    const description =
      describeOf(parameter.schema as JsonSchema) ??
      parameters.find((p) => p.in === where && p.name === parameter.name)?.description;
    const at = parameters.findIndex((p) => p.in === where && p.name === parameter.name);
    const entry = { ...parameter, ...(description ? { description } : {}) };
    if (at >= 0) parameters[at] = entry;
    else parameters.push(entry);
  }
}

/**
 * The documented schema of a free-text header the services validate as
 * `z.string().max(200).trim().min(1)` (correlation id, Idempotency-Key): JSON Schema cannot say
 * "after trimming", so the pattern asks for one character that is not white space.
 */
export const BOUNDED_HEADER_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
} as const;
