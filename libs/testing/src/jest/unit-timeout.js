// Jest's testTimeout is a global option (a per-project value is ignored): the root config sets
// 120 s for Temporal/e2e suites, and unit tests (no servers) get 10 s back here.
jest.setTimeout(10_000);
