/**
 * Reads an environment variable that `npm test` (infra/src/cli.ts) sets, with a clear message
 * when a suite is run outside it (plain `npx jest` has no servers).
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run tests through \`npm test\`, which provisions the servers ` +
        `(NATS, Postgres, Temporal, the Java test server) and exports their addresses. ` +
        `Extra Jest arguments go after \`--\`, e.g. \`npm test -- --selectProjects integration\`.`,
    );
  }
  return value;
}
