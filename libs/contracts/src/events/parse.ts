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

/** A zod error as one line naming each field (`data.episode: …; version: …`), for a dead letter's reason. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * Why a body is not JSON, without the excerpt of the body that V8's message quotes (`Unexpected
 * token 'o', "{"prisonNumber…" is not valid JSON`): a dead letter's reason is shown to operators
 * and logged, and the body may name a person. The position is kept.
 */
export function notJson(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  const kind = /^Unexpected end of JSON input/.test(message)
    ? 'it ends early'
    : /^Unexpected token/.test(message)
      ? 'unexpected character'
      : 'invalid JSON';
  return `body is not JSON: ${kind}${position ? ` at position ${position}` : ''}`;
}

/** Validates raw bus bytes (or an already-parsed object) against the envelope and the event catalogue. */
export function parseEvent(raw: string | Uint8Array | unknown): ParseResult {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, code: 'MALFORMED_JSON', reason: notJson(e) };
    }
  }
  const envelope = AnyEventEnvelope.safeParse(value);
  if (!envelope.success)
    return { ok: false, code: 'INVALID_ENVELOPE', reason: describeIssues(envelope.error) };
  const key = `${envelope.data.eventType}@${envelope.data.version}`;
  if (!(key in EventCatalogue)) {
    return { ok: false, code: 'UNKNOWN_EVENT_TYPE', reason: `no schema for ${key}` };
  }
  const parsed = EventCatalogue[key as KnownEventKey].safeParse(value);
  if (!parsed.success) return { ok: false, code: 'INVALID_DATA', reason: describeIssues(parsed.error) };
  return { ok: true, event: parsed.data as KnownEvent };
}
