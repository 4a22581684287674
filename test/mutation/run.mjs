// `npm run mutation:domain [-- stryker args]`: Stryker over libs/domain, then the summary
// (test/mutation/results/domain.md) and the mutation score as the last line.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stryker = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'),
    'run',
    'test/mutation/stryker.config.mjs',
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);
if (stryker.status !== 0) process.exit(stryker.status ?? 1);
await import('./summarize.mjs');
