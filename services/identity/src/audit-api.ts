import { IsoInstant } from '@throughcare/contracts';
import type { Middleware, ParameterizedContext } from 'koa';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { actorOf, hasRole, type AccessTokenVerifier, type Principal } from '@throughcare/platform-auth';
import {
  AUDIT_TABLE,
  auditRecordFromRow,
  AuditWriter,
  purposeOf,
  PURPOSE_HEADER,
  type AuditOutcome,
  type AuditSealKeyring,
} from '@throughcare/platform-audit';
import type { ValidationFailedError } from '@throughcare/platform-errors';
import { authenticate, fieldErrors, noSuchRoute, Problem, problemApi, refuseUnstorable } from './koa-problem';

/** The identity service's own hash chain: who read the audit trail. */
export const IDENTITY_AUDIT_CHAIN = 'identity';
const PATH = '/audit/records';
const PERSON_ID = /^p[0-9a-f]{20}$/;

const CursorSchema = z.object({ t: IsoInstant, id: z.number().int().positive() });
const QuerySchema = z
  .object({
    subject: z
      .string()
      .regex(PERSON_ID, 'must be a Throughcare person id such as p0123456789abcdef0123')
      .optional(),
    actor: z.string().min(1).max(300).optional(),
    from: IsoInstant.optional(),
    to: IsoInstant.optional(),
    after: z
      .string()
      .max(500)
      .transform((raw, ctx) => {
        try {
          return CursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued' });
          return z.NEVER;
        }
      })
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict()
  .refine((q) => q.subject !== undefined || q.actor !== undefined, {
    path: ['subject'],
    message: 'give subject (a person id) or actor',
  });

/**
 * The auditor's API: `GET /audit/records?subject=<person id>` (or `actor=`), optionally `from`,
 * `to`, newest first, `limit` per page and `after` (the previous page's `nextCursor`). Answers
 * who read, listed or changed that person's data, when, why (purpose) and with what outcome,
 * across every service's chain. `auditor` role only (anybody else: the 404 of an unknown path).
 * Every call is itself audited on the `identity` chain, before the answer; if that record cannot
 * be written the answer is 503 AUDIT_UNAVAILABLE.
 */
export function auditApi(db: DataSource, verifier: AccessTokenVerifier, seal: AuditSealKeyring): Middleware {
  const writer = new AuditWriter(db, IDENTITY_AUDIT_CHAIN, seal);

  const record = async (
    ctx: ParameterizedContext,
    principal: Principal,
    purpose: string | null,
    outcome: AuditOutcome,
    reason: string | null,
  ) => {
    const subject =
      typeof ctx.query.subject === 'string' && PERSON_ID.test(ctx.query.subject) ? ctx.query.subject : null;
    const requestId = ctx.get('x-request-id') || ctx.get('x-correlation-id');
    try {
      await writer.append({
        actor: actorOf(principal),
        clientId: principal.clientId,
        roles: principal.roles,
        purpose,
        subjectPerson: subject,
        disclosedPersons: [],
        action: 'audit-record.list',
        objectType: 'audit-record',
        objectId: null,
        outcome,
        reason,
        httpMethod: ctx.method,
        route: PATH,
        requestId: /^[\w.:-]{1,200}$/.test(requestId) ? requestId : null,
      });
    } catch {
      throw new Problem(
        503,
        'Service Unavailable',
        'the audit trail is unavailable, so the request was not performed; retry later',
        {
          code: 'AUDIT_UNAVAILABLE',
        },
      );
    }
  };

  const handle = async (ctx: ParameterizedContext): Promise<void> => {
    if (ctx.method !== 'GET') throw noSuchRoute(ctx);
    const principal = await authenticate(ctx, verifier, { code: 'UNAUTHORIZED' });
    if (!hasRole(principal, ['auditor'])) {
      // The refused caller gets nothing either way; a 503 would confirm the route exists. But the
      // lost record must be seen: logged as an error for the operators' alerting.
      await record(ctx, principal, null, 'refused', 'ROLE_NOT_ADMITTED').catch((e: unknown) =>
        console.error(
          `identity audit API: the refusal of ${principal.clientId} could not be audited (audit store unavailable)`,
          e,
        ),
      );
      throw noSuchRoute(ctx);
    }
    let purpose: string;
    try {
      purpose = purposeOf(ctx.get(PURPOSE_HEADER) || undefined, principal.roles);
    } catch (e) {
      await record(ctx, principal, null, 'failed', 'VALIDATION_FAILED');
      throw new Problem(400, 'Bad Request', 'invalid header', {
        errors: (e as ValidationFailedError).errors,
      });
    }
    refuseUnstorable(ctx.query, 'query');
    const parsed = QuerySchema.safeParse(ctx.query);
    if (!parsed.success) {
      await record(ctx, principal, purpose, 'failed', 'VALIDATION_FAILED');
      throw new Problem(400, 'Bad Request', 'invalid query', {
        code: 'VALIDATION_FAILED',
        errors: fieldErrors(parsed.error, 'query'),
      });
    }
    const q = parsed.data;
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (q.subject) {
      const p = param(q.subject);
      where.push(`("subject_person" = ${p} OR ${p} = ANY ("disclosed_persons"))`);
    }
    if (q.actor) where.push(`"actor" = ${param(q.actor)}`);
    if (q.from) where.push(`"recorded_at" >= ${param(q.from)}`);
    if (q.to) where.push(`"recorded_at" < ${param(q.to)}`);
    if (q.after)
      where.push(`("recorded_at", "id") < (${param(q.after.t)}::timestamptz, ${param(q.after.id)})`);
    const rows = (await db.query(
      `SELECT * FROM ${AUDIT_TABLE} WHERE ${where.join(' AND ')}
       ORDER BY "recorded_at" DESC, "id" DESC LIMIT ${param(q.limit + 1)}`,
      params,
    )) as Array<Record<string, unknown>>;
    const records = rows.slice(0, q.limit).map(auditRecordFromRow);
    const last = records.at(-1);
    await record(ctx, principal, purpose, 'allowed', null);
    ctx.set('cache-control', 'no-store');
    ctx.body = {
      items: records.map((r) => ({
        service: r.chain,
        seq: r.seq,
        recordedAt: r.recordedAt.toISOString(),
        actor: r.actor,
        clientId: r.clientId,
        roles: r.roles,
        purpose: r.purpose,
        subjectPerson: r.subjectPerson,
        // A list names the person among others; the others are not disclosed here.
        disclosedInList: q.subject !== undefined && r.subjectPerson !== q.subject,
        action: r.action,
        objectType: r.objectType,
        objectId: r.objectId,
        outcome: r.outcome,
        reason: r.reason,
        httpMethod: r.httpMethod,
        route: r.route,
        requestId: r.requestId,
      })),
      nextCursor:
        rows.length > q.limit && last
          ? Buffer.from(JSON.stringify({ t: last.recordedAt.toISOString(), id: last.id })).toString(
              'base64url',
            )
          : null,
    };
  };

  return problemApi('identity audit API', (ctx) => ctx.path === PATH, handle);
}
