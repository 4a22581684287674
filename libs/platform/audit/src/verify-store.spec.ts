import { furthest } from './verify-store';

describe('furthest (the heads a passing verification records)', () => {
  it('never moves a chain back: of the file as it is now and this run, the head that reaches further', () => {
    expect(
      furthest(
        { a: { seq: 9, hash: 'a9' }, b: { seq: 2, hash: 'b2' }, gone: { seq: 1, hash: 'g1' } },
        { a: { seq: 7, hash: 'a7' }, b: { seq: 5, hash: 'b5' }, c: { seq: 1, hash: 'c1' } },
      ),
    ).toEqual({
      a: { seq: 9, hash: 'a9' },
      b: { seq: 5, hash: 'b5' },
      c: { seq: 1, hash: 'c1' },
      gone: { seq: 1, hash: 'g1' },
    });
    expect(furthest({ a: { seq: 3, hash: 'old' } }, { a: { seq: 3, hash: 'new' } })).toEqual({
      a: { seq: 3, hash: 'new' },
    });
  });
});
