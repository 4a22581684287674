import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SearchAttributes } from '@throughcare/contracts';
import { provisionTemporalCli } from '../provision/temporal-cli';
import { freePort, killGroup, run, tcpReady, waitUntil } from '../util';
import { registerMissingSearchAttributes } from './search-attributes';

/**
 * `./throughcare start` keeps the dev server's database between runs, and `start-dev
 * --search-attribute` registers attributes only when it creates one: a database from an earlier
 * release must get the attributes added since, or the journey worker refuses to start.
 */
describe('registering the search attributes a kept dev-server database lacks (real Temporal CLI)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'throughcare-sa-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('registers the missing ones once, and none the second time', async () => {
    const cli = await provisionTemporalCli();
    const port = await freePort();
    const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)];
    args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
    // An "earlier release": its database made with one attribute only.
    args.push('--db-filename', path.join(dir, 'kept.db'), '--search-attribute', 'ThroughcareStage=Keyword');
    const server = spawn(cli, [...args, '--log-level', 'error'], { stdio: 'ignore', detached: true });
    const address = `127.0.0.1:${port}`;
    try {
      await waitUntil('temporal', () => tcpReady(port), { timeoutMs: 60_000 });
      await waitUntil(
        'temporal (gRPC)',
        async () =>
          run(cli, ['operator', 'cluster', 'health', '--address', address]).then(
            (r) => /SERVING/.test(r.stdout),
            () => false,
          ),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      const exec = (c: string, a: string[]) => run(c, a);
      const added = await registerMissingSearchAttributes(cli, address, 'default', exec);
      expect(added.sort()).toEqual(
        Object.values(SearchAttributes)
          .map((k) => k.name)
          .filter((n) => n !== 'ThroughcareStage')
          .sort(),
      );
      await expect(registerMissingSearchAttributes(cli, address, 'default', exec)).resolves.toEqual([]);
      const { stdout } = await run(cli, [
        'operator',
        'search-attribute',
        'list',
        '--address',
        address,
        '--output',
        'json',
      ]);
      const listed = (JSON.parse(stdout) as { customAttributes: Record<string, string> }).customAttributes;
      expect(listed.OpenBreaches).toBe('INDEXED_VALUE_TYPE_INT');
      expect(listed.SlaPolicy).toBe('INDEXED_VALUE_TYPE_KEYWORD');
    } finally {
      await killGroup(server.pid!, 3000);
    }
  }, 120_000);
});
