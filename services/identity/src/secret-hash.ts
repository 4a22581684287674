import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets are 256 random bits made here (and the bootstrap administrator's is at least 32
 * characters from the operator), so there is no dictionary to try: a fast one-way hash stored in
 * place of the secret is enough, where a user's password would need a slow KDF. Stored as
 * `sha256$<base64url>` so the scheme can change later.
 */
export function hashSecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('base64url')}`;
}

export function secretMatches(secret: string, stored: string): boolean {
  const [scheme, digest] = stored.split('$');
  if (scheme !== 'sha256' || !digest) return false;
  const expected = Buffer.from(digest, 'base64url');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new client secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new client id: `tc-` and 24 hex digits. */
export function newClientId(): string {
  return `tc-${randomBytes(12).toString('hex')}`;
}
