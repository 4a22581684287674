import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { ConfigError } from '@throughcare/platform-config';
import {
  AesGcmPayloadCodec,
  dataConverterFrom,
  ENCRYPTED_ENCODING,
  METADATA_ENCRYPTION_KEY_ID,
  payloadCodecFrom,
  PayloadDecryptionError,
} from './payload-codec';
import { ENCRYPTED_FAILURE_CONVERTER_PATH } from './failure-converter-path';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64');
const text = (bytes: Uint8Array | null | undefined) =>
  Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

const personal = { prisonNumber: 'A1234BC', name: 'Jane Marker-Doe' };
const plain = (): Payload => defaultPayloadConverter.toPayload(personal)!;

const codecWith = (keys: string, active: string) =>
  payloadCodecFrom({ PAYLOAD_ENCRYPTION_KEYS: keys, PAYLOAD_ENCRYPTION_KEY_ID: active });

describe('AesGcmPayloadCodec', () => {
  const codec = codecWith(`a:${b64(keyA)}`, 'a');

  it('round-trips a payload, metadata included, and hides it while encoded', async () => {
    const original = plain();
    const [encoded] = await codec.encode([original]);
    expect(text(encoded!.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('a');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    const raw = Buffer.from(encoded!.data!);
    expect(raw.includes('A1234BC')).toBe(false);
    expect(raw.includes('json/plain')).toBe(false);
    const [decoded] = await codec.decode([encoded!]);
    expect(text(decoded!.metadata![METADATA_ENCODING_KEY])).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(personal);
  });

  it('uses a fresh IV for every payload (the same value never encrypts the same way twice)', async () => {
    const [one, two] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(one!.data!).subarray(0, 12).equals(Buffer.from(two!.data!).subarray(0, 12))).toBe(
      false,
    );
    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
    // IV (12) + the serialised payload + tag (16)
    expect(one!.data!.length).toBeGreaterThan(12 + 16);
  });

  it('refuses a payload that is not encrypted, by default (nothing reaches a journey in clear)', async () => {
    await expect(codec.decode([plain()])).rejects.toMatchObject({
      name: 'PayloadDecryptionError',
      reason: 'PLAINTEXT_REFUSED',
      message: expect.stringContaining(
        'PLAINTEXT_REFUSED: payload is not encrypted (encoding "json/plain"): refused',
      ),
    });
    await expect(codec.decode([{}])).rejects.toMatchObject({ reason: 'PLAINTEXT_REFUSED' });
    // Refused whole: one encrypted payload beside it does not let the plain one through.
    const [encrypted] = await codec.encode([plain()]);
    await expect(codec.decode([encrypted!, plain()])).rejects.toMatchObject({ reason: 'PLAINTEXT_REFUSED' });
  });

  it('passes a payload that is not encrypted through untouched with PAYLOAD_PLAINTEXT=accept (histories from before encryption)', async () => {
    const accepting = payloadCodecFrom({
      PAYLOAD_ENCRYPTION_KEYS: `a:${b64(keyA)}`,
      PAYLOAD_ENCRYPTION_KEY_ID: 'a',
      PAYLOAD_PLAINTEXT: 'accept',
    });
    const original = plain();
    const [decoded] = await accepting.decode([original]);
    expect(decoded).toBe(original);
    const empty: Payload = {};
    expect((await accepting.decode([empty]))[0]).toBe(empty);
    // And the encrypted ones as ever.
    const [encrypted] = await accepting.encode([plain()]);
    expect(defaultPayloadConverter.fromPayload((await accepting.decode([encrypted!]))[0]!)).toEqual(personal);
  });

  it('rotates: after switching the active key to B with A still listed, old payloads decode and new ones use B', async () => {
    const [underA] = await codec.encode([plain()]);
    const rotated = codecWith(`a:${b64(keyA)}, b:${b64(keyB)}`, 'b');
    const [underB] = await rotated.encode([plain()]);
    expect(text(underB!.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('b');
    const decoded = await rotated.decode([underA!, underB!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([personal, personal]);
    // The old codec (A only) cannot read what B encrypted, and says which key it lacks.
    await expect(codec.decode([underB!])).rejects.toThrow(
      /key id "b", which is not in PAYLOAD_ENCRYPTION_KEYS \(configured: a\)/,
    );
  });

  it('refuses a tampered ciphertext or tag, naming the key id and not the data', async () => {
    const [encoded] = await codec.encode([plain()]);
    for (const at of [12, encoded!.data!.length - 1]) {
      const data = Buffer.from(encoded!.data!);
      data[at]! ^= 0x01;
      const attempt = codec.decode([{ ...encoded!, data: new Uint8Array(data) }]);
      await expect(attempt).rejects.toBeInstanceOf(PayloadDecryptionError);
      await expect(attempt).rejects.toMatchObject({ reason: 'AUTHENTICATION_FAILED', keyId: 'a' });
      await expect(attempt).rejects.toThrow(/key id "a" failed authentication/);
      await expect(attempt).rejects.toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('A1234BC') }),
      );
    }
  });

  it('refuses a payload encrypted under the same id with another key (authentication fails)', async () => {
    const [encoded] = await codecWith(`a:${b64(keyB)}`, 'a').encode([plain()]);
    await expect(codec.decode([encoded!])).rejects.toMatchObject({
      reason: 'AUTHENTICATION_FAILED',
      keyId: 'a',
    });
  });

  it('refuses an unknown key id, a missing key id and a truncated payload clearly', async () => {
    const [encoded] = await codec.encode([plain()]);
    const withId = (id: string): Payload => ({
      ...encoded!,
      metadata: { ...encoded!.metadata, [METADATA_ENCRYPTION_KEY_ID]: Buffer.from(id) },
    });
    await expect(codec.decode([withId('retired-2024')])).rejects.toMatchObject({
      reason: 'UNKNOWN_KEY',
      keyId: 'retired-2024',
      message: expect.stringContaining('key id "retired-2024"'),
    });
    const { [METADATA_ENCRYPTION_KEY_ID]: _dropped, ...noId } = encoded!.metadata!;
    await expect(codec.decode([{ ...encoded!, metadata: noId }])).rejects.toMatchObject({
      reason: 'MALFORMED',
    });
    await expect(codec.decode([{ ...encoded!, data: encoded!.data!.subarray(0, 20) }])).rejects.toMatchObject(
      {
        reason: 'MALFORMED',
        keyId: 'a',
      },
    );
  });

  it('refuses to be built with an active key it does not hold', () => {
    expect(() => new AesGcmPayloadCodec({ activeKeyId: 'x', keys: new Map([['a', keyA]]) })).toThrow(/"x"/);
  });
});

describe('payloadCodecFrom / dataConverterFrom (configuration checked at startup)', () => {
  const problemsOf = (keys: string, active: string): string[] => {
    try {
      codecWith(keys, active);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  };

  it('names each problem: wrong length, duplicate id, bad base64, bad id, active id not listed', () => {
    expect(problemsOf(`a:${b64(randomBytes(16))}`, 'a')).toEqual([
      'PAYLOAD_ENCRYPTION_KEYS: entry 1 (key id "a"): the key is 16 bytes, AES-256 needs 32',
    ]);
    expect(problemsOf(`a:${b64(keyA)},a:${b64(keyB)}`, 'a')).toEqual([
      'PAYLOAD_ENCRYPTION_KEYS: entry 2: key id "a" is listed twice',
    ]);
    expect(problemsOf('a:not*base64!', 'a')).toEqual([
      'PAYLOAD_ENCRYPTION_KEYS: entry 1 (key id "a"): the key is not valid base64',
    ]);
    expect(problemsOf(`${b64(keyA)}`, 'a')).toEqual([
      'PAYLOAD_ENCRYPTION_KEYS: entry 1 is not "id:base64-key"',
    ]);
    expect(problemsOf(`bad id:${b64(keyA)}`, 'a')[0]).toMatch(/entry 1: the key id must be/);
    expect(problemsOf('', 'a')).toEqual(['PAYLOAD_ENCRYPTION_KEYS: lists no key (id:base64-key, …)']);
    expect(problemsOf(`a:${b64(keyA)}`, 'b')).toEqual([
      'PAYLOAD_ENCRYPTION_KEY_ID: "b" is not listed in PAYLOAD_ENCRYPTION_KEYS (listed: a)',
    ]);
  });

  it('never echoes a key in its errors', () => {
    const short = b64(randomBytes(16));
    expect(() => codecWith(`a:${short}`, 'a')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(short) }),
    );
  });

  it('gives clients and workers the codec and the failure converter that encodes messages and stack traces', async () => {
    const converter = dataConverterFrom({
      PAYLOAD_ENCRYPTION_KEYS: `a:${b64(keyA)}`,
      PAYLOAD_ENCRYPTION_KEY_ID: 'a',
    });
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toBe(ENCRYPTED_FAILURE_CONVERTER_PATH);
    const { failureConverter } = (await import(ENCRYPTED_FAILURE_CONVERTER_PATH)) as {
      failureConverter: { options: { encodeCommonAttributes: boolean } };
    };
    expect(failureConverter.options.encodeCommonAttributes).toBe(true);
  });
});
