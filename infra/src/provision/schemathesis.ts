import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from '../paths';
import { isExecutable, log, mkdirp, run, timed } from '../util';

/** Schemathesis (PyPI): property-based HTTP fuzzing driven by the services' OpenAPI documents. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * Schemathesis in a Python virtual environment at <cache>/bin/schemathesis-<version>, its
 * dependencies pinned by schemathesis-constraints.txt (a `pip freeze` of a working install) and
 * pip's download cache under <cache>/pip. Skips when installed. `SCHEMATHESIS` overrides with an
 * existing executable. Needs python3 with the venv module (Debian: python3-venv).
 */
export async function provisionSchemathesis(): Promise<string> {
  const override = process.env.SCHEMATHESIS;
  if (override) {
    if (!isExecutable(override)) throw new Error(`SCHEMATHESIS=${override} is not an executable file`);
    return override;
  }
  const venv = path.join(paths.binDir, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const exe = path.join(venv, 'bin', 'schemathesis');
  const done = path.join(venv, 'installed-at');
  if (isExecutable(exe) && fs.existsSync(done)) {
    log('schemathesis', `cached: ${exe}`);
    return exe;
  }
  // Concurrent test runs (THROUGHCARE_INSTANCE) share the cache: one installs, the others wait.
  const lock = `${venv}.lock`;
  mkdirp(paths.binDir);
  for (const until = Date.now() + 10 * 60_000; ; ) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (fs.existsSync(done)) return exe;
      // A lock whose installer died (killed, or its process exited mid-install when another tool
      // failed) is stale: take it over rather than wait for nobody (review finding).
      if (lockOwnerGone(lock)) {
        log('schemathesis', `removing a stale install lock ${lock}`);
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > until)
        throw new Error(`another schemathesis install holds ${lock}; remove it if stale`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (fs.existsSync(done)) return exe;
    await install(venv, exe);
    fs.writeFileSync(done, new Date().toISOString() + '\n');
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return exe;
}

/** Whether the lock's recorded installer is no longer running (a lock without a pid is fresh). */
function lockOwnerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return false; // just made by its owner, pid not written yet (or an older lock: wait it out)
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function install(venv: string, exe: string): Promise<void> {
  fs.rmSync(venv, { recursive: true, force: true });
  mkdirp(paths.logDir);
  const logFile = path.join(paths.logDir, 'schemathesis-install.log');
  const python = process.env.PYTHON ?? 'python3';
  log(
    'schemathesis',
    `installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${venv} (log: ${logFile})`,
  );
  await timed('pip install schemathesis', async () => {
    await run(python, ['-m', 'venv', venv], { logFile, scope: 'schemathesis' }).catch((e: Error) => {
      throw new Error(
        `${python} -m venv failed (install python3 and python3-venv, or set PYTHON): ${e.message}`,
      );
    });
    await run(
      path.join(venv, 'bin', 'pip'),
      [
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--quiet',
        '--constraint',
        path.join(__dirname, 'schemathesis-constraints.txt'),
        `schemathesis==${SCHEMATHESIS_VERSION}`,
      ],
      {
        env: { ...process.env, PIP_CACHE_DIR: path.join(paths.cacheDir, 'pip') },
        logFile,
        scope: 'schemathesis',
        heartbeatMs: 20_000,
      },
    );
  });
  if (!isExecutable(exe)) throw new Error(`pip finished but ${exe} is missing`);
}
