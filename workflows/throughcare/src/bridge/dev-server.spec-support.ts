import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_CLI_TYPES, SearchAttributes, TaskQueues } from '@throughcare/contracts';
import { freePort, requireEnv } from '@throughcare/testing';
import { journeyTracingSinks } from '../worker/journey-tracing';

/** The Temporal CLI `./throughcare test` provisioned (<cache>/bin/temporal-v*), or TEMPORAL_CLI. */
function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const bin = path.join(requireEnv('THROUGHCARE_CACHE'), 'bin');
  const dir = fs
    .readdirSync(bin)
    .filter((name) => name.startsWith('temporal-v'))
    .sort()
    .pop();
  if (!dir) throw new Error(`no Temporal CLI under ${bin}: run through ./throughcare test`);
  return path.join(bin, dir, 'temporal');
}

/**
 * A Temporal dev server of the test's own, on a database file, that the test can stop and start
 * again on the same port and file (the shared one of `./throughcare test` must stay up).
 */
export class DevServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly address: string,
    private readonly args: string[],
    private readonly dir: string,
    /** The Temporal UI, when started with `ui`. */
    readonly uiUrl?: string,
  ) {}

  /** `ui`: with the Temporal UI on a port of its own (else headless). */
  static async start(options: { ui?: boolean } = {}): Promise<DevServer> {
    const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const uiPort = options.ui ? await freePort() : undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-dev-server-'));
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
      ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
      '--db-filename',
      path.join(dir, 'temporal.db'),
      '--log-level',
      'warn',
      ...Object.values(SearchAttributes).flatMap((key) => [
        '--search-attribute',
        `${key.name}=${SEARCH_ATTRIBUTE_CLI_TYPES[key.type]}`,
      ]),
    ];
    const server = new DevServer(
      `127.0.0.1:${port}`,
      args,
      dir,
      uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    );
    await server.up();
    return server;
  }

  /** Starts the server (again) and waits until it answers at gRPC level. */
  async up(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'server.log'), 'a');
    this.child = spawn(temporalCli(), this.args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return;
        } finally {
          await connection.close();
        }
      } catch (e) {
        if (this.child.exitCode !== null || Date.now() > deadline) {
          const tail = fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-2000);
          throw new Error(`Temporal dev server did not come up: ${String(e)}\n${tail}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after 10 s); its database file stays. */
  async down(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.down();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A worker of the throughcare task queue running `workflowBundle`, until `stop`. */
export async function startThroughcareWorker(options: {
  address: string;
  namespace: string;
  dataConverter: DataConverter;
  workflowBundle: { code: string };
}): Promise<{ stop: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter,
    taskQueue: TaskQueues.throughcare,
    workflowBundle: options.workflowBundle,
    sinks: journeyTracingSinks(),
  });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
