import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PayloadKeyring } from '@throughcare/platform-config';

/** Standard Webhooks: a secret is `whsec_` + base64 of 24 to 64 random bytes; ours are 32. */
const SECRET_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

export interface SealedSecret {
  keyId: string;
  /** IV (12 bytes) ‖ GCM tag (16 bytes) ‖ ciphertext. */
  sealed: Buffer;
}

/**
 * The signing secret sealed with the active payload encryption key (AES-256-GCM), bound to its
 * endpoint (the endpoint id is the additional authenticated data): a sealed secret copied onto
 * another endpoint's row does not open.
 */
export function sealWebhookSecret(keyring: PayloadKeyring, endpointId: string, secret: string): SealedSecret {
  const key = keyring.keys.get(keyring.activeKeyId)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(endpointId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return { keyId: keyring.activeKeyId, sealed: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
}

export class WebhookSecretUnreadableError extends Error {
  constructor(endpointId: string, why: string) {
    super(`the signing secret of webhook endpoint ${endpointId} cannot be opened: ${why}`);
    this.name = 'WebhookSecretUnreadableError';
  }
}

export function openWebhookSecret(keyring: PayloadKeyring, endpointId: string, secret: SealedSecret): string {
  const key = keyring.keys.get(secret.keyId);
  if (!key)
    throw new WebhookSecretUnreadableError(
      endpointId,
      `key "${secret.keyId}" is not in PAYLOAD_ENCRYPTION_KEYS`,
    );
  const iv = secret.sealed.subarray(0, IV_BYTES);
  const tag = secret.sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ciphertext = secret.sealed.subarray(IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(endpointId, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new WebhookSecretUnreadableError(endpointId, 'it does not authenticate under its key');
  }
}
