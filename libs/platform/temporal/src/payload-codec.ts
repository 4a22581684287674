import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  METADATA_ENCODING_KEY,
  type DataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { payloadKeyringFrom, type PayloadKeyring } from '@throughcare/platform-config';
import { ENCRYPTED_FAILURE_CONVERTER_PATH } from './failure-converter-path';

/** `encoding` of an encrypted payload (the value Temporal's samples and codec servers use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted a payload (in clear, so the right key can be found). */
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type PayloadDecryptionFailure =
  | 'UNKNOWN_KEY'
  | 'AUTHENTICATION_FAILED'
  | 'MALFORMED'
  | 'PLAINTEXT_REFUSED';

/**
 * What `decode` does with a payload that is not encrypted: `refuse` (the default) fails it, so
 * that nobody with access to the Temporal frontend can feed the journeys data in clear (a signal
 * sent without the codec) and nothing slips by unencrypted unnoticed; `accept` passes it through,
 * for a deployment whose histories began before encryption (PAYLOAD_PLAINTEXT=accept).
 */
export type PlaintextPayloads = 'refuse' | 'accept';

/**
 * A payload that cannot be decrypted. The message names the key id and why, never the data.
 * A worker that meets one fails the task (and retries it) rather than using bad data.
 */
export class PayloadDecryptionError extends Error {
  constructor(
    readonly reason: PayloadDecryptionFailure,
    readonly keyId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * AES-256-GCM payload codec (Temporal's samples-typescript `encryption` sample, on Node's crypto).
 * `encode` serialises the whole Payload proto (its metadata included, so the original `encoding`
 * is hidden too) and encrypts it under the active key with a random 12-byte IV per payload:
 * `data = IV ‖ ciphertext ‖ 16-byte tag`, metadata `encoding: binary/encrypted` and
 * `encryption-key-id: <id>`. `decode` decrypts with whichever listed key the payload names, and
 * refuses payloads that are not `binary/encrypted` unless told to accept them (`plaintext`:
 * histories recorded before encryption).
 *
 * Not bound to its workflow yet: a ciphertext moved to another history by someone able to write
 * Temporal's database would decrypt there. The SDK (1.24) does pass codecs an experimental
 * serialization context (namespace and workflow id; for an activity the workflow id only "when
 * known"), which could bind each ciphertext to its workflow as GCM associated data; that is not
 * built, because a context that differs between encode and decode (an activity's workflow id
 * known on one side only) would make the journeys' own payloads unreadable.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly plaintext: PlaintextPayloads;

  constructor(
    private readonly keyring: PayloadKeyring,
    { plaintext = 'refuse' }: { plaintext?: PlaintextPayloads } = {},
  ) {
    this.plaintext = plaintext;
    const active = keyring.keys.get(keyring.activeKeyId);
    if (!active) throw new Error(`payload encryption key id "${keyring.activeKeyId}" is not in the keyring`);
  }

  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.encodeOne(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.decodeOne(payload)));
  }

  /** One payload, synchronously (the codec endpoint reports failures per payload). */
  encodeOne(payload: Payload): Payload {
    const keyId = this.keyring.activeKeyId;
    const key = this.keyring.keys.get(keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: utf8.encode(keyId),
      },
      data: new Uint8Array(data),
    };
  }

  /**
   * One payload, synchronously. `plaintext` overrides the codec's own setting (the codec endpoint
   * shows an operator a payload in clear as it is: decoding it reveals nothing new).
   */
  decodeOne(payload: Payload, plaintext: PlaintextPayloads = this.plaintext): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || text.decode(encoding) !== ENCRYPTED_ENCODING) {
      if (plaintext === 'accept') return payload;
      throw new PayloadDecryptionError(
        'PLAINTEXT_REFUSED',
        undefined,
        `PLAINTEXT_REFUSED: payload is not encrypted (encoding ${encoding ? JSON.stringify(text.decode(encoding)) : 'none'}): refused; PAYLOAD_PLAINTEXT=accept reads histories from before encryption`,
      );
    }
    const keyIdBytes = payload.metadata?.[METADATA_ENCRYPTION_KEY_ID];
    if (!keyIdBytes || keyIdBytes.length === 0)
      throw new PayloadDecryptionError(
        'MALFORMED',
        undefined,
        'encrypted payload names no encryption-key-id',
      );
    const keyId = text.decode(keyIdBytes);
    const key = this.keyring.keys.get(keyId);
    if (!key)
      throw new PayloadDecryptionError(
        'UNKNOWN_KEY',
        keyId,
        `payload encrypted with key id "${keyId}", which is not in PAYLOAD_ENCRYPTION_KEYS (configured: ${[...this.keyring.keys.keys()].join(', ')})`,
      );
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(
        'MALFORMED',
        keyId,
        `payload encrypted with key id "${keyId}" is too short to hold an IV and an authentication tag`,
      );
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        'AUTHENTICATION_FAILED',
        keyId,
        `payload encrypted with key id "${keyId}" failed authentication (tampered, truncated, or encrypted with another key under that id)`,
      );
    }
    try {
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(
        'MALFORMED',
        keyId,
        `payload encrypted with key id "${keyId}" decrypted to something that is not a Payload`,
      );
    }
  }
}

/** `fn`'s result as a promise, its error as a rejection (never a synchronous throw). */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

/** The codec from `PAYLOAD_ENCRYPTION_KEYS` / `PAYLOAD_ENCRYPTION_KEY_ID` (ConfigError if they are wrong). */
export function payloadCodecFrom(config: PayloadEncryptionConfig): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec(payloadKeyringFrom(config), {
    plaintext: config.PAYLOAD_PLAINTEXT ?? 'refuse',
  });
}

export interface PayloadEncryptionConfig {
  PAYLOAD_ENCRYPTION_KEYS: string;
  PAYLOAD_ENCRYPTION_KEY_ID: string;
  /** Default `refuse` (see PlaintextPayloads). */
  PAYLOAD_PLAINTEXT?: PlaintextPayloads;
}

/**
 * What every Temporal client and worker of the platform uses: payloads encrypted by the codec,
 * and failure messages and stack traces moved into an (encrypted) payload by
 * `DefaultFailureConverter({ encodeCommonAttributes: true })`. Workflow bundles must be built
 * with the same failure converter: `bundleWorkflowCode({ failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH })`.
 */
export function dataConverterFrom(config: PayloadEncryptionConfig): DataConverter {
  return dataConverterWith(payloadCodecFrom(config));
}

export function dataConverterWith(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH };
}
