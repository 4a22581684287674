/**
 * `./throughcare chaos [--journeys N] [--concurrency N] [--report] [--instance NAME]`: the crash soak
 * (test/chaos/README.md). Prints progress, then the summary line; exits 1 when anything was lost,
 * missing, duplicated, unexpected, stuck or failed. `--report` writes
 * test/chaos/results/soak-<date>-<N>.{json,md}; without it the report goes to <cache>/logs.
 */
import * as path from 'node:path';
import { paths } from '../../infra/src/paths';
import { markdown, summaryLine, writeReport } from './src/report';
import { runSoak } from './src/soak';

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: ./throughcare chaos [--journeys N (default 2000)] [--concurrency N] [--report] [--instance NAME]\n`,
  );
  process.exit(2);
}

async function main(args: string[]): Promise<void> {
  let journeys = 2000;
  let concurrency: number | undefined;
  let report = false;
  let instance = `chaos-${process.env.THROUGHCARE_INSTANCE ?? 'soak'}`;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => args[++i] ?? usage(`${a} needs a value`);
    if (a === '--journeys') journeys = Number(value());
    else if (a === '--concurrency') concurrency = Number(value());
    else if (a === '--report') report = true;
    else if (a === '--instance') instance = value();
    else usage(`unknown argument ${a}`);
  }
  if (!Number.isInteger(journeys) || journeys < 1) usage('--journeys must be a positive integer');
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
    usage('--concurrency must be a positive integer');
  if (instance === 'platform' || instance === 'test')
    usage(`--instance ${instance} belongs to another command`);

  const result = await runSoak({
    journeys,
    instance,
    ...(concurrency ? { concurrency } : {}),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  const name = `soak-${result.startedAt.slice(0, 10)}-${journeys}`;
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
