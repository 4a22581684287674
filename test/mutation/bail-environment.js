// Jest environment for Stryker's mutant runs: once a test has failed, the tests after it in the
// file are skipped (Stryker turns Jest's bail off, and Jest never bails inside a file anyway). A
// mutant is killed by its first failing test whatever follows, so this changes no verdict; it
// spares a killed mutant the remaining covering tests (the property runs, listed last). Dry runs
// (no active mutant) run everything: Stryker needs every test's coverage and result.
const { TestEnvironment } = require('jest-environment-node');

class BailAfterFirstFailure extends TestEnvironment {
  failed = false;

  async handleTestEvent(event, state) {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined) {
      if (event.name === 'test_done' && event.test.errors.length > 0) this.failed = true;
      if (event.name === 'test_start' && this.failed) event.test.mode = 'skip';
    }
    await super.handleTestEvent?.(event, state);
  }
}

module.exports = BailAfterFirstFailure;
