import { requireEnv } from '@throughcare/testing';
import { runDirectorySearchBench } from './src/directory-search';

// The fast version of the directory search benchmark (the full one: test/bench/directory-search.ts,
// 10,000 agencies): the same code at 1,000 agencies and one round, so that the benchmark keeps
// working. It asserts what the run did, never how fast: speed is the full run's report.
it('runs the directory search benchmark at 1,000 agencies: imported, searched, with hits', async () => {
  const r = await runDirectorySearchBench({
    adminUrl: requireEnv('DATABASE_URL'),
    agencies: 1000,
    rounds: 1,
  });
  expect(r.agencies).toBe(1000);
  expect(r.services).toBeGreaterThanOrEqual(1000);
  expect(r.searchTyped.n).toBeGreaterThan(100);
  expect(r.searchMisspelt.n).toBe(6);
  expect(r.listing.n).toBeGreaterThan(30);
  expect(r.meanHits).toBeGreaterThan(1);
}, 300_000);
