// Jest config for Stryker's jest-runner over libs/domain (`npm run mutation:domain`). It is the
// root config's `unit` project (same @swc/jest transform and setup), flattened (Stryker runs one
// Jest config, not `projects`) and limited to libs/domain's specs. Not used by `./throughcare test`.
const path = require('node:path');

const root = require('../../jest.config.js');
const unit = root.projects.find((p) => p.displayName === 'unit');
if (!unit) throw new Error('jest.config.js has no "unit" project');

const project = { ...unit };
delete project.displayName;

/** @type {import('jest').Config} */
module.exports = {
  ...project,
  rootDir: path.join(__dirname, '..', '..'),
  roots: ['<rootDir>/libs/domain/src'],
  testMatch: ['<rootDir>/libs/domain/src/**/*.spec.ts'],
  setupFiles: [...(project.setupFiles ?? []), '<rootDir>/test/mutation/fast-check-seed.js'],
  maxWorkers: 1,
  // The sandbox's own libs, not the live repo's through the workspace symlinks (sandbox-modules.js).
  moduleNameMapper: { ...project.moduleNameMapper, ...require('./sandbox-modules.js') },
  // A mutant run stops at its first failing test (bail-environment.js); dry runs run everything.
  testEnvironment: path.join(__dirname, 'bail-environment.js'),
};
