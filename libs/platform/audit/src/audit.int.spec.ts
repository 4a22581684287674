import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { AuditUnavailableError, AuditWriter, sqlOf } from './audit-writer';
import { AUDIT_TABLE, createAuditMigration } from './audit.migration';
import { anAuditDraft } from './testing';
import { verifyChain } from './verify-chains';

const url = process.env.DATABASE_URL ?? '';
if (!url) throw new Error('DATABASE_URL is required (run through ./throughcare test)');

const draft = anAuditDraft;

describe('audit trail store (real Postgres)', () => {
  let db: DataSource;
  let other: DataSource;

  beforeAll(async () => {
    // Two "services" migrating the shared schema: the second run is a no-op.
    db = await createServiceDataSource({
      url,
      schema: 'audit_spec_a',
      entities: [],
      migrations: [createAuditMigration()],
    });
    other = await createServiceDataSource({
      url,
      schema: 'audit_spec_b',
      entities: [],
      migrations: [createAuditMigration()],
    });
  });
  afterAll(async () => {
    await db?.destroy();
    await other?.destroy();
  });

  it('chains records per chain: gapless seq and prev_hash, also with concurrent writers in two pools', async () => {
    const chain = `spec-${randomUUID()}`;
    const a = new AuditWriter(db, chain);
    const b = new AuditWriter(other, chain);
    const written = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append(draft())));
    expect(written.map((r) => r.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const rows = await db.query(
      `SELECT seq, prev_hash, hash FROM ${AUDIT_TABLE} WHERE chain = $1 ORDER BY seq`,
      [chain],
    );
    expect(rows[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    expect(await verifyChain(sqlOf(db.manager), chain)).toEqual({
      chain,
      records: 20,
      firstBrokenSeq: null,
      problem: null,
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit records', async () => {
    const chain = `spec-${randomUUID()}`;
    const record = await new AuditWriter(db, chain).append(draft());
    await expect(
      db.query(`UPDATE ${AUDIT_TABLE} SET actor = 'someone else' WHERE id = $1`, [record.id]),
    ).rejects.toThrow(/append-only: UPDATE/);
    await expect(db.query(`DELETE FROM ${AUDIT_TABLE} WHERE id = $1`, [record.id])).rejects.toThrow(
      /append-only: DELETE/,
    );
    await expect(db.query(`TRUNCATE ${AUDIT_TABLE}`)).rejects.toThrow(/append-only: TRUNCATE/);
    const [kept] = await db.query(`SELECT actor FROM ${AUDIT_TABLE} WHERE id = $1`, [record.id]);
    expect(kept.actor).toBe('client:test');
  });

  it('verify reports the first tampered seq of a chain (tampered by a superuser with the trigger disabled)', async () => {
    const chain = `spec-${randomUUID()}`;
    const writer = new AuditWriter(db, chain);
    for (let i = 0; i < 5; i++) await writer.append(draft({ subjectPerson: `p${String(i).repeat(20)}` }));
    await db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
      await tx.query(`UPDATE ${AUDIT_TABLE} SET actor = 'client:innocent' WHERE chain = $1 AND seq = 3`, [
        chain,
      ]);
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
    });
    expect(await verifyChain(sqlOf(db.manager), chain)).toEqual({
      chain,
      records: 3,
      firstBrokenSeq: 3,
      problem: 'hash does not match the record',
    });

    const gap = `spec-${randomUUID()}`;
    const gapWriter = new AuditWriter(db, gap);
    for (let i = 0; i < 4; i++) await gapWriter.append(draft());
    await db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
      await tx.query(`DELETE FROM ${AUDIT_TABLE} WHERE chain = $1 AND seq = 2`, [gap]);
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
    });
    expect(await verifyChain(sqlOf(db.manager), gap)).toMatchObject({
      firstBrokenSeq: 2,
      problem: 'seq 2 is missing (next is 3)',
    });
  });

  it('stores text carrying U+0000 or a lone surrogate (escaped, not refused by Postgres), and the chain still verifies', async () => {
    const chain = `spec-${randomUUID()}`;
    const writer = new AuditWriter(db, chain);
    const record = await writer.append(
      draft({
        route: '/referrals/a\u0000b',
        reason: 'REASON\u0000',
        purpose: 'case-work\u0000',
        subjectPerson: 'p\u0000\uD800',
        disclosedPersons: ['q\u0000'],
      }),
    );
    await writer.append(draft());
    const [row] = await db.query(
      `SELECT route, reason, purpose, subject_person, disclosed_persons FROM ${AUDIT_TABLE} WHERE id = $1`,
      [record.id],
    );
    expect(row).toEqual({
      route: '/referrals/a\\u0000b',
      reason: 'REASON\\u0000',
      purpose: 'case-work\\u0000',
      subject_person: 'p\\u0000\uFFFD',
      disclosed_persons: ['q\\u0000'],
    });
    expect(await verifyChain(sqlOf(db.manager), chain)).toEqual({
      chain,
      records: 2,
      firstBrokenSeq: null,
      problem: null,
    });
  });

  it('fails closed: a write that cannot be made is an AuditUnavailableError and rolls back the transaction it joined', async () => {
    const chain = `spec-${randomUUID()}`;
    await db.query(`CREATE TABLE IF NOT EXISTS audit_spec_a.change_probe (id text PRIMARY KEY)`);
    const id = randomUUID();
    const writer = new AuditWriter(db, chain);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO audit_spec_a.change_probe (id) VALUES ($1)`, [id]);
        // outcome outside the CHECK list: the insert fails inside the change's transaction
        await writer.append(draft({ outcome: 'sideways' as never }), tx);
      }),
    ).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(await db.query(`SELECT id FROM audit_spec_a.change_probe WHERE id = $1`, [id])).toEqual([]);
  });
});
