// Jest config for Stryker's jest-runner over the journey planner (`./throughcare mutation planner`):
// the root config's `unit` project, flattened and limited to the journey core's specs, loaded as
// one test file (journey-core.stryker-tests.ts: about 6x less Jest overhead per mutant). The property
// tests draw 15 scenarios each here (60 in `./throughcare test`) with a fixed seed, so that each
// mutant runs in seconds and a kill is reproducible. Not used by `./throughcare test`.
const path = require('node:path');

const root = require('../../jest.config.js');
const unit = root.projects.find((p) => p.displayName === 'unit');
if (!unit) throw new Error('jest.config.js has no "unit" project');

const project = { ...unit };
delete project.displayName;
process.env.PLANNER_PROPERTY_RUNS ??= '15';

/** @type {import('jest').Config} */
module.exports = {
  ...project,
  rootDir: path.join(__dirname, '..', '..'),
  roots: ['<rootDir>/workflows/throughcare/src/workflows/journey', '<rootDir>/test/mutation'],
  // The journey's specs as one test file (one module registry per mutant run, not eleven).
  testMatch: ['<rootDir>/test/mutation/journey-core.stryker-tests.ts'],
  setupFiles: [...(project.setupFiles ?? []), '<rootDir>/test/mutation/fast-check-seed.js'],
  maxWorkers: 1,
  // The sandbox's own libs, not the live repo's through the workspace symlinks (sandbox-modules.js).
  moduleNameMapper: { ...project.moduleNameMapper, ...require('./sandbox-modules.js') },
  // A mutant run stops at its first failing test (bail-environment.js); dry runs run everything.
  testEnvironment: path.join(__dirname, 'bail-environment.js'),
};
