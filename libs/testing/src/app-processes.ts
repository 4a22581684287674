import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/** A free loopback TCP port (the OS picks; closed again before the app binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface AppProcess {
  name: string;
  baseUrl: string;
  stop(): Promise<void>;
  /** Everything the process printed, for failure messages. */
  output(): string;
}

const repoRoot = path.resolve(__dirname, '../../..');

/**
 * Starts one of the platform's apps the way `npm start` does (`node -r @swc-node/register
 * <entry>`), in its own process group, and waits for GET /health to answer 200.
 */
export async function startApp(
  name: string,
  entry: string,
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const lines: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', '@swc-node/register', path.join(repoRoot, entry)],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        // Its log lines go to its own output (kept below), not to the test file's log file.
        THROUGHCARE_LOG_FILE: undefined,
        SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
        ...env,
        PORT: String(port),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    lines.push(chunk.toString());
    if (lines.length > 2000) lines.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    name,
    baseUrl,
    output: () => lines.join(''),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  let dead = false;
  void exited.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    const status = await fetch(`${baseUrl}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return app;
    await new Promise((r) => setTimeout(r, 250));
  }
  await app.stop();
  throw new Error(
    `${name} did not become healthy${dead ? ' (process exited)' : ''}:\n${app.output().slice(-4000)}`,
  );
}
