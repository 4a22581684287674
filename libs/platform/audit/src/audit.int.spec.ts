import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { AuditUnavailableError, AuditWriter, sqlOf } from './audit-writer';
import { auditHash } from './audit-record';
import { AUDIT_TABLE, createAuditMigration, createAuditSealMigration } from './audit.migration';
import { anAuditDraft, insertUnsealedRecords } from './testing';
import { auditRecordFromRow } from './audit-writer';
import { verifyChain } from './verify-chains';

const url = process.env.DATABASE_URL ?? '';
if (!url) throw new Error('DATABASE_URL is required (run through ./throughcare test)');

const draft = anAuditDraft;
/** The sealing keys (kept outside the database, as AUDIT_SEAL_KEYS). */
const seal = { activeKeyId: 'spec-1', keys: new Map([['spec-1', randomBytes(32)]]) };

describe('audit trail store (real Postgres)', () => {
  let db: DataSource;
  let other: DataSource;

  beforeAll(async () => {
    // Two "services" migrating the shared schema: the second run is a no-op.
    db = await createServiceDataSource({
      url,
      schema: 'audit_spec_a',
      entities: [],
      migrations: [createAuditMigration(), createAuditSealMigration()],
    });
    other = await createServiceDataSource({
      url,
      schema: 'audit_spec_b',
      entities: [],
      migrations: [createAuditMigration(), createAuditSealMigration()],
    });
  });
  afterAll(async () => {
    await db?.destroy();
    await other?.destroy();
  });

  it('chains records per chain: gapless seq and prev_hash, also with concurrent writers in two pools', async () => {
    const chain = `spec-${randomUUID()}`;
    const a = new AuditWriter(db, chain, seal);
    const b = new AuditWriter(other, chain, seal);
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
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toEqual({
      chain,
      records: 20,
      unsealed: 0,
      firstBrokenSeq: null,
      problem: null,
      head: rows[rows.length - 1].hash,
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit records', async () => {
    const chain = `spec-${randomUUID()}`;
    const record = await new AuditWriter(db, chain, seal).append(draft());
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
    const writer = new AuditWriter(db, chain, seal);
    for (let i = 0; i < 5; i++) await writer.append(draft({ subjectPerson: `p${String(i).repeat(20)}` }));
    await db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
      await tx.query(`UPDATE ${AUDIT_TABLE} SET actor = 'client:innocent' WHERE chain = $1 AND seq = 3`, [
        chain,
      ]);
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
    });
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toEqual({
      chain,
      records: 3,
      unsealed: 0,
      firstBrokenSeq: 3,
      problem: 'seal does not match the record',
    });

    const gap = `spec-${randomUUID()}`;
    const gapWriter = new AuditWriter(db, gap, seal);
    for (let i = 0; i < 4; i++) await gapWriter.append(draft());
    await db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
      await tx.query(`DELETE FROM ${AUDIT_TABLE} WHERE chain = $1 AND seq = 2`, [gap]);
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
    });
    expect(await verifyChain(sqlOf(db.manager), gap, seal)).toMatchObject({
      firstBrokenSeq: 2,
      problem: 'seq 2 is missing (next is 3)',
    });
  });

  it('stores text carrying U+0000 or a lone surrogate (escaped, not refused by Postgres), and the chain still verifies', async () => {
    const chain = `spec-${randomUUID()}`;
    const writer = new AuditWriter(db, chain, seal);
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
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toEqual({
      chain,
      records: 2,
      unsealed: 0,
      firstBrokenSeq: null,
      problem: null,
      head: expect.any(String),
    });
  });

  it('seals: whoever rewrites a record without the sealing keys cannot make verify accept it, however they rehash', async () => {
    const chain = `spec-${randomUUID()}`;
    const writer = new AuditWriter(db, chain, seal);
    for (let i = 0; i < 5; i++) await writer.append(draft());
    const stored = await db.query(`SELECT key_id FROM ${AUDIT_TABLE} WHERE chain = $1 ORDER BY seq`, [chain]);
    expect(stored.map((r: { key_id: string }) => r.key_id)).toEqual(Array(5).fill('spec-1'));
    /** A database owner's rewrite of seq >= 3: new actor, every later hash recomputed as `hash`. */
    const rewrite = async (
      hash: (record: ReturnType<typeof auditRecordFromRow>) => string,
      keyId: 'keep' | 'drop',
    ) =>
      db.transaction(async (tx) => {
        await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
        const rows = await tx.query(`SELECT * FROM ${AUDIT_TABLE} WHERE chain = $1 ORDER BY seq`, [chain]);
        let prev = rows[1].hash as string;
        for (const row of rows.slice(2)) {
          const record = {
            ...auditRecordFromRow(row),
            actor: 'client:innocent',
            prevHash: prev,
            keyId: keyId === 'drop' ? null : (row.key_id as string),
          };
          prev = hash(record);
          await tx.query(
            `UPDATE ${AUDIT_TABLE} SET actor = $2, prev_hash = $3, hash = $4, key_id = $5 WHERE id = $1`,
            [record.id, record.actor, record.prevHash, prev, record.keyId],
          );
        }
        await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
      });
    // What anyone can compute without the keys: the plain SHA-256 of an unsealed record.
    const sha256 = (r: ReturnType<typeof auditRecordFromRow>) => auditHash({ ...r, keyId: null });
    // Rehashed as before sealing (plain SHA-256), key ids kept: the seal is wrong.
    await rewrite(sha256, 'keep');
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toMatchObject({
      firstBrokenSeq: 3,
      problem: 'seal does not match the record',
    });
    // Passed off as records from before sealing: an unsealed record may not follow sealed ones.
    await rewrite(sha256, 'drop');
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toMatchObject({
      firstBrokenSeq: 3,
      problem: 'an unsealed record after sealed ones',
    });
    // Sealed with a key of the rewriter's own under a made-up id: not a key verify holds.
    await db.transaction(async (tx) => {
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_append_only`);
      await tx.query(`UPDATE ${AUDIT_TABLE} SET key_id = 'mine' WHERE chain = $1 AND seq = 3`, [chain]);
      await tx.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE TRIGGER audit_record_append_only`);
    });
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toMatchObject({
      firstBrokenSeq: 3,
      problem: 'sealed with key "mine", which is not in AUDIT_SEAL_KEYS',
    });
  });

  it('rotates: records sealed under an old key still verify while it is listed; new ones use the new key', async () => {
    const chain = `spec-${randomUUID()}`;
    await new AuditWriter(db, chain, seal).append(draft());
    const rotated = { activeKeyId: 'spec-2', keys: new Map([...seal.keys, ['spec-2', randomBytes(32)]]) };
    await new AuditWriter(db, chain, rotated).append(draft());
    const ids = await db.query(`SELECT key_id FROM ${AUDIT_TABLE} WHERE chain = $1 ORDER BY seq`, [chain]);
    expect(ids.map((r: { key_id: string }) => r.key_id)).toEqual(['spec-1', 'spec-2']);
    expect(await verifyChain(sqlOf(db.manager), chain, rotated)).toMatchObject({
      records: 2,
      firstBrokenSeq: null,
    });
    // With the old key dropped from the list, its records no longer verify (keep it listed).
    expect(
      await verifyChain(sqlOf(db.manager), chain, {
        keys: new Map([['spec-2', rotated.keys.get('spec-2')!]]),
      }),
    ).toMatchObject({
      firstBrokenSeq: 1,
      problem: 'sealed with key "spec-1", which is not in AUDIT_SEAL_KEYS',
    });
  });

  it('verifies a chain begun before sealing: unsealed records first (counted), sealed ones after', async () => {
    const chain = `spec-${randomUUID()}`;
    // Two records as the store wrote them before sealing (key_id null, plain SHA-256).
    await insertUnsealedRecords(sqlOf(db.manager), chain, 2);
    await new AuditWriter(db, chain, seal).append(draft());
    expect(await verifyChain(sqlOf(db.manager), chain, seal)).toEqual({
      chain,
      records: 3,
      unsealed: 2,
      firstBrokenSeq: null,
      problem: null,
      head: expect.any(String),
    });
  });

  it('fails closed: a write that cannot be made is an AuditUnavailableError and rolls back the transaction it joined', async () => {
    const chain = `spec-${randomUUID()}`;
    await db.query(`CREATE TABLE IF NOT EXISTS audit_spec_a.change_probe (id text PRIMARY KEY)`);
    const id = randomUUID();
    const writer = new AuditWriter(db, chain, seal);
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
