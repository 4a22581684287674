// Mutation testing of libs/domain: `npm run mutation:domain` (or `./throughcare mutation`).
// (The journey planner has its own: stryker.planner.config.mjs, `./throughcare mutation planner`.)
// Slow (minutes) and so not part of `./throughcare test`. Reports go to
// test/mutation/reports/ (gitignored); the summary is kept in test/mutation/results/domain.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'test/mutation/jest.domain.config.js',
    // Run only the specs that import the mutated file (Jest --findRelatedTests).
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'libs/domain/src/**/*.ts',
    '!libs/domain/src/**/*.spec.ts',
    '!libs/domain/src/**/*.spec-helper.ts',
  ],
  // Copy only what the domain's specs need into the sandbox (node_modules is symlinked).
  ignorePatterns: [
    '/*',
    '!/libs',
    '/libs/*',
    '!/libs/domain',
    '!/libs/contracts',
    '!/libs/testing',
    '!/test',
    '/test/*',
    '!/test/mutation',
    '/test/mutation/reports',
    '!/docs',
    '!/jest.config.js',
    '!/.swcrc',
    '!/tsconfig.base.json',
    '!/package.json',
  ],
  // Static mutants (code run when a module loads: the seed policies, the bank-holiday table built
  // from the rules, the planning-range table) re-run every spec of libs/domain for each mutant,
  // about 650 of ~1100 and over 90% of the time (≈ 1.5 h on a shared 2-core machine). They are
  // reported as "Ignored" and left out of the score; include them with
  // `npm run mutation:domain -- --ignoreStatic false`.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10000,
  // Incremental: a re-run reuses the results of mutants whose code and covering tests did not
  // change (delete the file for a full run). Kept with the reports, not committed.
  incremental: true,
  incrementalFile: 'test/mutation/reports/domain/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'test/mutation/reports/domain/index.html' },
  jsonReporter: { fileName: 'test/mutation/reports/domain/mutation.json' },
  tempDirName: '.cache/stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
