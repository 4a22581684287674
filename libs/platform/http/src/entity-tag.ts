import { PreconditionFailedError, ValidationFailedError } from '@throughcare/platform-errors';

/**
 * Optimistic concurrency by entity tags (RFC 9110 §8.8.3, §13.1.1). A record's version is sent as
 * a strong tag, `"<prefix>-v<version>"`, in the ETag of every read and write; an update carrying
 * `If-Match` is applied only when one of its tags is the record's current tag (`*`: any current
 * version), else refused with 412 and nothing changed. An update without `If-Match` is applied
 * unconditionally (the header is the client's choice, as in HTTP).
 */
export function entityTag(prefix: string, version: number): string {
  return `"${prefix}-v${version}"`;
}

const TAG = /^(?:W\/)?"([\x21\x23-\x7e]*)"$/;

/** The opaque tags of an If-Match value (`*` as itself); a malformed value is a 400 naming the header. */
export function parseIfMatch(header: string): string[] {
  const value = header.trim();
  if (value === '*') return ['*'];
  const tags = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const parsed = tags.map((t) => TAG.exec(t));
  if (tags.length === 0 || parsed.some((m) => m === null))
    throw new ValidationFailedError('If-Match must be "*" or a list of entity tags such as "sentence-v3"', [
      { field: 'if-match', message: `not an entity tag list: ${value.slice(0, 100)}` },
    ]);
  // A weak tag never matches under the strong comparison If-Match uses (RFC 9110 §13.1.1).
  return tags.map((t, i) => (t.startsWith('W/') ? `W/${parsed[i]![1]}` : `"${parsed[i]![1]}"`));
}

/**
 * Refuses (412) an update whose If-Match does not name `current` (null: the record does not exist
 * yet, which no tag and not even `*` matches). `undefined` header: no precondition.
 */
export function requireIfMatch(header: string | undefined, current: string | null, what: string): void {
  if (header === undefined) return;
  const tags = parseIfMatch(header);
  if (current !== null && (tags.includes('*') || tags.includes(current))) return;
  throw new PreconditionFailedError(
    current === null
      ? `If-Match ${header.trim()} names a version of ${what}, but there is none yet`
      : `If-Match ${header.trim()} is not the current version of ${what} (${current}): read it again and decide`,
    'PRECONDITION_FAILED',
    { details: { current }, extensions: { currentETag: current } },
  );
}
