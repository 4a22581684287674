/**
 * The crash soak's own platform: a `test` instance of the Supervisor (own state file, free ports,
 * own data dirs, removed when stopped) whose Temporal dev server keeps its state in a database file,
 * with restarts armed for every component (NATS, Temporal, Postgres and the five apps), so that a
 * SIGKILLed component comes back on the same ports and data. It never touches the `platform`
 * instance of `./throughcare start` nor the instance of a concurrent `./throughcare test`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { journeyBundleOptions } from '../../../workflows/throughcare/src/worker/journey-bundle';
import { apps } from '../../../infra/src/apps';
import { paths } from '../../../infra/src/paths';
import { startInfrastructure, type Infrastructure } from '../../../infra/src/supervisor';
import { freePort, httpStatus, log } from '../../../infra/src/util';

export type AppName = 'assessment' | 'referral' | 'liberation' | 'directory' | 'orchestrator';
export const INFRA_COMPONENTS = ['nats', 'temporal', 'postgres'] as const;

export interface ChaosPlatform {
  infra: Infrastructure;
  /** Base URL of each app. */
  urls: Record<AppName, string>;
  /** PERSON_ID_SECRET of this instance (to derive the person id of a reception published on the bus). */
  secret: string;
  env: Record<string, string>;
  /** Every component the soak may kill. */
  components: string[];
  /** Logs of this instance's components. */
  logs: string;
  healthy(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ChaosPlatformOptions {
  /** The apps' LOG_LEVEL (default `warn`; the canary runs the production default, `log`). */
  logLevel?: string;
  /** Leave the instance's data dirs in place when it stops (StartOptions.keepDataOnStop). */
  keepDataOnStop?: boolean;
}

export async function startChaosPlatform(
  instance: string,
  opts: ChaosPlatformOptions = {},
): Promise<ChaosPlatform> {
  const infra = await startInfrastructure({
    profile: 'test',
    instance,
    ignoreDatabaseUrl: true,
    persistentTemporal: true,
    restartInfrastructure: true,
    keepDataOnStop: opts.keepDataOnStop,
  });
  try {
    const secret = randomBytes(24).toString('hex');
    // One prebuilt workflow bundle (as in production, WORKFLOW_BUNDLE_PATH): a restarted
    // orchestrator is back in seconds instead of bundling the workflows again.
    const bundle = await bundleWorkflowCode({
      ...journeyBundleOptions(),
      logger: new DefaultLogger('ERROR', (entry) => log('chaos', `bundle: ${entry.message}`)),
    });
    const bundlePath = path.join(paths.runDir, `${instance}-workflows.js`);
    fs.writeFileSync(bundlePath, bundle.code);
    const env: Record<string, string> = {
      ...infra.env,
      ...infra.payloadEncryption,
      ...infra.auditSeal,
      PERSON_ID_SECRET: secret,
      SWC_NODE_PROJECT: path.join(paths.repoRoot, 'tsconfig.json'),
      LOG_LEVEL: opts.logLevel ?? 'warn',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      // A load harness, one client driving thousands of journeys: the per-client limit is off.
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
    };
    const urls = {} as Record<AppName, string>;
    const start = async (name: AppName) => {
      const app = apps.find((a) => a.name === name)!;
      const port = await freePort();
      urls[name] = `http://127.0.0.1:${port}`;
      await infra.supervisor.spawnApp(
        name,
        process.execPath,
        ['-r', '@swc-node/register', path.join(paths.repoRoot, app.entry)],
        { ...env, PORT: String(port) },
        { url: `${urls[name]}/health`, timeoutMs: 240_000 },
        { restart: true, port, echo: false },
      );
    };
    // The directory first: its migrations seed the agencies the journeys look up.
    await start('directory');
    await Promise.all((['assessment', 'referral', 'liberation', 'orchestrator'] as const).map(start));
    const healthy = async () =>
      (await Promise.all(Object.values(urls).map((u) => httpStatus(`${u}/health`, 3000)))).every(
        (s) => s === 200,
      );
    return {
      infra,
      urls,
      secret,
      env,
      components: infra.supervisor.components(),
      logs: path.join(paths.logDir, `${instance}-*.log`),
      healthy,
      stop: async () => {
        await infra.stop();
        fs.rmSync(bundlePath, { force: true });
      },
    };
  } catch (e) {
    await infra.stop();
    throw e;
  }
}
