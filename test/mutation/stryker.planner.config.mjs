// Mutation testing of the journey's pure core (planner, fact rules, outcome recorders):
// `./throughcare mutation planner` (or `npm run mutation:planner`). Slow (tens of minutes) and so
// not part of `./throughcare test`. Reports go to test/mutation/reports/planner/ (gitignored); the
// summary is kept in test/mutation/results/planner.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'test/mutation/jest.planner.config.js',
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'workflows/throughcare/src/workflows/journey/planner.ts',
    'workflows/throughcare/src/workflows/journey/facts.ts',
    'workflows/throughcare/src/workflows/journey/outcomes.ts',
  ],
  // Copy only what the planner's specs need into the sandbox (node_modules is symlinked).
  ignorePatterns: [
    '/*',
    '!/libs',
    '/libs/*',
    '!/libs/domain',
    '!/libs/contracts',
    '!/libs/testing',
    '!/workflows',
    '/workflows/*',
    '!/workflows/throughcare',
    '!/test',
    '/test/*',
    '!/test/mutation',
    '/test/mutation/reports',
    '!/jest.config.js',
    '!/.swcrc',
    '!/tsconfig.base.json',
    '!/package.json',
  ],
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 30000,
  incremental: true,
  incrementalFile: 'test/mutation/reports/planner/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'test/mutation/reports/planner/index.html' },
  jsonReporter: { fileName: 'test/mutation/reports/planner/mutation.json' },
  tempDirName: '.cache/stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
