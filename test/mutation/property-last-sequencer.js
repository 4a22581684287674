// Jest test sequencer for Stryker's runs over the journey planner: example specs first, property
// specs last. Stryker stops a mutant's run at the first failing test (bail), and Jest's default
// order runs the slowest file (the properties) first, so a mutant that a worked example kills in
// milliseconds used to cost a whole property run.
const Sequencer = require('@jest/test-sequencer').default;

class PropertyLastSequencer extends Sequencer {
  sort(tests) {
    const weight = (t) => (/\.property\.spec\.ts$/.test(t.path) ? 1 : 0);
    return [...tests].sort((a, b) => weight(a) - weight(b) || a.path.localeCompare(b.path));
  }
}

module.exports = PropertyLastSequencer;
