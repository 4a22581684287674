// `node test/mutation/run.mjs [domain|planner] [stryker args]` (`./throughcare mutation …`):
// Stryker over libs/domain (default) or the journey planner, then the summary
// (test/mutation/results/<target>.md) and the mutation score as the last line.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const targets = {
  domain: 'test/mutation/stryker.config.mjs',
  planner: 'test/mutation/stryker.planner.config.mjs',
};
const args = process.argv.slice(2);
const target = args[0] in targets ? args.shift() : 'domain';
process.env.MUTATION_TARGET = target;
const stryker = spawnSync(
  process.execPath,
  [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', targets[target], ...args],
  { cwd: root, stdio: 'inherit' },
);
if (stryker.status !== 0) process.exit(stryker.status ?? 1);
await import('./summarize.mjs');
