import { createHmac } from 'node:crypto';
import { derivePersonId, isPersonId } from './person-id';

const secret = 'test-secret-0123456789';

describe('derivePersonId', () => {
  it('is p + first 20 hex chars of HMAC-SHA256(secret, NOMS:<prison number>)', () => {
    const expected = createHmac('sha256', secret).update('NOMS:A1234BC').digest('hex').slice(0, 20);
    expect(derivePersonId(secret, 'A1234BC')).toBe(`p${expected}`);
  });

  it('is deterministic and distinguishes people and secrets', () => {
    const id = derivePersonId(secret, 'A1234BC');
    expect(derivePersonId(secret, 'A1234BC')).toBe(id);
    expect(derivePersonId(secret, 'A1234BD')).not.toBe(id);
    expect(derivePersonId(`${secret}-other`, 'A1234BC')).not.toBe(id);
    expect(isPersonId(id)).toBe(true);
    expect(id).not.toContain('A1234BC');
  });

  it('refuses a short secret', () => {
    expect(() => derivePersonId('short', 'A1234BC')).toThrow(/16 characters/);
  });
});
