import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditWriter, type AuditDraft } from '@throughcare/platform-audit';
import { anAuditDraft } from '@throughcare/platform-audit/src/testing';
import { bearer, requireEnv } from '@throughcare/testing';

// The identity provider the test infrastructure started (AUTH_ISSUER) serves GET /audit/records.
const issuer = requireEnv('AUTH_ISSUER');
const AUDIENCE = 'urn:throughcare:identity';
const aPerson = () => `p${randomBytes(10).toString('hex')}`;

/** Records written straight to the store: about nobody and no object unless the test says. */
const draft = (overrides: Partial<AuditDraft>): AuditDraft =>
  anAuditDraft({ actor: 'client:spec', clientId: 'spec', subjectPerson: null, objectId: null, ...overrides });

describe('auditor API on the identity service (real provider, real Postgres)', () => {
  let db: DataSource;
  let writer: AuditWriter;

  beforeAll(async () => {
    db = await new DataSource({ type: 'postgres', url: requireEnv('DATABASE_URL') }).initialize();
    writer = new AuditWriter(
      db,
      'referral',
      auditSealKeyringFrom({
        AUDIT_SEAL_KEYS: requireEnv('AUDIT_SEAL_KEYS'),
        AUDIT_SEAL_KEY_ID: requireEnv('AUDIT_SEAL_KEY_ID'),
      }),
    );
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const records = (query: string, headers: Record<string, string>) =>
    fetch(`${issuer}/audit/records?${query}`, { headers });

  it('answers 401 without a token and 404 to a caller without the auditor role (recorded as refused)', async () => {
    const person = aPerson();
    const none = await records(`subject=${person}`, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="throughcare"');
    const admin = await bearer({ roles: ['administrator'] }, AUDIENCE);
    const hidden = await records(`subject=${person}`, admin);
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const [refusal] = await db.query(
      `SELECT outcome, reason, action FROM audit.audit_record WHERE chain = 'identity' AND subject_person = $1`,
      [person],
    );
    expect(refusal).toEqual({ outcome: 'refused', reason: 'ROLE_NOT_ADMITTED', action: 'audit-record.list' });
  });

  it('answers who looked at this person (their records only, lists included), newest first, a page at a time, and audits the auditor', async () => {
    const person = aPerson();
    const someoneElse = aPerson();
    await writer.append(draft({ subjectPerson: person, actor: 'client:first', purpose: 'case-work' }));
    await writer.append(draft({ subjectPerson: someoneElse, actor: 'client:other' }));
    await writer.append(
      draft({ action: 'referral.list', disclosedPersons: [someoneElse, person], actor: 'client:second' }),
    );
    await writer.append(
      draft({ subjectPerson: person, actor: 'client:third', purpose: 'safeguarding', outcome: 'not-found' }),
    );
    const auditor = await bearer({ roles: ['auditor'] }, AUDIENCE);

    const first = await records(`subject=${person}&limit=2`, auditor);
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      items: Array<Record<string, unknown>>;
      nextCursor: string | null;
    };
    expect(page1.items.map((i) => [i.actor, i.purpose, i.outcome, i.disclosedInList])).toEqual([
      ['client:third', 'safeguarding', 'not-found', false],
      ['client:second', 'case-work', 'allowed', true],
    ]);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await records(`subject=${person}&limit=2&after=${page1.nextCursor}`, auditor);
    const page2 = (await second.json()) as {
      items: Array<Record<string, unknown>>;
      nextCursor: string | null;
    };
    expect(page2.items.map((i) => i.actor)).toEqual(['client:first']);
    expect(page2.nextCursor).toBeNull();
    expect(JSON.stringify([page1, page2])).not.toContain(someoneElse);

    const byActor = (await (await records(`subject=${person}&actor=client:first`, auditor)).json()) as {
      items: unknown[];
    };
    expect(byActor.items).toHaveLength(1);

    const audited = await db.query(
      `SELECT action, outcome, purpose, roles FROM audit.audit_record WHERE chain = 'identity' AND subject_person = $1`,
      [person],
    );
    expect(audited).toEqual([
      { action: 'audit-record.list', outcome: 'allowed', purpose: 'audit', roles: ['auditor'] },
      { action: 'audit-record.list', outcome: 'allowed', purpose: 'audit', roles: ['auditor'] },
      { action: 'audit-record.list', outcome: 'allowed', purpose: 'audit', roles: ['auditor'] },
    ]);
  });

  it('answers a bad query 400 problem+json naming the field', async () => {
    const auditor = await bearer({ roles: ['auditor'] }, AUDIENCE);
    const bad = await records('subject=Jane%20Doe', auditor);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ field: 'query.subject' }] });
    const cursor = await records(`subject=${aPerson()}&after=nonsense`, auditor);
    expect(await cursor.json()).toMatchObject({ errors: [{ field: 'query.after' }] });
  });
});
