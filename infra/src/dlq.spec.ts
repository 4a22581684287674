import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dlq } from './dlq';

// `./throughcare dlq`: usage mistakes answer 2 with the usage and never call the orchestrator;
// an orchestrator that does not answer, or refuses, answers 1 with why. The API itself is tested
// end to end in workflows/throughcare/src/bridge/bridge-resilience.int.spec.ts.

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await dlq(
    args,
    (s) => void (out += s),
    (s) => void (err += s),
  );
  return { code, out, err };
}

describe('./throughcare dlq', () => {
  const saved = process.env.ORCHESTRATOR_URL;
  const savedToken = process.env.THROUGHCARE_TOKEN;
  let server: Server;
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  beforeAll(async () => {
    // A stand-in orchestrator that refuses everything with a problem+json, to see the CLI report it.
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      authorizations.push(req.headers.authorization);
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({ title: 'Not Found', detail: 'no dead letter 7', code: 'DEAD_LETTER_NOT_FOUND' }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.ORCHESTRATOR_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The CLI's token, as an operator with another identity provider would give it.
    process.env.THROUGHCARE_TOKEN = 'an-operator-token';
  });
  afterAll(async () => {
    process.env.ORCHESTRATOR_URL = saved;
    if (savedToken === undefined) delete process.env.THROUGHCARE_TOKEN;
    else process.env.THROUGHCARE_TOKEN = savedToken;
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    [[], 'which dlq command?'],
    [['purge'], 'unknown dlq command: purge'],
    [['show'], 'show needs the letter'],
    [['replay', 'x1'], 'replay needs the letter'],
    [['discard', '7'], 'discard needs --reason'],
    [['list', '--colour'], "Unknown option '--colour'"],
  ])('refuses %j without calling the orchestrator', async (args, message) => {
    const before = requests.length;
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('usage:');
    expect(requests.length).toBe(before);
  });

  it("reports the orchestrator's refusal (problem+json) and answers 1", async () => {
    const { code, err } = await run(['discard', '7', '--reason', 'duplicate', '--by', 'ops:ann']);
    expect(code).toBe(1);
    expect(err).toBe('POST /dead-letters/7/discard → 404 Not Found: no dead letter 7\n');
    expect(requests.at(-1)).toBe('POST /dead-letters/7/discard');
    expect(authorizations.at(-1)).toBe('Bearer an-operator-token');
  });

  it('never sends the local secrets to an identity provider elsewhere (THROUGHCARE_TOKEN unset)', async () => {
    const saved = { token: process.env.THROUGHCARE_TOKEN, issuer: process.env.AUTH_ISSUER };
    delete process.env.THROUGHCARE_TOKEN;
    process.env.AUTH_ISSUER = 'https://idp.example.org';
    try {
      const before = requests.length;
      const { code, err } = await run(['list']);
      expect(code).toBe(1);
      expect(err).toMatch(/^AUTH_ISSUER https:\/\/idp\.example\.org is not this machine/);
      expect(requests.length).toBe(before);
    } finally {
      process.env.THROUGHCARE_TOKEN = saved.token;
      if (saved.issuer === undefined) delete process.env.AUTH_ISSUER;
      else process.env.AUTH_ISSUER = saved.issuer;
    }
  });

  it('says so when no orchestrator answers', async () => {
    const url = process.env.ORCHESTRATOR_URL;
    process.env.ORCHESTRATOR_URL = 'http://127.0.0.1:1';
    try {
      const { code, err } = await run(['list']);
      expect(code).toBe(1);
      expect(err).toMatch(
        /^no orchestrator answering at http:\/\/127\.0\.0\.1:1 \(is \.\/throughcare start running\?\)/,
      );
    } finally {
      process.env.ORCHESTRATOR_URL = url;
    }
  });
});
