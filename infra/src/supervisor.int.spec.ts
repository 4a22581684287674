import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Connection } from '@temporalio/client';
import { Client } from 'pg';
import { startInfrastructure, type Infrastructure } from './supervisor';
import { isAlive } from './util';

// Starts a second, independent test-profile instance (own state file, ports and data dirs) beside
// the one `npm test` runs, checks each server answers at protocol level, stops it and checks
// that no process it started survives.
describe('supervisor (test profile)', () => {
  let infra: Infrastructure | undefined;
  afterAll(async () => {
    await infra?.stop();
  });

  it('starts NATS JetStream, Postgres and Temporal, then stops every process', async () => {
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

    const pids = infra.pids();
    expect(pids.length).toBe(3); // temporal, nats, postgres
    await infra.stop();
    infra = undefined;
    for (const pid of pids) expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
  });
});
