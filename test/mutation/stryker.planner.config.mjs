// Mutation testing of the journey's pure core (planner, fact rules, outcome recorders):
// `./throughcare mutation planner` (or `npm run mutation:planner`). Slow (about an hour here) and so
// not part of `./throughcare test`. Reports go to test/mutation/reports/planner/ (gitignored); the
// summary is kept in test/mutation/results/planner.md. Everything not set here is the domain's.
import domain from './stryker.config.mjs';

const reports = 'test/mutation/reports/planner';
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...domain,
  jest: { ...domain.jest, configFile: 'test/mutation/jest.planner.config.js' },
  mutate: [
    'workflows/throughcare/src/workflows/journey/planner.ts',
    'workflows/throughcare/src/workflows/journey/facts.ts',
    'workflows/throughcare/src/workflows/journey/outcomes.ts',
  ],
  // The domain's sandbox plus the orchestrator's workflows.
  ignorePatterns: [...domain.ignorePatterns, '!/workflows', '/workflows/*', '!/workflows/throughcare'],
  timeoutMS: 30000,
  // Not incremental: the journey's specs run as one bundle file (journey-core.stryker-tests.ts),
  // and Stryker's incremental check would compare the bundle's text, not the specs', so an edited
  // test could keep a stale result. Every run is a full run (about an hour here).
  incremental: false,
  htmlReporter: { fileName: `${reports}/index.html` },
  jsonReporter: { fileName: `${reports}/mutation.json` },
};
