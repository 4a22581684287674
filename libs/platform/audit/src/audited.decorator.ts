import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { runUnrestricted } from '@throughcare/platform-persistence';

export const AUDITED = 'throughcare:audited';
export const PERSONAL_DATA = 'throughcare:personal-data';
export const NO_PERSONAL_DATA = 'throughcare:no-personal-data';

/** What a resolver of an audit field (subject, object id, disclosed persons) can look at. */
export interface AuditResolveContext {
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
  body: unknown;
  /** The request's headers (names in lower case, as Node gives them). */
  headers: Record<string, string | string[] | undefined>;
  /** The handler's answer; undefined inside a change's transaction (not answered yet) or on error. */
  result?: unknown;
  /** The change's transaction when resolved inside it, else the service's default manager. */
  manager: EntityManager;
}

export type AuditResolver<T> = (
  ctx: AuditResolveContext,
) => T | null | undefined | Promise<T | null | undefined>;

export interface AuditedSpec {
  /** e.g. `referral.read`, `referral.list`, `referral.change`. */
  action: string;
  /**
   * `read` (one object), `list` (one record per request, the people disclosed listed), or
   * `change`: the record is written inside the first database transaction the request commits,
   * so the change and its record commit together (or neither does).
   */
  kind: 'read' | 'list' | 'change';
  objectType?: string;
  objectId?: AuditResolver<string>;
  /** The person the data is about (the Throughcare person id). */
  subject?: AuditResolver<string>;
  /** For lists: every person on the page answered. */
  disclosed?: AuditResolver<readonly string[]>;
}

/** Declares that a route reads, lists or changes personal data, and how to audit it. */
export function Audited(spec: AuditedSpec): MethodDecorator {
  return SetMetadata(AUDITED, spec);
}

/** A route of a personal-data controller that touches no personal data; say why. */
export function NotAudited(reason: string): MethodDecorator {
  if (!reason.trim()) throw new Error('NotAudited needs a reason');
  return SetMetadata(AUDITED, { notAudited: reason });
}

/**
 * Marks a controller whose routes handle personal data: each of its routes must declare
 * `@Audited(...)` (or `@NotAudited(reason)`), or the service does not start (AuditedRouteCheck).
 * Every controller must carry either this or `@NoPersonalData(reason)` (deny by default).
 */
export function PersonalData(): ClassDecorator {
  return SetMetadata(PERSONAL_DATA, true);
}

/**
 * Marks a controller none of whose routes discloses or changes personal data about people in
 * throughcare (health, the agency directory, sign-in, counts); say why. A controller with neither
 * this nor `@PersonalData()` stops the service at startup (AuditedRouteCheck).
 */
export function NoPersonalData(reason: string): ClassDecorator {
  if (!reason.trim()) throw new Error('NoPersonalData needs a reason');
  return SetMetadata(NO_PERSONAL_DATA, reason);
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : null;

const field = (source: unknown, name: string): unknown =>
  source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;

/** Resolvers for the common cases. */
export const from = {
  param:
    (name: string): AuditResolver<string> =>
    (ctx) =>
      text(ctx.params[name]),
  query:
    (name: string): AuditResolver<string> =>
    (ctx) =>
      text(ctx.query[name]),
  body:
    (name: string): AuditResolver<string> =>
    (ctx) =>
      text(field(ctx.body, name)),
  result:
    (name: string): AuditResolver<string> =>
    (ctx) =>
      text(field(ctx.result, name)),
  /** `name` of each of the answer's `items` (a page), distinct, in order. */
  items:
    (name: string): AuditResolver<readonly string[]> =>
    (ctx) => {
      const items = field(ctx.result, 'items');
      if (!Array.isArray(items)) return [];
      return [...new Set(items.map((item) => text(field(item, name))).filter((v): v is string => !!v))];
    },
  /**
   * One value from the database, e.g. the person a referral is about:
   * `from.lookup('SELECT person_id AS value FROM referral.referral WHERE id = $1', 'id')`. The
   * query must select one column named `value`; a param that is not there, or a malformed one, is null.
   *
   * Outside a transaction (a read, or an attempt answered 404 whose transaction rolled back) the
   * lookup runs unrestricted by row-level security: an attempt on an object outside the caller's
   * scope must still name the person it was about in the audit record (the auditor's "who tried
   * to look at this person"), and the value goes only into that record, never to the caller.
   * Inside a change's transaction it runs with the transaction's scope (the change was allowed).
   */
  lookup:
    (sql: string, param: string): AuditResolver<string> =>
    async (ctx) => {
      const key = ctx.params[param];
      if (!key) return null;
      try {
        const query = () => ctx.manager.query(sql, [key]) as Promise<Array<{ value?: unknown }>>;
        const rows = ctx.manager.queryRunner?.isTransactionActive
          ? await query()
          : await runUnrestricted(query);
        return text(rows[0]?.value);
      } catch {
        return null;
      }
    },
  /** The first resolver that answers. */
  first:
    <T>(...resolvers: AuditResolver<T>[]): AuditResolver<T> =>
    async (ctx) => {
      for (const resolve of resolvers) {
        const value = await resolve(ctx);
        if (value !== null && value !== undefined) return value;
      }
      return null;
    },
};
