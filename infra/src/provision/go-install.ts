import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from '../paths';
import { isExecutable, log, mkdirp, run, timed } from '../util';

/**
 * `go install <pkg>@<version>` into <cache>/bin/<name>-<version>, with every piece of Go state
 * (GOPATH, GOMODCACHE, GOCACHE) under <cache>/go so nothing leaks into $HOME and a CI cache of
 * <cache> makes it warm. -modcacherw keeps the module cache deletable. Skips when the binary exists.
 */
export async function goInstall(opts: {
  name: string;
  exe: string;
  pkg: string;
  version: string;
  coldHint: string;
}): Promise<string> {
  const binDir = path.join(paths.binDir, `${opts.name}-${opts.version}`);
  const exe = path.join(binDir, opts.exe);
  if (isExecutable(exe)) {
    log(opts.name, `cached: ${exe}`);
    return exe;
  }
  mkdirp(binDir);
  mkdirp(paths.logDir);
  const logFile = path.join(paths.logDir, `${opts.name}-build.log`);
  const env = {
    ...process.env,
    GOBIN: binDir,
    GOPATH: path.join(paths.goDir, 'path'),
    GOMODCACHE: path.join(paths.goDir, 'mod'),
    GOCACHE: path.join(paths.goDir, 'build'),
    GOFLAGS: '-modcacherw',
    CGO_ENABLED: '0',
  };
  log(
    opts.name,
    `building ${opts.pkg}@${opts.version} with go install (cold: ${opts.coldHint}; log: ${logFile})`,
  );
  await timed(`go install ${opts.name}`, () =>
    run('go', ['install', `${opts.pkg}@${opts.version}`], {
      env,
      logFile,
      scope: opts.name,
      heartbeatMs: 20000,
    }),
  );
  if (!isExecutable(exe)) throw new Error(`go install finished but ${exe} is missing`);
  fs.writeFileSync(path.join(binDir, 'built-at'), new Date().toISOString() + '\n');
  return exe;
}
