import * as net from 'node:net';
import { freePort, setLogSink, stablePort } from './util';

describe('stablePort (the documented ports of ./throughcare start)', () => {
  const lines: string[] = [];
  beforeAll(() => setLogSink((line) => lines.push(line)));
  afterAll(() => setLogSink());

  it('keeps the preferred port when it is free, silently', async () => {
    const port = await freePort();
    expect(await stablePort(port, 'Temporal UI')).toBe(port);
    expect(lines).toEqual([]);
  });

  it('falls back to a free port when the preferred one is taken, and says which', async () => {
    const taken = net.createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as net.AddressInfo).port)),
    );
    try {
      const got = await stablePort(port, 'Temporal UI');
      expect(got).not.toBe(port);
      expect(got).toBeGreaterThan(0);
      expect(lines.join('\n')).toContain(`Temporal UI: port ${port} is taken; using ${got} this time`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
