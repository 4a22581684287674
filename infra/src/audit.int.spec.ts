import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  AUDIT_TABLE,
  AuditWriter,
  createAuditMigration,
  createAuditSealMigration,
  type AuditDraft,
  type SqlRunner,
  sqlOf,
  VERIFY_LOCK,
  verifyAuditStore,
} from '@throughcare/platform-audit';
import { bypassingAppendOnly, insertUnsealedRecords } from '@throughcare/platform-audit/src/testing';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { verifyAuditDatabase } from './audit';

// `./throughcare audit verify` end to end: the command (`./throughcare audit …` execs exactly
// `node infra/bin/run.js audit …`; the wrapper itself is not run here, as its lockfile check may
// run `npm ci` in a shared tree) against a database of its own, created for this file, so that
// chains other specs tamper with on purpose are not in it.

const adminUrl = process.env.DATABASE_URL ?? '';
if (!adminUrl) throw new Error('DATABASE_URL is required (run through ./throughcare test)');

const repoRoot = path.resolve(__dirname, '..', '..');
/** This file's sealing keys, handed to the command as AUDIT_SEAL_KEYS. */
const sealKey = randomBytes(32);
const seal = { activeKeyId: 'verify-1', keys: new Map([['verify-1', sealKey]]) };
const sealEnv = { AUDIT_SEAL_KEYS: `verify-1:${sealKey.toString('base64')}`, AUDIT_SEAL_KEY_ID: 'verify-1' };
const database = `audit_verify_${randomBytes(6).toString('hex')}`;
const url = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
})();

/**
 * Runs `audit verify` as the CLI does, on `url`: its exit code and output. Each run keeps its
 * checkpoint in a file of its own unless `checkpointFile` names one (then runs compare).
 */
function runVerify(
  args: string[] = ['verify'],
  checkpointFile = path.join(os.tmpdir(), `audit-checkpoint-${randomBytes(6).toString('hex')}.json`),
  databaseUrl = url,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'infra', 'bin', 'run.js'), 'audit', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: databaseUrl, ...sealEnv, AUDIT_CHECKPOINT_FILE: checkpointFile },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

/**
 * `audit verify` as a process whose stderr is watched as it runs: `said` resolves once a line
 * matches, `exited` says whether it has ended, `done` gives its exit code.
 */
function spawnVerify(checkpointFile: string, databaseUrl: string) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'infra', 'bin', 'run.js'), 'audit', 'verify'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, ...sealEnv, AUDIT_CHECKPOINT_FILE: checkpointFile },
  });
  let stderr = '';
  let exited = false;
  const watchers: Array<() => void> = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of watchers) w();
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      for (const w of watchers) w();
      resolve({ code, stderr });
    }),
  );
  return {
    done,
    exited: () => exited,
    said: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stderr)) resolve();
          else if (exited) reject(new Error(`audit verify exited without saying ${pattern}: ${stderr}`));
        };
        watchers.push(check);
        check();
      }),
  };
}

/** The report without its last line, the checkpoint's (each run here keeps a checkpoint of its own). */
const report = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => !line.startsWith('audit checkpoint: '))
    .join('\n');

/** Runs `sql` as someone who can write the database would: the append-only trigger off for it alone. */
const draft = (n: number): AuditDraft => ({
  actor: 'client:verify-spec',
  clientId: 'verify-spec',
  roles: ['prison-staff'],
  purpose: 'case-work',
  subjectPerson: `p${String(n).padStart(20, '0')}`,
  disclosedPersons: [],
  action: 'custody-episode.read',
  objectType: 'custody-episode',
  objectId: String(n),
  outcome: 'allowed',
  reason: null,
  httpMethod: 'GET',
  route: '/people/:personId/episodes/:episode',
  requestId: null,
});

describe('./throughcare audit verify (real Postgres, the CLI as a process)', () => {
  let admin: Client;
  let db: DataSource | undefined;

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
  });
  afterAll(async () => {
    await db?.destroy();
    await admin?.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin?.end();
  });

  it('says there is nothing to verify in a database without audit records yet (exit 0)', async () => {
    db = await createServiceDataSource({
      url,
      schema: 'verify_spec',
      entities: [],
      migrations: [createAuditMigration(), createAuditSealMigration()],
    });
    const empty = await runVerify();
    expect({ ...empty, stdout: report(empty.stdout) }).toEqual({
      code: 0,
      stdout: 'audit: no audit records yet\n',
      stderr: '',
    });
    expect(empty.stdout).toMatch(/^audit checkpoint: none yet in .*: this run starts one/m);
  });

  it('reports each intact chain with its record count (exit 0), then the first broken seq of a tampered one (exit 1)', async () => {
    const liberation = new AuditWriter(db!, 'liberation', seal);
    const referral = new AuditWriter(db!, 'referral', seal);
    for (let n = 1; n <= 4; n++) await liberation.append(draft(n));
    for (let n = 1; n <= 2; n++) await referral.append(draft(n));

    const good = await runVerify();
    expect({ ...good, stdout: report(good.stdout) }).toEqual({
      code: 0,
      stdout: 'audit chain liberation: 4 records, intact\n' + 'audit chain referral: 2 records, intact\n',
      stderr: '',
    });

    // A superuser rewrites who read seq 3 of liberation's chain (the trigger disabled only inside
    // this transaction); the function behind the command sees the same break as the command.
    await bypassingAppendOnly(
      db!,
      `UPDATE ${AUDIT_TABLE} SET actor = 'client:somebody-else' WHERE chain = 'liberation' AND seq = 3`,
    );
    // The trigger is back on for everybody else.
    await expect(
      db!.query(`UPDATE ${AUDIT_TABLE} SET actor = 'x' WHERE chain = 'referral' AND seq = 1`),
    ).rejects.toThrow(/append-only: UPDATE/);

    const broken = await runVerify();
    expect({ ...broken, stdout: report(broken.stdout) }).toEqual({
      code: 1,
      stdout:
        'audit chain liberation: BROKEN at seq 3 (seal does not match the record)\n' +
        'audit chain referral: 2 records, intact\n',
      stderr: '',
    });
    const lines: string[] = [];
    expect(await verifyAuditDatabase(url, seal, (line) => lines.push(line))).toBe(1);
    expect(lines.join('\n')).toBe(report(broken.stdout).trimEnd());
  });

  it('fails a chain with unsealed records (exit 1) unless --allow-unsealed accepts records from before sealing, and only when a sealed record anchors them', async () => {
    // Records written before sealing (or a chain rewritten by someone without the keys: the two
    // look alike, hence the flag), then one sealed record, whose seal covers their last hash.
    await insertUnsealedRecords(sqlOf(db!.manager), 'directory', 2);
    await new AuditWriter(db!, 'directory', seal).append(draft(1));
    // A chain of unsealed records only: nothing anchors it (it could be made up whole).
    await insertUnsealedRecords(sqlOf(db!.manager), 'assessment', 2);
    const strict = await runVerify();
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(
      'audit chain directory: NOT SEALED: seq 1-2 of 3 carry no seal (from before sealing, or rewritten without the keys); --allow-unsealed accepts records from before sealing\n',
    );
    const allowed = await runVerify(['verify', '--allow-unsealed']);
    expect(allowed.stdout).toContain(
      'audit chain directory: 3 records, intact (seq 1-2 from before sealing: hashed, not sealed; anchored by seq 3)\n',
    );
    expect(allowed.stdout).toContain(
      'audit chain assessment: NOT SEALED: none of its 2 records carries a seal, and nothing anchors them\n',
    );
    // The liberation chain broken above, and the unanchored one, still fail the command.
    expect(allowed.code).toBe(1);
  });

  it('says so when keys are unusable (exit 2), not that the chains are broken', async () => {
    const bad = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(repoRoot, 'infra', 'bin', 'run.js'), 'audit', 'verify'],
        {
          cwd: repoRoot,
          env: {
            ...process.env,
            DATABASE_URL: url,
            AUDIT_SEAL_KEYS: 'k:not-base64!',
            AUDIT_SEAL_KEY_ID: 'k',
          },
        },
        (error, _stdout, stderr) =>
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr: String(stderr) }),
      ),
    );
    expect(bad).toEqual({
      code: 2,
      stderr: expect.stringContaining('audit: the sealing keys are unusable: ') as string,
    });
    expect(bad.stderr).toContain('AUDIT_SEAL_KEYS: entry 1 (key id "k"): the key is not valid base64');
  });

  it("reads every row of a chain and checks the store's guards: rows out of sequence and a removed constraint or trigger fail (exit 1)", async () => {
    // Someone with the owner's rights removes the guards, then slips records in beside the chain
    // (below seq 1, or at a seq already taken) where the auditor API would still show them.
    await db!.query(`ALTER TABLE ${AUDIT_TABLE} DROP CONSTRAINT audit_record_chain_seq_key`);
    await db!.query(`ALTER TABLE ${AUDIT_TABLE} DROP CONSTRAINT audit_record_seq_check`);
    await db!.query(`ALTER TABLE ${AUDIT_TABLE} DISABLE TRIGGER audit_record_no_truncate`);
    await insertUnsealedRecords(sqlOf(db!.manager), 'referral-copy', 1);
    const rewrite = (sql: string) => bypassingAppendOnly(db!, sql);
    await rewrite(`UPDATE ${AUDIT_TABLE} SET chain = 'referral', seq = 0 WHERE chain = 'referral-copy'`);
    const result = await runVerify(['verify', '--allow-unsealed']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'audit store: trigger audit_record_no_truncate does not fire (tgenabled D)\n',
    );
    expect(result.stdout).toContain('audit store: the unique key on (chain, seq) is missing\n');
    expect(result.stdout).toContain('audit store: the check seq >= 1 is missing\n');
    expect(result.stdout).toContain(
      'audit chain referral: BROKEN at seq 1 (the chain starts at seq 0, not 1)\n',
    );
    // A look-alike: a trigger of that name on the table that fires only in replicas.
    await db!.query(`ALTER TABLE ${AUDIT_TABLE} ENABLE REPLICA TRIGGER audit_record_no_truncate`);
    // A row with no chain at all: no walk reads it, the auditor API would serve it.
    await db!.query(`ALTER TABLE ${AUDIT_TABLE} ALTER COLUMN chain DROP NOT NULL`);
    await insertUnsealedRecords(sqlOf(db!.manager), 'no-chain', 1);
    await rewrite(`UPDATE ${AUDIT_TABLE} SET chain = NULL WHERE chain = 'no-chain'`);
    const lookalikes = await runVerify(['verify', '--allow-unsealed']);
    expect(lookalikes.code).toBe(1);
    expect(lookalikes.stdout).toContain(
      'audit store: trigger audit_record_no_truncate does not fire (tgenabled R)\n',
    );
    expect(lookalikes.stdout).toContain('audit store: column chain may be NULL\n');
    expect(lookalikes.stdout).toContain('audit chain (none): BROKEN at seq 0 (rows with no chain)\n');
    // A second row at a seq already taken is read (and, past a batch's end, counted) and reported.
    await rewrite(`UPDATE ${AUDIT_TABLE} SET seq = 2 WHERE chain = 'referral' AND seq = 0`);
    const duplicate = await runVerify(['verify', '--allow-unsealed']);
    expect(duplicate.stdout).toContain(
      'audit chain referral: BROKEN at seq 3 (seq 3 is missing (next is 2))\n',
    );
  });

  it('keeps each chain’s head outside the database and fails a chain cut short or rewritten since (exit 1)', async () => {
    // A database of its own: the tests above leave theirs broken on purpose.
    const name = `audit_cut_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const own = new URL(adminUrl);
    own.pathname = `/${name}`;
    const cutDb = await createServiceDataSource({
      url: own.toString(),
      schema: 'verify_cut_spec',
      entities: [],
      migrations: [createAuditMigration(), createAuditSealMigration()],
    });
    try {
      await checkpointed(cutDb, own.toString());
    } finally {
      await cutDb.destroy();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });

  async function checkpointed(cutDb: DataSource, cutUrl: string): Promise<void> {
    const tmp = () => path.join(os.tmpdir(), `audit-checkpoint-${randomBytes(6).toString('hex')}.json`);
    const checkpoint = tmp();
    const verify = (file = checkpoint) => runVerify(['verify'], file, cutUrl);
    const chain = 'cut';
    const writer = new AuditWriter(cutDb, chain, seal);
    try {
      for (let n = 1; n <= 3; n++) await writer.append(draft(n));
      const first = await verify();
      expect(first.code).toBe(0);
      expect(report(first.stdout)).toBe(`audit chain ${chain}: 3 records, intact\n`);
      expect(first.stdout).toContain(`audit checkpoint: none yet in ${checkpoint}: this run starts one`);
      expect(JSON.parse(fs.readFileSync(checkpoint, 'utf8'))).toMatchObject({
        chains: { [chain]: { seq: 3 } },
      });
      expect(fs.statSync(checkpoint).mode & 0o777).toBe(0o600);

      // The chain grows: it still passes, and the checkpoint moves to the new head.
      await writer.append(draft(4));
      const grown = await verify();
      expect(grown.code).toBe(0);
      expect(grown.stdout).toContain(`audit checkpoint: 1 chains compared with ${checkpoint}`);
      expect(JSON.parse(fs.readFileSync(checkpoint, 'utf8'))).toMatchObject({
        chains: { [chain]: { seq: 4 } },
      });
      let kept = fs.readFileSync(checkpoint);

      // Verifications take turns: while another session holds the verification lock, this one
      // says it waits and leaves the checkpoint alone; once the lock is free it verifies.
      const other = new Client({ connectionString: cutUrl });
      await other.connect();
      try {
        await other.query(`SELECT pg_advisory_lock(hashtext($1))`, [VERIFY_LOCK]);
        const waiting = spawnVerify(checkpoint, cutUrl);
        await waiting.said(/waiting for another verification of this database to finish/);
        expect(fs.readFileSync(checkpoint).equals(kept)).toBe(true);
        expect(waiting.exited()).toBe(false);
        await other.query(`SELECT pg_advisory_unlock(hashtext($1))`, [VERIFY_LOCK]);
        expect(await waiting.done).toMatchObject({ code: 0 });
        expect(JSON.parse(fs.readFileSync(checkpoint, 'utf8'))).toMatchObject({
          chains: { [chain]: { seq: 4 } },
        });
        kept = fs.readFileSync(checkpoint);
      } finally {
        await other.end();
      }

      // A checkpoint changed by someone not taking turns while a run verifies is neither
      // compared nor overwritten: the run fails and says so.
      const client = new Client({ connectionString: cutUrl });
      await client.connect();
      try {
        const edited = `${kept.toString().trimEnd()}\n`.replace('"at": "', '"at": "edited ');
        const sql: SqlRunner = async (text, params) => {
          if (text === 'COMMIT') fs.writeFileSync(checkpoint, edited);
          return (await client.query(text, params)).rows as Array<Record<string, unknown>>;
        };
        const raced = await verifyAuditStore(sql, seal, { checkpoint: { file: checkpoint, dir: '' } });
        expect(raced).toMatchObject({ fails: true, checkpointChanged: true });
        expect(raced.lines.join('\n')).toContain(
          `audit checkpoint: ${checkpoint} CHANGED while this run verified`,
        );
        expect(fs.readFileSync(checkpoint, 'utf8')).toBe(edited);
        fs.writeFileSync(checkpoint, kept);
      } finally {
        await client.end();
      }

      // Somebody who can write the database removes the last record: what is left still links.
      await bypassingAppendOnly(cutDb, `DELETE FROM ${AUDIT_TABLE} WHERE chain = $1 AND seq = 4`, [chain]);
      const truncated = await verify();
      expect(truncated.code).toBe(1);
      expect(truncated.stdout).toContain(`audit chain ${chain}: 3 records, intact`);
      expect(truncated.stdout).toContain(
        `audit chain ${chain}: TRUNCATED: it ends at seq 3, but reached seq 4`,
      );
      // A failing run leaves the checkpoint as it was, byte for byte.
      expect(fs.readFileSync(checkpoint).equals(kept)).toBe(true);
      // Without the checkpoint the cut is invisible: that is what the checkpoint is for.
      const fresh = tmp();
      expect(await verify(fresh)).toMatchObject({ code: 0 });

      // With the keys, one can append another fourth record: it links and seals, but is not the one seen.
      await writer.append({ ...draft(99), actor: 'client:someone-else' });
      const rewritten = await verify();
      expect(rewritten.code).toBe(1);
      expect(rewritten.stdout).toContain(
        `audit chain ${chain}: REWRITTEN: seq 4 is not the record the checkpoint`,
      );
      expect(fs.readFileSync(checkpoint).equals(kept)).toBe(true);

      // Another database's checkpoint is refused (exit 2), and so is a file that is not one.
      expect((await runVerify(['verify'], fresh, url)).code).toBe(2);
      const junk = tmp();
      fs.writeFileSync(junk, '{"chains": 1}');
      expect((await verify(junk)).code).toBe(2);
      for (const f of [fresh, junk]) fs.rmSync(f, { force: true });
    } finally {
      fs.rmSync(checkpoint, { force: true });
    }
  }

  it('answers a wrong sub-command with its usage (exit 2)', async () => {
    expect(await runVerify(['verfy'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'usage: ./throughcare audit verify [--instance NAME] [--allow-unsealed]\n',
    });
  });
});
