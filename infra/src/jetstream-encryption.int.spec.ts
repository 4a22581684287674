import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { jetStreamKeyFile } from './jetstream-key';
import { paths } from './paths';
import { provisionNats } from './provision/nats';
import { Supervisor } from './supervisor';
import { freePort, httpStatus, waitUntil } from './util';

/**
 * JetStream encryption at rest (issue 8): the supervisor's NATS seals its store with the instance's
 * key. Each case starts its own nats-server on free ports and its own store dir.
 */

/** Files under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle, 'utf8');
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && fs.readFileSync(p).includes(bytes)) hits.push(path.relative(dir, p));
    }
  };
  visit(dir);
  return hits;
}

function filesNamed(dir: string, pattern: RegExp): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => pattern.test(path.basename(f)));
}

const marker = () => `A${randomBytes(4).toString('hex').toUpperCase()}-marker-person`;

async function publishAndRead(url: string, stream: string, body: string): Promise<string[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] }).catch(() => undefined);
    if (body) await jetstream(nc).publish(`${stream.toLowerCase()}.x`, body);
    const info = await jsm.streams.info(stream);
    const out: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++)
      out.push((await jsm.streams.getMessage(stream, { seq }))!.string());
    return out;
  } finally {
    await nc.close();
  }
}

describe('JetStream encryption at rest (supervisor NATS)', () => {
  const instance = `jsenc-${process.pid}`;
  let supervisor: Supervisor | undefined;
  let plain: ChildProcess | undefined;
  const storeOf = (name: string) => path.join(paths.natsDataDir, name);

  afterEach(async () => {
    plain?.kill('SIGKILL');
    plain = undefined;
    await supervisor?.stop();
    supervisor = undefined;
  });
  afterAll(() => {
    for (const name of [instance, `${instance}-plain`]) {
      fs.rmSync(storeOf(name), { recursive: true, force: true });
      fs.rmSync(jetStreamKeyFile(name), { force: true });
      fs.rmSync(path.join(paths.runDir, `nats-${name}.conf`), { force: true });
    }
  });

  it('stores a published message only encrypted: readable through NATS, in no store file in clear', async () => {
    supervisor = new Supervisor(instance, 'test');
    supervisor.keepDataOnStop = true;
    const { url } = await supervisor.startNats(await provisionNats(), { fresh: true });
    const secret = marker();
    expect(await publishAndRead(url, 'ENC', JSON.stringify({ prisonNumber: secret }))).toEqual([
      JSON.stringify({ prisonNumber: secret }),
    ]);
    await supervisor.stop(); // flushes and closes the store
    supervisor = undefined;

    const store = storeOf(instance);
    const blocks = filesNamed(store, /\.blk$/);
    const blockBytes = blocks.reduce((n, f) => n + fs.statSync(path.join(store, f)).size, 0);
    const key = fs.readFileSync(jetStreamKeyFile(instance), 'utf8').trim();
    const conf = fs.readFileSync(path.join(paths.runDir, `nats-${instance}.conf`), 'utf8');
    const log = fs.readFileSync(path.join(paths.logDir, `${instance}-nats.log`), 'utf8');
    expect({
      blockBytesAtLeastTheMessage: blockBytes > secret.length,
      encryptedMetadata: filesNamed(store, /^meta\.key$/).length > 0,
      filesWithTheMessageInClear: filesContaining(store, secret),
      keyFileMode: (fs.statSync(jetStreamKeyFile(instance)).mode & 0o777).toString(8),
      confNamesTheCipher: /cipher:\s*chachapoly/.test(conf),
      keyInConf: conf.includes(key),
      keyInLog: log.includes(key),
    }).toEqual({
      blockBytesAtLeastTheMessage: true,
      encryptedMetadata: true,
      filesWithTheMessageInClear: [],
      keyFileMode: '600',
      confNamesTheCipher: true,
      keyInConf: false,
      keyInLog: false,
    });
  });

  it('encrypts a store written without encryption in place, keeps its messages, and refuses it without its key', async () => {
    const name = `${instance}-plain`;
    const store = storeOf(name);
    fs.rmSync(store, { recursive: true, force: true });
    fs.rmSync(jetStreamKeyFile(name), { force: true });
    // A store as written before encryption (the `platform` profile's existing data).
    const exe = await provisionNats();
    const [port, httpPort] = [await freePort(), await freePort()];
    const conf = path.join(paths.runDir, `nats-${name}-plain.conf`);
    fs.writeFileSync(
      conf,
      `port: ${port}\nhttp: 127.0.0.1:${httpPort}\njetstream { store_dir: ${JSON.stringify(store)} }\n`,
    );
    plain = spawn(exe, ['-c', conf], { stdio: 'ignore' });
    const child = plain;
    await waitUntil(
      'plain nats',
      async () => (await httpStatus(`http://127.0.0.1:${httpPort}/healthz?js-enabled-only=true`)) === 200,
      { timeoutMs: 30_000, child },
    );
    const secret = marker();
    await publishAndRead(`nats://127.0.0.1:${port}`, 'OLD', secret);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    plain = undefined;
    fs.rmSync(conf, { force: true });
    // The scan sees a message in clear when there is one.
    expect(filesContaining(store, secret).length).toBeGreaterThan(0);

    // Started by the supervisor with a key: converted, still readable, no longer in clear.
    supervisor = new Supervisor(name, 'platform');
    const { url } = await supervisor.startNats(exe, { fresh: false });
    expect(await publishAndRead(url, 'OLD', '')).toEqual([secret]);
    await supervisor.stop();
    supervisor = undefined;
    expect(filesContaining(store, secret)).toEqual([]);

    // Key file lost: refused before nats-server starts (it would only warn and drop the stream).
    const keyFile = jetStreamKeyFile(name);
    const key = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    supervisor = new Supervisor(name, 'platform');
    await expect(supervisor.startNats(exe, { fresh: false })).rejects.toThrow(
      /is encrypted, but its key file .* is missing/,
    );
    await supervisor.stop();

    // Another key: the start fails rather than run without the stream.
    fs.writeFileSync(keyFile, `js${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    supervisor = new Supervisor(name, 'platform');
    await expect(supervisor.startNats(exe, { fresh: false })).rejects.toThrow(
      /cannot be decrypted with the key/,
    );
    await supervisor.stop();

    // With its own key back, the messages are all there.
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    supervisor = new Supervisor(name, 'platform');
    expect(await publishAndRead((await supervisor.startNats(exe, { fresh: false })).url, 'OLD', '')).toEqual([
      secret,
    ]);
  }, 180_000);
});
