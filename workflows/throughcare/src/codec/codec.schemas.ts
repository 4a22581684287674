import { z } from 'zod';

/**
 * Standard base64 (proto3 JSON `bytes`), padded; the empty string is zero bytes. At most 262,000
 * characters: one such value still fits a body under the HTTP edge's 256 KiB limit (262,144
 * bytes), so a longer one is refused as invalid (400 naming it), as documented, not as too large.
 */
const Base64 = z
  .string()
  .max(262_000)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be base64');

/** One `temporal.api.common.v1.Payload` in proto3 JSON: metadata values and data are base64. */
export const JsonPayloadSchema = z
  .object({
    metadata: z
      .record(z.string().min(1).max(256), Base64)
      .refine((m) => Object.keys(m).length <= 32, 'at most 32 metadata entries')
      .nullish(),
    data: Base64.nullish(),
  })
  .strict();
export type JsonPayload = z.output<typeof JsonPayloadSchema>;

/** Temporal's remote codec protocol: `{ payloads: [...] }` in, `{ payloads: [...] }` out. */
export const CodecBodySchema = z
  .object({
    payloads: z.array(JsonPayloadSchema).max(1000, 'at most 1000 payloads per request'),
  })
  .strict();
export type CodecBody = z.output<typeof CodecBodySchema>;

/**
 * Largest codec request body: the service's own HTTP edge limit (hardenHttp refuses larger bodies
 * with 413 before reading them), stated here for the codec's documentation and tests.
 */
export { DEFAULT_BODY_LIMIT_BYTES as CODEC_MAX_BODY_BYTES } from '@throughcare/platform-http';
