// Root Jest configuration (CommonJS). Run through `npm test` (infra/src/cli.ts), which provisions
// and starts NATS, Postgres and Temporal and exports their addresses before Jest starts.
//
// Workers: Temporal suites are only reliable with one Temporal test environment per Jest
// process and without parallel Temporal suites on 2 cores (each time-skipping server is a JVM,
// each Worker bundles workflows with webpack; two of those at once plus the dev server and
// Postgres starve the 5 s server-start deadline and the worker's task timeouts). So:
// maxWorkers: 1 — the equivalent of --runInBand for the whole run (one worker, files in series),
// still isolated from the supervisor process. The unit project is cheap either way; the
// cost of serial unit tests is seconds, the cost of flaky Temporal suites is trust.
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;
// .swcrc asks for inline source maps; keep them (Jest reads inline maps for stack traces).
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { ...swcrc, swcrc: false }] };

const ignored = ['/node_modules/', '/dist/', '<rootDir>/.cache/', '/.nx/'];

const common = {
  rootDir: __dirname,
  // Each test file's in-process logs go to a file of its own (printed when one of its tests fails).
  setupFilesAfterEnv: ['<rootDir>/infra/src/test-log-file.setup.ts'],
  testEnvironment: 'node',
  transform,
  testPathIgnorePatterns: ignored,
  modulePathIgnorePatterns: ['<rootDir>/.cache/', '/dist/'],
  watchPathIgnorePatterns: ['<rootDir>/.cache/'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  // jose (and request-filtering-agent) ship only ES modules, which Jest's module system cannot require: swc compiles it to
  // CommonJS like our own code (Node itself loads it with require(esm)).
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi|request-filtering-agent)/)'],
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 1,
  // Global on purpose: Jest ignores testTimeout inside `projects` (it is a global option).
  // 120 s covers workflow/e2e suites (worker start + webpack bundle + time skipping on 2 cores);
  // the unit project lowers it to 10 s in a setup file.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.spec.ts'],
      testPathIgnorePatterns: [
        ...ignored,
        '\\.int\\.spec\\.ts$',
        '\\.workflow\\.spec\\.ts$',
        '\\.e2e\\.spec\\.ts$',
        '\\.chaos\\.spec\\.ts$',
        '\\.canary\\.spec\\.ts$',
      ],
      setupFilesAfterEnv: [...common.setupFilesAfterEnv, '<rootDir>/libs/testing/src/jest/unit-timeout.js'],
    },
    {
      ...common,
      displayName: 'integration',
      setupFiles: ['<rootDir>/libs/testing/src/jest/quiet-temporal.js'],
      setupFilesAfterEnv: [...common.setupFilesAfterEnv, '<rootDir>/infra/src/test-empty-bus.setup.ts'],
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
    },
    {
      ...common,
      displayName: 'workflow',
      setupFiles: ['<rootDir>/libs/testing/src/jest/quiet-temporal.js'],
      testMatch: ['<rootDir>/**/*.workflow.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      setupFiles: ['<rootDir>/libs/testing/src/jest/quiet-temporal.js'],
      setupFilesAfterEnv: [...common.setupFilesAfterEnv, '<rootDir>/infra/src/test-empty-bus.setup.ts'],
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.spec.ts'],
    },
    {
      // The short crash soak (test/chaos): its own platform instance, SIGKILLs, a reconciliation.
      ...common,
      displayName: 'chaos',
      setupFiles: ['<rootDir>/libs/testing/src/jest/quiet-temporal.js'],
      testMatch: ['<rootDir>/test/chaos/**/*.chaos.spec.ts'],
    },
    {
      // The personal-data canary (test/canary, issue 8): its own platform instance, marker people,
      // then a byte-wise scan of Temporal, the JetStream store and every log.
      ...common,
      displayName: 'canary',
      setupFiles: ['<rootDir>/libs/testing/src/jest/quiet-temporal.js'],
      testMatch: ['<rootDir>/test/canary/**/*.canary.spec.ts'],
    },
  ],
};
