import 'reflect-metadata';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { apiBodyWithExamples, documentValidatedInputs, openApiSchemaOf } from './openapi';
import { ZodValidationPipe } from './zod-validation.pipe';

describe('openApiSchemaOf', () => {
  it('keeps the bound of an exclusive minimum or maximum on integers (zod 4.1 drops it)', () => {
    const json = openApiSchemaOf(
      z.object({ days: z.number().int().positive().max(36500), below: z.number().int().lt(10) }),
    ) as { properties: Record<string, Record<string, unknown>> };
    expect(json.properties['days']).toMatchObject({
      type: 'integer',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 36500,
    });
    expect(json.properties['below']).toMatchObject({ type: 'integer', maximum: 10, exclusiveMaximum: true });
  });

  it('leaves inclusive bounds as they are', () => {
    const json = openApiSchemaOf(z.object({ n: z.number().int().min(1).max(5) })) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(json.properties['n']).toEqual({ type: 'integer', minimum: 1, maximum: 5 });
  });
});

const PersonPath = z.object({
  personId: z.string().regex(/^p[0-9a-f]{20}$/),
  episode: z.coerce.number().int().min(1),
});
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  state: z.enum(['A', 'B']),
});
const DiscardBody = z.object({ by: z.string().min(1), reason: z.string().min(1).max(500) });

@Controller('people/:personId/episodes')
class EpisodesController {
  @Get(':episode')
  show(
    @Param(new ZodValidationPipe(PersonPath, 'path')) _p: unknown,
    @Query(new ZodValidationPipe(ListQuery, 'query')) _q: unknown,
  ) {
    return undefined;
  }
  // No @ApiBody: documented from the pipe all the same.
  @Post(':episode/discard')
  discard(
    @Param(new ZodValidationPipe(PersonPath, 'path')) _p: unknown,
    @Body(new ZodValidationPipe(DiscardBody, 'body')) _b: unknown,
  ) {
    return undefined;
  }
}

@Controller('agencies')
class AgenciesController {
  private readonly options = { base: '/x' };
  /** A getter on the prototype: reading it without an instance would throw. */
  private get base(): string {
    return this.options.base;
  }

  @Get(':id')
  get(@Param('id', new ZodValidationPipe(z.uuid(), 'id')) _id: string) {
    return undefined;
  }
}

describe('documentValidatedInputs', () => {
  const swaggerDocument = () => ({
    paths: {
      // What Nest's scanner writes without help: bare strings and no body.
      '/people/{personId}/episodes/{episode}': {
        get: {
          parameters: [
            {
              name: 'personId',
              in: 'path',
              required: true,
              schema: { type: 'string' },
              description: 'whose',
            },
            { name: 'episode', in: 'path', required: true, schema: { type: 'string' } },
          ],
        },
      },
      '/people/{personId}/episodes/{episode}/discard': { post: {} },
      '/agencies/{id}': {
        get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] },
      },
    } as Record<string, Record<string, Record<string, unknown>>>,
  });

  it('documents each validated path, query and body input with its own zod schema', () => {
    const document = swaggerDocument();
    documentValidatedInputs([EpisodesController, AgenciesController], document);
    const show = document.paths['/people/{personId}/episodes/{episode}']!['get']!;
    expect(show['parameters']).toEqual([
      {
        name: 'personId',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^p[0-9a-f]{20}$' },
        description: 'whose',
      },
      {
        name: 'episode',
        in: 'path',
        required: true,
        schema: { type: 'integer', minimum: 1, maximum: 9007199254740991 },
      },
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
      { name: 'state', in: 'query', required: true, schema: { type: 'string', enum: ['A', 'B'] } },
    ]);
    expect(document.paths['/people/{personId}/episodes/{episode}/discard']!['post']!['requestBody']).toEqual({
      required: true,
      content: { 'application/json': { schema: openApiSchemaOf(DiscardBody) } },
    });
    const id = (
      document.paths['/agencies/{id}']!['get']!['parameters'] as { schema: Record<string, unknown> }[]
    )[0]!;
    expect(id.schema).toMatchObject({ type: 'string', format: 'uuid' });
    expect(typeof id.schema['pattern']).toBe('string');
  });

  it("keeps the named examples @ApiBody gave when it replaces the body's schema", () => {
    const document = swaggerDocument();
    const examples = { first: { summary: 'A discard', value: { by: 'staff-1', reason: 'sent twice' } } };
    document.paths['/people/{personId}/episodes/{episode}/discard']!['post'] = {
      requestBody: { content: { 'application/json': { schema: { type: 'object' }, examples } } },
    };
    documentValidatedInputs([EpisodesController], document);
    expect(document.paths['/people/{personId}/episodes/{episode}/discard']!['post']!['requestBody']).toEqual({
      required: true,
      content: { 'application/json': { schema: openApiSchemaOf(DiscardBody), examples } },
    });
  });

  it('apiBodyWithExamples refuses an example its schema would refuse, naming the field', () => {
    expect(() =>
      apiBodyWithExamples(DiscardBody, {
        bad: { summary: 'no reason', value: { by: 'staff-1', reason: '' } },
      }),
    ).toThrow(/^OpenAPI example "bad" is not a valid body: reason: /);
    expect(
      apiBodyWithExamples(DiscardBody, { good: { summary: 'ok', value: { by: 'staff-1', reason: 'x' } } }),
    ).toMatchObject({ schema: openApiSchemaOf(DiscardBody), examples: { good: { summary: 'ok' } } });
  });

  it('refuses to start when a validated route is missing from the document (the two must not drift)', () => {
    const document = swaggerDocument();
    delete document.paths['/people/{personId}/episodes/{episode}/discard'];
    expect(() => documentValidatedInputs([EpisodesController], document)).toThrow(
      'EpisodesController.discard: POST /people/{personId}/episodes/{episode}/discard validates its input but is not in the OpenAPI document',
    );
  });
});
