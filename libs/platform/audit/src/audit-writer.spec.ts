import { randomBytes } from 'node:crypto';
import { auditHash, chainSealKey, storableDraft, storableText, type AuditDraft } from './audit-record';
import { appendInTransaction, type SqlRunner } from './audit-writer';

const NUL = '\u0000';
const key = randomBytes(32);
const seal = { activeKeyId: 'k1', keys: new Map([['k1', key]]) };

const draft = (overrides: Partial<AuditDraft> = {}): AuditDraft => ({
  actor: 'client:spec',
  clientId: 'spec',
  roles: ['prison-staff'],
  purpose: 'case-work',
  subjectPerson: 'p0123456789abcdef0123',
  disclosedPersons: [],
  action: 'custody-episode.read',
  objectType: 'custody-episode',
  objectId: '1',
  outcome: 'allowed',
  reason: null,
  httpMethod: 'GET',
  route: '/people/:personId/episodes/:episode',
  requestId: 'req-1',
  ...overrides,
});

/**
 * An SqlRunner that answers the writer's statements as an empty chain would, and keeps what the
 * writer sent: the unit under test is what the writer hands to Postgres.
 */
function recordingSql(): { sql: SqlRunner; inserted: () => unknown[] } {
  const sent: Array<{ text: string; params: unknown[] }> = [];
  const now = new Date('2027-03-01T09:00:00.123Z');
  const sql: SqlRunner = (text, params = []) => {
    sent.push({ text, params });
    if (text.includes('pg_advisory_xact_lock')) return Promise.resolve([{}]);
    if (text.includes('clock_timestamp()')) return Promise.resolve([{ now, seq: null, hash: null }]);
    if (text.startsWith('INSERT')) return Promise.resolve([{ id: '1' }]);
    return Promise.reject(new Error(`unexpected statement: ${text}`));
  };
  return {
    sql,
    inserted: () => {
      const insert = sent.find((s) => s.text.startsWith('INSERT'));
      if (!insert) throw new Error('nothing inserted');
      return insert.params;
    },
  };
}

/** Every string in a value, however nested (arrays: roles, disclosed persons). */
const stringsIn = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(stringsIn) : [];

describe('audit writer: text Postgres cannot store', () => {
  it('escapes U+0000 as the visible text \\u0000 and keeps everything else', () => {
    expect(storableText(`/people/a${NUL}b/episodes`)).toBe('/people/a\\u0000b/episodes');
    expect(storableText(`${NUL}${NUL}`)).toBe('\\u0000\\u0000');
    expect(storableText('ordinary text, ünïcödé and 😀')).toBe('ordinary text, ünïcödé and 😀');
  });

  it('replaces a lone surrogate by U+FFFD (what the driver would store) and keeps a pair', () => {
    expect(storableText('a\uD800b')).toBe('a\uFFFDb');
    expect(storableText('a\uDC00')).toBe('a\uFFFD');
    expect(storableText('\uD83D\uDE00')).toBe('😀');
  });

  it('makes every text field of a draft storable, leaving nulls and the outcome alone', () => {
    const dirty = draft({
      actor: `client:x${NUL}`,
      clientId: `x${NUL}`,
      purpose: `case-work${NUL}`,
      subjectPerson: `p${NUL}1`,
      disclosedPersons: [`p${NUL}2`, 'p3'],
      action: `a${NUL}`,
      objectType: `o${NUL}`,
      objectId: `1${NUL}`,
      reason: `REASON${NUL}`,
      httpMethod: `GET${NUL}`,
      route: `/r/${NUL}`,
      requestId: `req${NUL}`,
    });
    const clean = storableDraft(dirty);
    expect(stringsIn(Object.values(clean)).filter((s) => s.includes(NUL))).toEqual([]);
    expect(clean).toMatchObject({
      subjectPerson: 'p\\u00001',
      disclosedPersons: ['p\\u00002', 'p3'],
      reason: 'REASON\\u0000',
      route: '/r/\\u0000',
      purpose: 'case-work\\u0000',
      outcome: 'allowed',
    });
    expect(storableDraft(draft({ clientId: null, reason: null, route: null }))).toMatchObject({
      clientId: null,
      reason: null,
      route: null,
    });
  });

  it('sends Postgres no U+0000 in any parameter, and hashes exactly the text it stores', async () => {
    const { sql, inserted } = recordingSql();
    const record = await appendInTransaction(
      sql,
      'spec',
      draft({
        route: `/people/${NUL}/episodes`,
        reason: `BAD${NUL}`,
        purpose: `${NUL}`,
        subjectPerson: `p${NUL}`,
        disclosedPersons: [`q${NUL}`],
      }),
      seal,
    );
    const params = inserted();
    expect(stringsIn(params).filter((s) => s.includes(NUL))).toEqual([]);
    expect(params).toEqual(
      expect.arrayContaining(['/people/\\u0000/episodes', 'BAD\\u0000', '\\u0000', 'p\\u0000', ['q\\u0000']]),
    );
    expect(record).toMatchObject({ seq: 1, route: '/people/\\u0000/episodes', subjectPerson: 'p\\u0000' });
    // What verify will recompute from the stored row is the hash that was stored.
    const { id: _id, hash, ...stored } = record;
    expect(auditHash(stored, key)).toBe(hash);
    expect(params.slice(-2)).toEqual([hash, 'k1']);
  });

  it('seals with the active key, per chain: the same record under another chain, key or no key hashes otherwise', async () => {
    const { sql } = recordingSql();
    const record = await appendInTransaction(sql, 'spec', draft(), seal);
    expect(record.keyId).toBe('k1');
    const { id: _id, hash, ...stored } = record;
    expect(auditHash(stored, key)).toBe(hash);
    expect(auditHash(stored, randomBytes(32))).not.toBe(hash);
    expect(auditHash({ ...stored, keyId: null })).not.toBe(hash);
    // Per chain: chain A's key is not chain B's.
    expect(chainSealKey(key, 'referral').equals(chainSealKey(key, 'liberation'))).toBe(false);
    expect(() => auditHash(stored)).toThrow('audit record spec#1 is sealed with key "k1": no key given');
    await expect(
      appendInTransaction(sql, 'spec', draft(), { activeKeyId: 'gone', keys: new Map() }),
    ).rejects.toThrow('audit seal key id "gone" is not in the keyring');
  });
});
