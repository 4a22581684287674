import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Connection, WorkflowClient } from '@temporalio/client';
import { Client } from 'pg';
import { paths } from './paths';
import { formatStatus, instanceStatus } from './status';
import { RESTART_POLICY, startInfrastructure, Supervisor, type Infrastructure } from './supervisor';
import { provisionNats } from './provision/nats';
import { freePort, httpStatus, isAlive } from './util';

// Starts a second, independent test-profile instance (own state file, ports and data dirs) beside
// the one `npm test` runs, checks each server answers at protocol level, stops it and checks
// that no process it started survives.
describe('supervisor (test profile)', () => {
  let infra: Infrastructure | undefined;
  afterAll(async () => {
    await infra?.stop();
  });

  it('starts NATS JetStream, Postgres, Temporal and the identity provider, then stops every process', async () => {
    infra = await startInfrastructure({
      profile: 'test',
      instance: `selftest-${process.pid}`,
      ignoreDatabaseUrl: true,
    });
    const { env } = infra;
    expect(env.TEMPORAL_NAMESPACE).toBe('default');

    const nc = await connect({ servers: env.NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      expect(info.limits).toBeDefined();
    } finally {
      await nc.close();
    }

    const pg = new Client({ connectionString: env.DATABASE_URL });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ one: number }>('select 1 as one');
      expect(rows[0]?.one).toBe(1);
    } finally {
      await pg.end();
    }

    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      const sa = await connection.operatorService.listSearchAttributes({ namespace: env.TEMPORAL_NAMESPACE });
      expect(Object.keys(sa.customAttributes ?? {})).toEqual(
        expect.arrayContaining(['ThroughcareStage', 'Establishment', 'LocalAuthority', 'NextDeadline']),
      );
    } finally {
      await connection.close();
    }

    const discovery = await fetch(`${infra.endpoints.identityIssuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(infra.env.AUTH_ISSUER);

    const pids = infra.pids();
    expect(pids.length).toBe(4); // temporal, nats, postgres, identity
    await infra.stop();
    infra = undefined;
    for (const pid of pids) expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
  });
});

// Issue 7, finding 11: a crashed component stayed down until someone restarted it by hand.
describe('supervisor: restarts a crashed app', () => {
  const instance = `restart-selftest-${process.pid}`;
  let supervisor: Supervisor | undefined;
  afterAll(async () => {
    await supervisor?.stop();
  });

  const stateOf = async () => (await instanceStatus(instance))!.components.find((c) => c.name === 'tiny')!;
  async function eventually<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 15_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('SIGKILLed, it comes back with a new pid after the backoff, counted in the state file and status', async () => {
    supervisor = new Supervisor(instance, 'test');
    const port = await freePort();
    // A tiny HTTP app: /health answers 200 UP.
    const app = `require('node:http').createServer((q, r) => { r.setHeader('content-type', 'application/json'); r.end(JSON.stringify({ status: 'UP', components: {} })); }).listen(${port}, '127.0.0.1');`;
    const healthUrl = `http://127.0.0.1:${port}/health`;
    const first = await supervisor.spawnApp(
      'tiny',
      process.execPath,
      ['-e', app],
      {},
      { url: healthUrl },
      {
        restart: true,
        port,
      },
    );
    expect(await stateOf()).toMatchObject({ pid: first.pid, alive: true, restarts: 0, health: '200 UP' });

    const killedAt = Date.now();
    process.kill(first.pid, 'SIGKILL');
    const second = await eventually('a new pid, answering /health', async () => {
      const s = await stateOf();
      return s.pid !== first.pid && s.alive && s.health === '200 UP' ? s : undefined;
    });
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(RESTART_POLICY.initialDelayMs);
    expect(second).toMatchObject({ restarts: 1, lastExit: { code: null, signal: 'SIGKILL' } });
    expect(isAlive(first.pid)).toBe(false);
    expect(formatStatus((await instanceStatus(instance))!)).toMatch(
      new RegExp(`tiny\\s+${second.pid}\\s+yes\\s+1\\s+signal SIGKILL`),
    );

    // It exits by itself (as an app whose worker stopped does): restarted again, the backoff doubled.
    const exitedAt = Date.now();
    process.kill(second.pid, 'SIGTERM');
    const third = await eventually('a third pid', async () => {
      const s = await stateOf();
      return s.pid !== second.pid && s.alive ? s : undefined;
    });
    expect(Date.now() - exitedAt).toBeGreaterThanOrEqual(2 * RESTART_POLICY.initialDelayMs);
    expect(third.restarts).toBe(2);

    await supervisor.stop();
    supervisor = undefined;
    for (const pid of [first.pid, second.pid, third.pid])
      expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
    expect(await instanceStatus(instance)).toBeUndefined(); // state file removed
  });

  it('restarts embedded Postgres on the same port and data once restarts are armed', async () => {
    supervisor = new Supervisor(`${instance}-pg`, 'test');
    const pg = await supervisor.startPostgres({ fresh: true, ignoreDatabaseUrl: true, restart: true });
    const query = async (write = false) => {
      const client = new Client({ connectionString: pg.url });
      try {
        await client.connect();
        if (write) await client.query('create table kept (n int); insert into kept values (1)');
        return (await client.query<{ n: number }>('select count(*)::int as n from kept')).rows[0]!.n;
      } catch {
        return undefined;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    expect(await query(true)).toBe(1);
    const [before] = supervisor.pids();
    process.kill(before!, 'SIGKILL');
    const after = await eventually(
      'Postgres back, answering on the same URL',
      async () => {
        const [pid] = supervisor!.pids();
        return pid !== before && (await query()) === 1 ? pid : undefined; // the row written before the kill
      },
      30_000,
    );
    await supervisor.stop();
    supervisor = undefined;
    expect([isAlive(before!), isAlive(after!)]).toEqual([false, false]);
  });

  it('restarts NATS on the same port and JetStream store once restarts are armed', async () => {
    supervisor = new Supervisor(`${instance}-nats`, 'test');
    const { url, monitorUrl } = await supervisor.startNats(await provisionNats(), {
      fresh: true,
      restart: true,
    });
    const [before] = supervisor.pids();
    process.kill(before!, 'SIGKILL');
    const after = await eventually('NATS back with JetStream', async () => {
      const [pid] = supervisor!.pids();
      return pid !== before && (await httpStatus(`${monitorUrl}/healthz?js-enabled-only=true`)) === 200
        ? pid
        : undefined;
    });
    const nc = await connect({ servers: url });
    try {
      expect((await (await jetstreamManager(nc)).getAccountInfo()).limits).toBeDefined();
    } finally {
      await nc.close();
    }
    await supervisor.stop();
    supervisor = undefined;
    expect([isAlive(before!), isAlive(after!)]).toEqual([false, false]);
  });
});

// The crash soak (test/chaos) kills Temporal on a test instance: its state must survive the kill.
describe('supervisor: a test instance with Temporal on a database file', () => {
  let infra: Infrastructure | undefined;
  afterAll(async () => {
    await infra?.stop();
  });

  it('kill("temporal") restarts it on the same port with its workflows kept; stop() removes the file', async () => {
    const instance = `temporal-file-selftest-${process.pid}`;
    infra = await startInfrastructure({
      profile: 'test',
      instance,
      ignoreDatabaseUrl: true,
      persistentTemporal: true,
      restartInfrastructure: true,
    });
    const database = path.join(paths.temporalDataDir, `${instance}.db`);
    expect(fs.existsSync(database)).toBe(true);
    const address = infra.env.TEMPORAL_ADDRESS!;
    const started = await (async () => {
      const connection = await Connection.connect({ address });
      try {
        return await new WorkflowClient({ connection }).start('never-run', {
          workflowId: 'kept-across-a-kill',
          taskQueue: 'nobody-polls',
        });
      } finally {
        await connection.close();
      }
    })();
    const before = infra.supervisor.pidOf('temporal')!;
    expect(infra.supervisor.kill('temporal')).toEqual([before]);
    const status = await (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const connection = await Connection.connect({ address, connectTimeout: 2000 });
          try {
            return (await new WorkflowClient({ connection }).getHandle(started.workflowId).describe()).status
              .name;
          } finally {
            await connection.close();
          }
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    expect(status).toBe('RUNNING');
    const after = infra.supervisor.pidOf('temporal')!;
    expect(after).not.toBe(before);
    expect(isAlive(before)).toBe(false);
    expect(() => infra!.supervisor.kill('nobody')).toThrow(/no component named nobody/);
    await infra.stop();
    infra = undefined;
    expect([isAlive(after), fs.existsSync(database)]).toEqual([false, false]);
  });
});
