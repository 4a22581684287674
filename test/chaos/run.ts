/**
 * `./throughcare chaos [--journeys N] [--concurrency N] [--report] [--instance NAME]`: the crash soak
 * (test/chaos/README.md). Prints progress, then the summary line; exits 1 when anything was lost,
 * missing, duplicated, unexpected, stuck or failed. `--report` writes
 * test/chaos/results/soak-<date>-<N>.{json,md}; without it the report goes to <cache>/logs.
 *
 * `./throughcare chaos --memory [--journeys N]`: the memory soak: no kills, N journeys (default
 * 10,000), one in ten driven through the whole script and the rest held open at their core
 * screen; the report (memory-soak-<date>-<N>) gives the peak memory of each process.
 * `--no-kills` and `--full-every N` set the two separately.
 */
import * as path from 'node:path';
import { paths } from '../../infra/src/paths';
import { markdown, summaryLine, writeReport } from './src/report';
import { runSoak } from './src/soak';

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: ./throughcare chaos [--journeys N (default 2000; 10000 with --memory)] [--memory] [--no-kills] [--full-every N] [--concurrency N] [--report] [--instance NAME]\n`,
  );
  process.exit(2);
}

async function main(args: string[]): Promise<void> {
  let journeys: number | undefined;
  let concurrency: number | undefined;
  let kills = true;
  let fullEvery = 1;
  let report = false;
  let instance = `chaos-${process.env.THROUGHCARE_INSTANCE ?? 'soak'}`;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => args[++i] ?? usage(`${a} needs a value`);
    if (a === '--journeys') journeys = Number(value());
    else if (a === '--concurrency') concurrency = Number(value());
    else if (a === '--report') report = true;
    else if (a === '--memory') {
      kills = false;
      fullEvery = 10;
    } else if (a === '--no-kills') kills = false;
    else if (a === '--full-every') fullEvery = Number(value());
    else if (a === '--instance') instance = value();
    else usage(`unknown argument ${a}`);
  }
  journeys ??= kills ? 2000 : 10_000;
  if (!Number.isInteger(journeys) || journeys < 1) usage('--journeys must be a positive integer');
  if (!Number.isInteger(fullEvery) || fullEvery < 1) usage('--full-every must be a positive integer');
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
    usage('--concurrency must be a positive integer');
  if (instance === 'platform' || instance === 'test')
    usage(`--instance ${instance} belongs to another command`);

  const result = await runSoak({
    journeys,
    instance,
    kills,
    fullEvery,
    ...(concurrency ? { concurrency } : {}),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  const name = `${kills ? '' : 'memory-'}soak-${result.startedAt.slice(0, 10)}-${journeys}`;
  const dir = report ? path.join(paths.repoRoot, 'test', 'chaos', 'results') : paths.logDir;
  const files = await writeReport(result, dir, report ? name : `${instance}-report`);
  if (!report) process.stdout.write(`\n${markdown(result)}\n`);
  process.stdout.write(`report: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}\n`);
  process.stdout.write(`${summaryLine(result)}\n`);
  process.exit(result.result === 'PASS' ? 0 : 1);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`chaos: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
