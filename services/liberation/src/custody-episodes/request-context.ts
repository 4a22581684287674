import { randomUUID } from 'node:crypto';
import { correlationIdIn, usableCorrelationId } from '@throughcare/platform-observability';
import { applyDecorators } from '@nestjs/common';
import { BOUNDED_HEADER_SCHEMA } from '@throughcare/platform-http';
import { ApiHeader } from '@nestjs/swagger';
import { z } from 'zod';
import type { Principal } from '@throughcare/platform-auth';
import { parseOrThrow } from '@throughcare/platform-errors';
import { actorOf, scopeOf, type EstablishmentScope } from './prison-scope';

export const CORRELATION_HEADER = 'x-correlation-id';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** OpenAPI for the two headers every recording endpoint reads (correlation id, Idempotency-Key). */
export function ApiRecordingHeaders(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: CORRELATION_HEADER,
      required: false,
      // Any value: one that is blank or over 200 characters starts a new correlation instead of
      // failing the request (requestContextOf), so the document promises no pattern it would not keep.
      schema: { type: 'string' },
      description:
        'Carried into the events emitted (1–200 characters, not blank; any other value starts a new correlation)',
    }),
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      schema: BOUNDED_HEADER_SCHEMA,
      description:
        "A retry with the same key by the same caller answers the first result (keys are the caller's own: " +
        "another caller's identical key is a different key)",
    }),
  );
}

export interface RequestContext {
  /** Who records the fact (`received_by`, `released_by`…): the verified caller, or the bus. */
  actor: string;
  /**
   * The establishments the fact may concern: an HTTP caller's (its token's), checked by the
   * services themselves; `unrestricted` for a fact that arrived on the bus (`fromBus`).
   */
  scope: EstablishmentScope;
  correlationId: string;
  /**
   * The key the fact is recorded once under, namespaced by where it came from so that no two
   * sources share one: `http:<caller>:<Idempotency-Key>` for an HTTP caller (see
   * `httpIdempotencyKey`), `bus:<eventId>` for a bus event. Undefined: no key was sent.
   */
  idempotencyKey: string | undefined;
  /**
   * Set when the fact arrived as an upstream bus event rather than over HTTP (see
   * `upstream-movements.consumer.ts`). The fact is then recorded under the bus event's id (so a
   * reversal naming that id finds it, and the record and the journey name it alike), its
   * episode number must be the one the event states, and its outbox row is written already
   * published: the bus holds that event, and publishing it again would be a second copy.
   */
  fromBus?: BusOrigin;
}

export interface BusOrigin {
  eventId: string;
  /** The episode the event names (`data.episode`). */
  episode: number;
  /** The episode a return to custody follows, when the event names it (`data.previousEpisode`). */
  previousEpisode?: number;
}

/** An If-Match header as sent (parsed by `requireIfMatch`): bounded, optional. */
export const IfMatchHeaderSchema = z.string().max(1000).optional();

const HeadersSchema = z.object({
  [IDEMPOTENCY_HEADER]: z.string().max(200).trim().min(1).optional(),
});

/**
 * The key an HTTP caller's Idempotency-Key is remembered under: the caller's own, named as
 * `actorOf` names who recorded a fact (the API client for a client-credentials token, else the
 * user), so that one caller's key neither replays nor is compared with another caller's request
 * (an IDEMPOTENCY_KEY_REUSED answer names only fields of the caller's own first request), and
 * never meets the bus consumer's `bus:<eventId>`. The caller's id is URI-encoded: it cannot
 * contain the `:` that ends it, so no two callers' keys can be spelt alike.
 */
export function httpIdempotencyKey(principal: Principal, key: string): string {
  const caller =
    principal.subject === principal.clientId
      ? `client:${encodeURIComponent(principal.clientId)}`
      : `user:${encodeURIComponent(principal.subject)}`;
  return `http:${caller}:${key}`;
}

/** Who is asking and where, the correlation id to carry into events, and the caller's idempotency key. */
export function requestContextOf(
  headers: Record<string, string | string[] | undefined>,
  principal: Principal,
): RequestContext {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const { [IDEMPOTENCY_HEADER]: idempotencyKey } = parseOrThrow(
    HeadersSchema,
    { [IDEMPOTENCY_HEADER]: first(IDEMPOTENCY_HEADER) },
    'headers',
  );
  return {
    actor: actorOf(principal),
    scope: scopeOf(principal),
    // A missing or unusable correlation id starts a new correlation rather than failing the request:
    // the platform's (traceRequests), so the events carry the id of the answer and the log lines.
    correlationId: usableCorrelationId(first(CORRELATION_HEADER)) ?? correlationIdIn() ?? randomUUID(),
    idempotencyKey: idempotencyKey === undefined ? undefined : httpIdempotencyKey(principal, idempotencyKey),
  };
}
