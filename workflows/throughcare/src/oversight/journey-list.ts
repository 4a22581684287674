import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { temporal } from '@temporalio/proto';
import { SearchAttributes, THROUGHCARE_WORKFLOW_TYPE } from '@throughcare/contracts';
import { hasRole, type Principal } from '@throughcare/platform-auth';
import { ValidationFailedError } from '@throughcare/platform-errors';
import type { JourneyPage, JourneySummary, ListJourneysQuery } from './journey-list.schemas';

/** What the prison-number lookup needs: the secret the pseudonyms are derived with. */
export const JOURNEY_LOOKUP_OPTIONS = Symbol('JOURNEY_LOOKUP_OPTIONS');
export interface JourneyLookupOptions {
  personIdSecret: string;
}

const JOURNEY_ID = /^throughcare-(p[0-9a-f]{20})-(\d+)$/;
const STATUS = [
  'UNSPECIFIED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
];
/** Values reach the query only after validation (codes, enums): quoting is belt and braces. */
const quoted = (v: string) => `'${v.replace(/[\\']/g, '')}'`;

/**
 * The visibility query of a journey list: journeys only (no tombstone), running only (a journey
 * that continued as new is one running execution), the filters, and for prison staff their
 * establishments only.
 */
export function journeyListQuery(
  query: Omit<ListJourneysQuery, 'limit' | 'cursor'>,
  principal: Principal,
): string {
  const terms = [`WorkflowType = ${quoted(THROUGHCARE_WORKFLOW_TYPE)}`, `ExecutionStatus = 'Running'`];
  if (query.stage) terms.push(`${SearchAttributes.stage.name} = ${quoted(query.stage)}`);
  if (query.establishment)
    terms.push(`${SearchAttributes.establishment.name} = ${quoted(query.establishment)}`);
  if (query.localAuthority)
    terms.push(`${SearchAttributes.localAuthority.name} = ${quoted(query.localAuthority)}`);
  if (query.jurisdiction) terms.push(`${SearchAttributes.jurisdiction.name} = ${quoted(query.jurisdiction)}`);
  if (query.needsAttention !== undefined)
    terms.push(`${SearchAttributes.needsAttention.name} = ${query.needsAttention}`);
  if (query.breached !== undefined)
    terms.push(
      query.breached
        ? `${SearchAttributes.openBreaches.name} > 0`
        : // Journeys not refreshed since operator-attributes-1 have no count: in neither list.
          `${SearchAttributes.openBreaches.name} = 0`,
    );
  if (!hasRole(principal, ['operator']))
    terms.push(
      `${SearchAttributes.establishment.name} IN (${[...principal.establishments].sort().map(quoted).join(', ')})`,
    );
  return terms.join(' AND ');
}

/** One execution as the list shows it; null for a workflow id that is not a journey's. */
export function journeySummaryOf(e: temporal.api.workflow.v1.IWorkflowExecutionInfo): JourneySummary | null {
  const workflowId = e.execution?.workflowId ?? '';
  const id = JOURNEY_ID.exec(workflowId);
  if (!id) return null;
  const a = decodeTypedSearchAttributes(e.searchAttributes?.indexedFields);
  const next = a.get(SearchAttributes.nextDeadline);
  const seconds = e.startTime?.seconds;
  return {
    personId: id[1]!,
    episode: Number(id[2]),
    workflowId,
    status: STATUS[e.status ?? 0] ?? 'UNSPECIFIED',
    stage: a.get(SearchAttributes.stage) ?? null,
    establishmentCode: a.get(SearchAttributes.establishment) ?? null,
    localAuthority: a.get(SearchAttributes.localAuthority) ?? null,
    jurisdiction: a.get(SearchAttributes.jurisdiction) ?? null,
    slaPolicy: a.get(SearchAttributes.slaPolicy) ?? null,
    nextDeadline: next ? next.toISOString() : null,
    needsAttention: a.get(SearchAttributes.needsAttention) ?? null,
    openBreaches: a.get(SearchAttributes.openBreaches) ?? null,
    startedAt:
      seconds == null
        ? null
        : new Date(Number(seconds) * 1000 + Math.floor((e.startTime?.nanos ?? 0) / 1e6)).toISOString(),
  };
}

/**
 * Cursors are Temporal's page tokens, signed together with the visibility query they page: a
 * cursor that was tampered with, or is given with other filters, is refused (400) before
 * Temporal sees it. The key is derived from `secret` for this use only.
 */
export function cursorSigner(secret: string) {
  const key = createHmac('sha256', secret).update('throughcare journey-list cursor v1').digest();
  const mac = (token: Buffer, query: string) =>
    createHmac('sha256', key).update(query).update('\0').update(token).digest().subarray(0, 16);
  return {
    sign: (token: Uint8Array, query: string): string => {
      const t = Buffer.from(token);
      return `${t.toString('base64url')}.${mac(t, query).toString('base64url')}`;
    },
    /** The token, or undefined for a cursor not issued for `query`. */
    open: (cursor: string, query: string): Buffer | undefined => {
      const [t, m] = cursor.split('.');
      if (!t || !m) return undefined;
      const token = Buffer.from(t, 'base64url');
      const given = Buffer.from(m, 'base64url');
      const want = mac(token, query);
      return given.length === want.length && timingSafeEqual(given, want) ? token : undefined;
    },
  };
}
export type CursorSigner = ReturnType<typeof cursorSigner>;

/** A page of executions for `visibilityQuery`, Temporal's page token (signed) as the cursor. */
export async function listJourneys(
  client: Client,
  signer: CursorSigner,
  visibilityQuery: string,
  limit: number,
  cursor?: string,
): Promise<JourneyPage> {
  const token = cursor === undefined ? undefined : signer.open(cursor, visibilityQuery);
  if (cursor !== undefined && !token)
    throw new ValidationFailedError('not a cursor this API issued for these filters', [
      { field: 'cursor', message: 'not a cursor this API issued for these filters' },
    ]);
  const answer = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: visibilityQuery,
    pageSize: limit,
    nextPageToken: token,
  });
  const items = (answer.executions ?? [])
    .map(journeySummaryOf)
    .filter((j): j is JourneySummary => j !== null);
  const next = answer.nextPageToken;
  return { items, nextCursor: next && next.length > 0 ? signer.sign(next, visibilityQuery) : null };
}

/**
 * A person's journeys, every episode (running or ended), latest started first: the visibility
 * query by workflow id prefix. Prison staff see only those at their establishments.
 */
export async function journeysOf(
  client: Client,
  signer: CursorSigner,
  personId: string,
  principal: Principal,
): Promise<JourneySummary[]> {
  const query = [
    `WorkflowType = ${quoted(THROUGHCARE_WORKFLOW_TYPE)}`,
    `WorkflowId STARTS_WITH ${quoted(`throughcare-${personId}-`)}`,
  ].join(' AND ');
  const found: JourneySummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await listJourneys(client, signer, query, 100, cursor);
    // A prefix also matches a longer pseudonym's ids in principle: keep this person's only.
    found.push(...page.items.filter((j) => j.personId === personId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && found.length < 1000);
  // One entry per episode: its latest run (newest first; a journey that continued as new, or was
  // started again after a reversal, has earlier runs under the same id).
  const latest = new Map<number, JourneySummary>();
  for (const j of found) if (!latest.has(j.episode)) latest.set(j.episode, j);
  // Prison staff: the episodes whose latest run is at one of their establishments (an earlier run
  // at theirs, before a transfer, is not theirs any more).
  const inScope = (j: JourneySummary) =>
    hasRole(principal, ['operator']) ||
    (j.establishmentCode !== null && principal.establishments.includes(j.establishmentCode));
  return [...latest.values()].filter(inScope).sort((a, b) => b.episode - a.episode);
}
