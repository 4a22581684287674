import { z } from 'zod';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { ZodValidationPipe } from './zod-validation.pipe';

const Query = z
  .object({
    age: z.coerce.number().int().min(0).max(130).optional(),
    ratio: z.coerce.number().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    q: z.string().optional(),
  })
  .strict();

const refused = (pipe: ZodValidationPipe<typeof Query>, value: Record<string, unknown>): string[] => {
  try {
    pipe.transform(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailedError);
    return (err as ValidationFailedError).errors.map((f) => f.field);
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
};

describe('ZodValidationPipe: numbers written in a query or path', () => {
  const pipe = new ZodValidationPipe(Query, 'query');

  it('takes digits, as coercion does', () => {
    expect(pipe.transform({ age: '42', ratio: '0.5', q: '10' })).toEqual({
      age: 42,
      ratio: 0.5,
      limit: 20,
      q: '10',
    });
    expect(pipe.transform({ limit: '7' })).toEqual({ limit: 7 });
  });

  it.each([[''], [' 5'], ['5 '], ['0x10'], ['1e2'], ['+3'], ['4.'], ['NaN'], ['Infinity']])(
    'refuses %j for an integer, naming the field (coercion would take it)',
    (written) => {
      expect(refused(pipe, { age: written })).toEqual(['age']);
      expect(refused(pipe, { limit: written })).toEqual(['limit']);
    },
  );

  it('refuses a repeated parameter, and a decimal where an integer is wanted', () => {
    expect(refused(pipe, { age: ['1', '2'] })).toEqual(['age']);
    expect(refused(pipe, { age: '1.5' })).toEqual(['age']);
    expect(refused(pipe, { ratio: '.5' })).toEqual(['ratio']);
  });

  it('leaves bodies to their schema (a JSON number is a number)', () => {
    expect(new ZodValidationPipe(Query, 'body').transform({ age: 3 })).toEqual({ age: 3, limit: 20 });
  });
});
