import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { DataSource } from 'typeorm';
import type { Jurisdiction } from '@throughcare/contracts';
import {
  LedgerCursor,
  type LedgerClock,
  type LedgerFilter,
  type LedgerPage,
  type LedgerSummary,
  type LedgerSummaryFilter,
  type LedgerSummaryQuery,
  type ListLedgerQuery,
} from './ledger.schemas';

interface Row {
  journey: string;
  clock_key: string;
  person_id: string;
  episode: number;
  clock: string;
  status: LedgerClock['status'];
  owner_kind: LedgerClock['ownerKind'];
  owed_by: string;
  owed_to: string;
  agency_id: string | null;
  establishment_code: string;
  local_authority: string;
  jurisdiction: Jurisdiction;
  pathway: string | null;
  policy_id: string;
  policy_version: number;
  started_at: Date;
  due_at: Date;
  met_at: Date | null;
  breached_at: Date | null;
  note: string | null;
  reported_at: Date;
  journey_closed_at: Date | null;
}

/** The most rows one CSV export answers; a wider one is refused, asking for narrower filters. */
export const LEDGER_EXPORT_MAX_ROWS = 100_000;

const GROUP_COLUMNS: Record<LedgerSummaryQuery['groupBy'], string> = {
  owner: 'owner_kind',
  agency: 'agency_id',
  establishment: 'establishment_code',
  localAuthority: 'local_authority',
  pathway: 'pathway',
  clock: 'clock',
  policyVersion: `policy_id || ' v' || policy_version`,
  dueMonth: `to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM')`,
};

/** The WHERE clause and its parameters for a ledger filter. */
function whereOf(
  f: LedgerSummaryFilter | LedgerFilter,
  params: unknown[] = [],
): { sql: string; params: unknown[] } {
  const terms: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    terms.push(sql.replace('?', `$${params.length}`));
  };
  if (f.status) add('status = ANY(?)', f.status);
  if (f.clock) add('clock = ?', f.clock);
  if (f.ownerKind) add('owner_kind = ?', f.ownerKind);
  if (f.agencyId) add('agency_id = ?', f.agencyId);
  if (f.establishment) add('establishment_code = ?', f.establishment);
  if (f.localAuthority) add('local_authority = ?', f.localAuthority);
  if (f.jurisdiction) add('jurisdiction = ?', f.jurisdiction);
  if (f.pathway) add('pathway = ?', f.pathway);
  if (f.policyId) add('policy_id = ?', f.policyId);
  if (f.policyVersion) add('policy_version = ?', f.policyVersion);
  if ('personId' in f && f.personId) add('person_id = ?', f.personId);
  // A day is a UTC day: date → timestamp (no zone) → the instant it is in UTC.
  if (f.dueFrom) add(`due_at >= (?::date::timestamp AT TIME ZONE 'UTC')`, f.dueFrom);
  if (f.dueTo) add(`due_at < ((?::date + 1)::timestamp AT TIME ZONE 'UTC')`, f.dueTo);
  return { sql: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', params };
}

function toView(r: Row, now: number): LedgerClock {
  const due = r.due_at.getTime();
  // Still breached: late until now, or until the case closed (its clocks change no more).
  const until = r.journey_closed_at ? Math.min(now, r.journey_closed_at.getTime()) : now;
  const lateness =
    r.status === 'MET_LATE' && r.met_at
      ? Math.round((r.met_at.getTime() - due) / 60_000)
      : r.status === 'BREACHED'
        ? Math.max(0, Math.round((until - due) / 60_000))
        : null;
  return {
    personId: r.person_id,
    episode: r.episode,
    journey: r.journey,
    key: r.clock_key,
    clock: r.clock,
    status: r.status,
    ownerKind: r.owner_kind,
    owedBy: r.owed_by,
    owedTo: r.owed_to,
    agencyId: r.agency_id,
    establishmentCode: r.establishment_code,
    localAuthority: r.local_authority,
    jurisdiction: r.jurisdiction,
    pathway: r.pathway,
    policy: { id: r.policy_id, version: r.policy_version },
    startedAt: r.started_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    metAt: r.met_at?.toISOString() ?? null,
    breachedAt: r.breached_at?.toISOString() ?? null,
    latenessMinutes: lateness,
    note: r.note,
    reportedAt: r.reported_at.toISOString(),
    journeyClosedAt: r.journey_closed_at?.toISOString() ?? null,
  };
}

/** The CSV columns, in order: the list's fields, the policy split in two. */
export const LEDGER_CSV_COLUMNS = [
  'personId',
  'episode',
  'journey',
  'key',
  'clock',
  'status',
  'ownerKind',
  'owedBy',
  'owedTo',
  'agencyId',
  'establishmentCode',
  'localAuthority',
  'jurisdiction',
  'pathway',
  'policyId',
  'policyVersion',
  'startedAt',
  'dueAt',
  'metAt',
  'breachedAt',
  'latenessMinutes',
  'note',
  'reportedAt',
  'journeyClosedAt',
] as const;

/** A cell a spreadsheet would run as a formula, written as text (OWASP CSV injection), as the directory's export does. */
const inert = (value: string | number | null): string | number | null =>
  typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;

function csvRow(c: LedgerClock): (string | number | null)[] {
  const { policy, ...rest } = c;
  const flat: Record<string, string | number | null> = {
    ...rest,
    policyId: policy.id,
    policyVersion: policy.version,
  };
  return LEDGER_CSV_COLUMNS.map((k) => inert(flat[k] ?? null));
}

/** Latest due first; the keyset's order. */
const LATEST_DUE_FIRST = 'ORDER BY due_at DESC, journey DESC, clock_key DESC';

/** Reads of the SLA ledger: every clock of every reporting journey, met, met late, breached or open. */
@Injectable()
export class LedgerService {
  constructor(private readonly dataSource: DataSource) {}

  /** Latest due first, keyset-paginated on (due_at, journey, clock_key). */
  async list(query: ListLedgerQuery): Promise<LedgerPage> {
    const { sql, params } = whereOf(query);
    let where = sql;
    if (query.cursor) {
      params.push(query.cursor.dueAt, query.cursor.journey, query.cursor.key);
      const n = params.length;
      where += `${where ? ' AND' : 'WHERE'} (due_at, journey, clock_key) < ($${n - 2}, $${n - 1}, $${n})`;
    }
    params.push(query.limit + 1);
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM "throughcare"."ledger_clock" ${where} ${LATEST_DUE_FIRST} LIMIT $${params.length}`,
      params,
    );
    const now = Date.now();
    const { items, nextCursor } = LedgerCursor.page(rows, query.limit, (last) => ({
      dueAt: last.due_at.toISOString(),
      journey: last.journey,
      key: last.clock_key,
    }));
    return { items: items.map((r) => toView(r, now)), nextCursor };
  }

  /** How many clocks a filter matches (the export's bound). */
  async count(filter: LedgerFilter): Promise<number> {
    const { sql, params } = whereOf(filter);
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM "throughcare"."ledger_clock" ${sql}`,
      params,
    )) as { n: number }[];
    return row?.n ?? 0;
  }

  /** The matching clocks as CSV (RFC 4180, CRLF; header first), latest due first. */
  async csv(filter: LedgerFilter): Promise<string> {
    const { sql, params } = whereOf(filter);
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM "throughcare"."ledger_clock" ${sql} ${LATEST_DUE_FIRST}`,
      params,
    );
    const now = Date.now();
    return stringify([[...LEDGER_CSV_COLUMNS], ...rows.map((r) => csvRow(toView(r, now)))], {
      record_delimiter: 'windows',
    });
  }

  /** Counts by status per group (who owes, agency, establishment …), most breaches first. */
  async summary(query: LedgerSummaryQuery): Promise<LedgerSummary> {
    const { sql, params } = whereOf(query);
    const group = GROUP_COLUMNS[query.groupBy];
    const rows: {
      grp: string | null;
      total: number;
      open: number;
      met: number;
      met_late: number;
      breached: number;
      cancelled: number;
    }[] = await this.dataSource.query(
      `SELECT ${group} AS grp,
              count(*)::int AS total,
              count(*) FILTER (WHERE status = 'OPEN')::int AS open,
              count(*) FILTER (WHERE status = 'MET')::int AS met,
              count(*) FILTER (WHERE status = 'MET_LATE')::int AS met_late,
              count(*) FILTER (WHERE status = 'BREACHED')::int AS breached,
              count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled
         FROM "throughcare"."ledger_clock" ${sql}
        GROUP BY 1
        ORDER BY ${query.groupBy === 'dueMonth' ? '' : `count(*) FILTER (WHERE status IN ('BREACHED', 'MET_LATE')) DESC, `}1 ASC NULLS LAST`,
      params,
    );
    return {
      groupBy: query.groupBy,
      rows: rows.map((r) => {
        const due = r.met + r.met_late + r.breached;
        return {
          group: r.grp,
          total: r.total,
          open: r.open,
          met: r.met,
          metLate: r.met_late,
          breached: r.breached,
          cancelled: r.cancelled,
          breachRate: due === 0 ? null : Math.round(((r.breached + r.met_late) / due) * 1000) / 1000,
        };
      }),
    };
  }
}
