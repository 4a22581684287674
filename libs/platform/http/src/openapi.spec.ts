import { z } from 'zod';
import { openApiSchemaOf } from './openapi';

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
