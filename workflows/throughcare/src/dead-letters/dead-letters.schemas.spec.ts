import { ReplayAllBodySchema } from './dead-letters.schemas';

describe('bulk replay body', () => {
  const by = 'ops:alice';

  it('takes upToSeq as a JSON integer of at least 1', () => {
    expect(ReplayAllBodySchema.parse({ by, upToSeq: 12 })).toEqual({ by, upToSeq: 12 });
    expect(ReplayAllBodySchema.parse({ by })).toEqual({ by });
  });

  // Found by the HTTP fuzz (seed 1950410713): a coerced number took `true` as sequence 1.
  it.each([true, '12', 0, 1.5, null])('refuses upToSeq %p, naming the field', (upToSeq) => {
    const result = ReplayAllBodySchema.safeParse({ by, upToSeq });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['upToSeq']);
  });
});
