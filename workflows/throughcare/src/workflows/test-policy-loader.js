// A webpack loader for the workflow TESTS only (journey-harness.ts, `withWorkers(..., { testPolicy })`):
// never part of the worker's own bundle (worker/journey-bundle.ts).
//
// A journey reads its SLA policy from the domain's seed policies, bundled into the workflow code:
// no activity or input carries it. A rule a seed policy does not set yet (the elevated-risk
// pre-release meeting, `preReleaseMeetingElevatedRisk`) can only be proven end to end on a bundle
// whose seed policies set it. This loader appends to seed-policies.ts, before the registry
// deep-freezes them, an assignment of the test's fields to every policy of one jurisdiction.
'use strict';

module.exports = function testPolicyLoader(source) {
  const { jurisdiction, set } = this.getOptions();
  return (
    `${source}\n` +
    `// Test policy (journey-harness.ts): not a published policy.\n` +
    `for (const policy of SLA_POLICIES)\n` +
    `  if (policy.jurisdiction === ${JSON.stringify(jurisdiction)}) Object.assign(policy, ${JSON.stringify(set)});\n`
  );
};
