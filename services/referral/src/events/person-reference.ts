import type { PersonReference } from '@throughcare/contracts';

/** Services know people only by the pseudonymous THROUGHCARE_ID. */
export function personReferenceOf(personId: string): PersonReference {
  return { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] };
}
