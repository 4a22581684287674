import * as path from 'node:path';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';

const t0 = Date.now();
let logSink: (line: string) => void = (line) => process.stderr.write(line);
export function log(scope: string, message: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  logSink(`[${s}s] [${scope}] ${message}\n`);
}

/** Sends log() lines elsewhere (a file, for a run that must stay quiet); undefined: stderr again. */
export function setLogSink(sink?: (line: string) => void): void {
  logSink = sink ?? ((line) => process.stderr.write(line));
}

export function mkdirp(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Times an async step; returns its result and records `label → ms` in `timings`. */
export const timings: { label: string; ms: number }[] = [];
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    const ms = Date.now() - start;
    timings.push({ label, ms });
    log('time', `${label}: ${(ms / 1000).toFixed(2)} s`);
  }
}

/** A free loopback TCP port (bind to 0, read, close). Small race window; callers retry on EADDRINUSE. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr && typeof addr === 'object') {
        const port = addr.port;
        srv.close(() => resolve(port));
      } else srv.close(() => reject(new Error('no port')));
    });
  });
}

/**
 * `preferred` when it can be bound on loopback now, else a free port, saying so (a bookmark of the
 * preferred port will not reach `what` this time). For the platform's documented, stable ports.
 */
export async function stablePort(preferred: number, what: string): Promise<number> {
  const bindable = await new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
  if (bindable) return preferred;
  const port = await freePort();
  log(
    'ports',
    `${what}: port ${preferred} is taken; using ${port} this time (bookmarks of ${preferred} will not work)`,
  );
  return port;
}

export function tcpReady(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export async function httpStatus(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return (await httpGet(url, timeoutMs))?.status;
}

/** GET `url`: its status and body, or undefined when nothing answers within `timeoutMs`. */
export function httpGet(
  url: string,
  timeoutMs = 1000,
): Promise<{ status?: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, the child dies, or the deadline passes. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; child?: ChildProcess },
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (opts.child && (opts.child.exitCode !== null || opts.child.signalCode !== null)) {
      throw new Error(
        `${what}: process exited (code ${opts.child.exitCode}, signal ${opts.child.signalCode}) before it was ready`,
      );
    }
    if (await check()) return Date.now() - start;
    if (Date.now() - start > opts.timeoutMs) throw new Error(`${what}: not ready after ${opts.timeoutMs} ms`);
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Every process below `pid` (from /proc, children before grandchildren). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    const next = [...parentOf].filter(([, ppid]) => frontier.includes(ppid)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Signals a whole process group (children are spawned `detached`, so pid = pgid), waits up to
 * `graceMs`, then SIGKILLs the group. Resolves when the leader is gone.
 */
export async function killGroup(pid: number, graceMs = 5000): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && !groupAlive(pid)) return;
    await sleep(50);
  }
  send('SIGKILL');
  const hard = Date.now() + 2000;
  while (Date.now() < hard && (isAlive(pid) || groupAlive(pid))) await sleep(50);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs a command to completion, teeing output to a log file; rejects on non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { logFile?: string; scope?: string; heartbeatMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const out = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    out?.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d;
      out?.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
      out?.write(d);
    });
    const start = Date.now();
    const hb = opts.heartbeatMs
      ? setInterval(
          () =>
            log(
              opts.scope ?? cmd,
              `still running (${Math.round((Date.now() - start) / 1000)} s)…${opts.logFile ? ` see ${opts.logFile}` : ''}`,
            ),
          opts.heartbeatMs,
        )
      : undefined;
    child.on('error', (e) => {
      if (hb) clearInterval(hb);
      out?.end();
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (hb) clearInterval(hb);
      out?.end();
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} failed (code ${code}, signal ${signal})\n${(stderr || stdout).split('\n').slice(-30).join('\n')}`,
          ),
        );
    });
  });
}

/** Message of anything thrown (libraries reject with undefined, strings, …); first line unless `full`. */
export function errorLine(e: unknown, full = false): string {
  const msg =
    e instanceof Error ? e.message : e === undefined ? 'unknown error (rejected with undefined)' : String(e);
  return full ? msg : (msg.split('\n')[0] ?? msg);
}

/**
 * Node's own `require`, also inside Jest: Jest replaces `module.createRequire` with its sandboxed
 * registry (which cannot load ESM packages and hands out a per-file copy of `process`), but its
 * mocked `Module.Module` still extends Node's Module, whose prototype `require` is the real loader.
 */
export function nativeRequire(id: string, from: string = __filename): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const moduleApi: unknown = require('node:module');
  type ModuleApi = {
    Module: (new (id: string) => NodeModule & { paths: string[] }) & {
      _nodeModulePaths(dir: string): string[];
    };
  };
  const ModuleCtor = (moduleApi as ModuleApi).Module;
  const m = new ModuleCtor(from);
  m.filename = from;
  m.paths = ModuleCtor._nodeModulePaths(path.dirname(from));
  return m.require(id);
}
