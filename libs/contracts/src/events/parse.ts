import type { z } from 'zod';
import { AnyEventEnvelope } from './envelope';
import { EventCatalogue, type KnownEvent, type KnownEventKey } from './catalogue';

export type ParseResult =
  | { ok: true; event: KnownEvent }
  | {
      ok: false;
      code: 'MALFORMED_JSON' | 'INVALID_ENVELOPE' | 'UNKNOWN_EVENT_TYPE' | 'INVALID_DATA';
      reason: string;
    };

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Validates raw bus bytes (or an already-parsed object) against the envelope and the event catalogue. */
export function parseEvent(raw: string | Uint8Array | unknown): ParseResult {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, code: 'MALFORMED_JSON', reason: `body is not JSON: ${(e as Error).message}` };
    }
  }
  const envelope = AnyEventEnvelope.safeParse(value);
  if (!envelope.success) return { ok: false, code: 'INVALID_ENVELOPE', reason: describe(envelope.error) };
  const key = `${envelope.data.eventType}@${envelope.data.version}`;
  if (!(key in EventCatalogue)) {
    return { ok: false, code: 'UNKNOWN_EVENT_TYPE', reason: `no schema for ${key}` };
  }
  const parsed = EventCatalogue[key as KnownEventKey].safeParse(value);
  if (!parsed.success) return { ok: false, code: 'INVALID_DATA', reason: describe(parsed.error) };
  return { ok: true, event: parsed.data as KnownEvent };
}
