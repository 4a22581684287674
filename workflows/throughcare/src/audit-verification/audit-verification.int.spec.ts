import { Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ActivityFailure,
  ApplicationFailure,
  Client,
  Connection,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowFailedError,
} from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import {
  AUDIT_TABLE,
  AuditWriter,
  createAuditMigration,
  createAuditSealMigration,
} from '@throughcare/platform-audit';
import { anAuditDraft, bypassingAppendOnly } from '@throughcare/platform-audit/src/testing';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { requireEnv } from '@throughcare/testing';
import { auditVerification } from '../workflows/audit-verification.workflow';
import { AUDIT_VERIFICATION_SCHEDULE_ID, AuditVerificationHost } from './audit-verification.host';

// The scheduled audit verification on real Postgres (a database of this file's own, so that the
// chains it breaks on purpose are nobody else's) and the Temporal dev server: the schedule as
// configured, and runs of the workflow on a worker of the spec's own.

const adminUrl = requireEnv('DATABASE_URL');
const database = `audit_schedule_${randomBytes(6).toString('hex')}`;
const url = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
})();
const seal = { activeKeyId: 'schedule-1', keys: new Map([['schedule-1', randomBytes(32)]]) };
const checkpointDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-checkpoints-'));

const draft = (n: number) => anAuditDraft({ objectId: String(n) });

let admin: PgClient;
let db: DataSource;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  // The host's own log lines (each verification's report) stay out of a passing run's output.
  Logger.overrideLogger(false);
  admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  db = await createServiceDataSource({
    url,
    schema: 'schedule_spec',
    entities: [],
    migrations: [createAuditMigration(), createAuditSealMigration()],
  });
  connection = await Connection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
});

afterAll(async () => {
  await client?.schedule
    .getHandle(AUDIT_VERIFICATION_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  await connection?.close();
  await db?.destroy();
  await admin?.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin?.end();
  fs.rmSync(checkpointDir, { recursive: true, force: true });
});

const host = (everyMinutes: number) =>
  new AuditVerificationHost({ databaseUrl: url, seal, everyMinutes, checkpointDir }, client);

describe('scheduled audit verification (Temporal schedule throughcare-audit-verification)', () => {
  it('puts the schedule in place as configured: created, moved to a new interval, deleted at 0', async () => {
    const handle = client.schedule.getHandle(AUDIT_VERIFICATION_SCHEDULE_ID);
    await handle.delete().catch(() => undefined); // another spec's orchestrator may have made it
    await host(360).ensureSchedule();
    const made = await handle.describe();
    expect(made.spec.intervals?.map((i) => i.every)).toEqual([6 * 3_600_000]);
    expect(made.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'auditVerification',
      workflowId: AUDIT_VERIFICATION_SCHEDULE_ID,
      taskQueue: 'throughcare',
    });
    expect(made.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    // A restart with another interval updates it (a second create would fail: it exists).
    await host(60).ensureSchedule();
    expect((await handle.describe()).spec.intervals?.map((i) => i.every)).toEqual([3_600_000]);
    await host(0).ensureSchedule();
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await host(0).ensureSchedule(); // already gone: nothing to do, no error
  });

  it('runs a verification that passes, then fails for good (AUDIT_TRAIL_BROKEN) when records are cut off a chain’s end', async () => {
    const chain = new AuditWriter(db, 'liberation', seal);
    for (let n = 1; n <= 3; n++) await chain.append(draft(n));
    const verifier = host(360);
    const taskQueue = `audit-verification-${randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue,
      workflowsPath: require.resolve('../workflows/audit-verification.workflow'),
      activities: verifier.activities,
    });
    const run = () =>
      client.workflow.execute(auditVerification, {
        taskQueue,
        workflowId: `audit-verification-${randomUUID()}`,
      });
    try {
      await worker.runUntil(async () => {
        const first = await run();
        expect(first.lines[0]).toBe('audit chain liberation: 3 records, intact');
        expect(first.lines[1]).toMatch(/^audit checkpoint: none yet in .*: this run starts one/);
        await chain.append(draft(4));
        const second = await run();
        expect(second.lines[0]).toBe('audit chain liberation: 4 records, intact');
        expect(second.lines[1]).toMatch(
          /^audit checkpoint: 1 chains compared with .*; moved to the heads above$/,
        );

        // Someone able to write the database deletes the newest record: what is left still links,
        // so only the checkpoint shows it.
        await bypassingAppendOnly(db, `DELETE FROM ${AUDIT_TABLE} WHERE chain = 'liberation' AND seq = 4`);
        const failed = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failed).toBeInstanceOf(WorkflowFailedError);
        const activity = (failed as WorkflowFailedError).cause;
        expect(activity).toBeInstanceOf(ActivityFailure);
        const cause = (activity as ActivityFailure).cause as ApplicationFailure;
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect({ type: cause.type, nonRetryable: cause.nonRetryable, message: cause.message }).toEqual({
          type: 'AUDIT_TRAIL_BROKEN',
          nonRetryable: true,
          message: expect.stringMatching(
            /^audit trail verification failed: audit chain liberation: TRUNCATED: it ends at seq 3, but reached seq 4/,
          ) as unknown as string,
        });
        expect((cause.details?.[0] as { lines: string[] }).lines).toContain(
          'audit chain liberation: 3 records, intact',
        );

        // A checkpoint file that is not one is not retried into: the run fails for good, named.
        const [file] = fs.readdirSync(checkpointDir);
        fs.writeFileSync(path.join(checkpointDir, file!), '{"chains": 1}');
        const refused = (await run().then(
          () => undefined,
          (e: unknown) => e,
        )) as WorkflowFailedError;
        const unusable = (refused.cause as ActivityFailure).cause as ApplicationFailure;
        expect({ type: unusable.type, nonRetryable: unusable.nonRetryable }).toEqual({
          type: 'AUDIT_CHECKPOINT_UNUSABLE',
          nonRetryable: true,
        });
        expect(unusable.message).toMatch(/is not an audit checkpoint$/);
      });
    } finally {
      await workerConnection.close();
    }
  }, 120_000);
});
