// Stryker runs Jest in a sandbox copy of the repo whose node_modules is a symlink to the repo's,
// and node_modules/@throughcare/* are workspace symlinks back to the LIVE libs/. Without this map
// the sandbox's mutated planner imported the live libs/domain: an edit made there during a run
// (a renamed export) failed 1,787 mutants with "clockPolicy is not a function", counted as kills
// (2026-11-30). Mapped to the sandbox's own copies, a run measures one consistent tree.
module.exports = {
  '^@throughcare/domain$': '<rootDir>/libs/domain/src/index.ts',
  '^@throughcare/contracts$': '<rootDir>/libs/contracts/src/index.ts',
  '^@throughcare/testing$': '<rootDir>/libs/testing/src/index.ts',
};
