import { isDomainError } from '@throughcare/platform-errors';
import { entityTag, parseIfMatch, requireIfMatch } from './entity-tag';

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return isDomainError(e) ? { code: e.code, category: e.category } : e;
  }
  return 'accepted';
};

describe('entity tags and If-Match (optimistic concurrency)', () => {
  const v3 = entityTag('sentence', 3);

  it('tags a version as a strong quoted tag', () => {
    expect(v3).toBe('"sentence-v3"');
  });

  it('parses a list, keeps weak tags apart and refuses a malformed header (400)', () => {
    expect(parseIfMatch(' "a", W/"b" ,"c"')).toEqual(['"a"', 'W/b', '"c"']);
    expect(parseIfMatch('*')).toEqual(['*']);
    expect(refusal(() => parseIfMatch('sentence-v3'))).toEqual({
      code: 'VALIDATION_FAILED',
      category: 'VALIDATION_FAILED',
    });
    expect(refusal(() => parseIfMatch(' , '))).toEqual({
      code: 'VALIDATION_FAILED',
      category: 'VALIDATION_FAILED',
    });
  });

  it('accepts no header, the current tag among others, or * when a version exists', () => {
    expect(refusal(() => requireIfMatch(undefined, v3, 'x'))).toBe('accepted');
    expect(refusal(() => requireIfMatch(undefined, null, 'x'))).toBe('accepted');
    expect(refusal(() => requireIfMatch('"sentence-v2", "sentence-v3"', v3, 'x'))).toBe('accepted');
    expect(refusal(() => requireIfMatch('*', v3, 'x'))).toBe('accepted');
  });

  it('refuses (412) a stale tag, a weak tag of the current version, and any tag when there is no version', () => {
    const failed = { code: 'PRECONDITION_FAILED', category: 'PRECONDITION_FAILED' };
    expect(refusal(() => requireIfMatch('"sentence-v2"', v3, 'x'))).toEqual(failed);
    expect(refusal(() => requireIfMatch('W/"sentence-v3"', v3, 'x'))).toEqual(failed);
    expect(refusal(() => requireIfMatch('*', null, 'x'))).toEqual(failed);
    expect(refusal(() => requireIfMatch('"sentence-v1"', null, 'x'))).toEqual(failed);
  });
});
