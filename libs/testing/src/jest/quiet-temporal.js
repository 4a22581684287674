// A passing run should be quiet: every Temporal worker a test file creates in-process (the apps'
// activity workers, spec workers, journey harnesses) logs through this Runtime at ERROR by default,
// instead of the SDK's INFO (worker state changes, webpack bundle reports, every expected activity
// failure of a failure test: thousands of lines per run). Core (Rust) logs go the same way.
// TEST_TEMPORAL_LOG_LEVEL=WARN (or INFO, DEBUG) brings them back when a failure needs them.
// The Runtime is the one the orchestrator installs in production (installCoreLogWatch): core logs
// are forwarded from WARN whatever is shown, so the journey repair sees non-determinism failures.
const { installCoreLogWatch } = require('../../../platform/temporal/src/core-log-watch');

const level = process.env.TEST_TEMPORAL_LOG_LEVEL || 'ERROR';
if (!installCoreLogWatch({ level, coreLevel: level }))
  throw new Error('quiet-temporal: the Temporal Runtime was already instantiated');
