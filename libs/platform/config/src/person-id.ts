import { createHmac } from 'node:crypto';

export const PERSON_ID_PATTERN = /^p[0-9a-f]{20}$/;

/**
 * The platform's pseudonymous person id: `p` + 20 hex chars of HMAC-SHA256(secret, 'NOMS:' + prisonNumber).
 * Deterministic (same person, same id) but not reversible without the secret, so it is the
 * only person id allowed in workflow ids and search attributes, which are never encrypted.
 */
export function derivePersonId(secret: string, prisonNumber: string): string {
  if (secret.length < 16) throw new Error('PERSON_ID_SECRET must be at least 16 characters');
  if (prisonNumber.trim() === '') throw new Error('prison number is required');
  const digest = createHmac('sha256', secret).update(`NOMS:${prisonNumber}`).digest('hex');
  return `p${digest.slice(0, 20)}`;
}

export function isPersonId(value: string): boolean {
  return PERSON_ID_PATTERN.test(value);
}
