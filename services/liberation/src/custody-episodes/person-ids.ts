import { derivePersonId } from '@throughcare/platform-config';

/** Turns prison numbers into the platform's pseudonymous person ids (HMAC keyed by PERSON_ID_SECRET). */
export class PersonIds {
  constructor(private readonly secret: string) {}

  of(prisonNumber: string): string {
    return derivePersonId(this.secret, prisonNumber);
  }
}
