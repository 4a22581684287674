import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { z } from 'zod';
import type { FieldError } from '@throughcare/platform-errors';
import { CreateAgencyBodySchema, type AgencyView, type CreateAgencyBody } from './agency.schemas';

/**
 * The directory as CSV: one row per service, its agency's columns repeated on each (an agency
 * without services is one row with the service columns empty). The same columns go out (export)
 * and come in (import), so an exported file edited in a spreadsheet imports back.
 */
export const CSV_COLUMNS = [
  'agency_id',
  'agency_name',
  'kind',
  'local_authority',
  'catchment',
  'contact_point',
  'opening_hours',
  'contacts',
  'service_name',
  'pathway',
  'description',
  'sex',
  'min_age',
  'max_age',
  'min_sentence_months',
  'max_sentence_months',
  'capacity',
  'accepting_referrals',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['agency_name', 'kind', 'local_authority', 'contact_point'];
const AGENCY_COLUMNS: readonly Column[] = [
  'agency_id',
  'catchment',
  'contact_point',
  'opening_hours',
  'contacts',
];
const SERVICE_COLUMNS: readonly Column[] = CSV_COLUMNS.slice(CSV_COLUMNS.indexOf('service_name'));

/** Rows one import takes at most. */
export const MAX_IMPORT_ROWS = 50_000;
/** Row errors one answer lists at most (the count says how many there were). */
export const MAX_LISTED_ERRORS = 500;

/** One agency the file describes: its details and services, and the lines they came from. */
export interface ImportedAgency {
  /** The id the file gave, if any (then it must exist). */
  id: string | undefined;
  body: CreateAgencyBody;
  lines: number[];
}

export interface ParsedImport {
  rows: number;
  agencies: ImportedAgency[];
  errors: FieldError[];
}

const hours = (h: AgencyView['openingHours']) => h.map((x) => `${x.day} ${x.opens}-${x.closes}`).join('; ');
const contacts = (c: AgencyView['contacts']) =>
  c.map((x) => [x.name, x.role, x.email ?? '', x.phone ?? ''].join(' | ').replace(/( \| )+$/, '')).join('; ');
const num = (n: number | null) => (n === null ? '' : String(n));

/** The CSV of `agencies` (header first), one row per service. */
export function toCsv(agencies: AgencyView[]): string {
  const rows: string[][] = [];
  for (const a of agencies) {
    const agency = [
      a.id,
      a.name,
      a.kind,
      a.localAuthority,
      a.catchment.join(' '),
      a.contactPoint,
      hours(a.openingHours),
      contacts(a.contacts),
    ];
    if (a.services.length === 0) rows.push([...agency, ...SERVICE_COLUMNS.map(() => '')]);
    for (const s of a.services)
      rows.push([
        ...agency,
        s.name,
        s.pathway,
        s.description,
        s.sex,
        num(s.minAge),
        num(s.maxAge),
        num(s.minSentenceMonths),
        num(s.maxSentenceMonths),
        num(s.capacity),
        s.acceptingReferrals ? 'true' : 'false',
      ]);
  }
  // Cells a spreadsheet would run as formulas are written as text (OWASP CSV injection).
  const safe = rows.map((r) => r.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)));
  return stringify([[...CSV_COLUMNS], ...safe]);
}

const field = (line: number, column: string) => `line ${line}.${column}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function splitList(text: string, by: RegExp): string[] {
  return text
    .split(by)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

function parseHours(text: string): unknown[] | string {
  const out: unknown[] = [];
  for (const item of splitList(text, /;/)) {
    const m = /^([A-Za-z]{3})\s+(\S+)\s*-\s*(\S+)$/.exec(item);
    if (!m) return `"${item}" is not "DAY HH:MM-HH:MM" (e.g. MON 09:00-17:00)`;
    out.push({ day: m[1]!.toUpperCase(), opens: m[2], closes: m[3] });
  }
  return out;
}

function parseContacts(text: string): unknown[] {
  return splitList(text, /;/).map((item) => {
    const [name, role, email, phone] = item.split('|').map((x) => x.trim());
    return {
      name,
      role,
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
    };
  });
}

function parseCount(text: string): number | undefined | string {
  if (text === '') return undefined;
  if (!/^\d{1,9}$/.test(text)) return `"${text}" is not a whole number`;
  return Number(text);
}

function parseYesNo(text: string): boolean | undefined | string {
  const t = text.toLowerCase();
  if (t === '') return undefined;
  if (['true', 'yes', 'y', '1'].includes(t)) return true;
  if (['false', 'no', 'n', '0'].includes(t)) return false;
  return `"${text}" is not true or false`;
}

/** Undoes the export's formula guard: a leading apostrophe before a formula character. */
const unguard = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/** Maps a zod issue path inside an agency body back to the CSV column it came from. */
function columnOf(path: PropertyKey[]): string {
  const [top, , leaf] = path;
  const agency: Record<string, string> = {
    name: 'agency_name',
    kind: 'kind',
    localAuthority: 'local_authority',
    contactPoint: 'contact_point',
    catchment: 'catchment',
    openingHours: 'opening_hours',
    contacts: 'contacts',
  };
  if (top === 'services') {
    const service: Record<string, string> = {
      name: 'service_name',
      pathway: 'pathway',
      description: 'description',
      sex: 'sex',
      minAge: 'min_age',
      maxAge: 'max_age',
      minSentenceMonths: 'min_sentence_months',
      maxSentenceMonths: 'max_sentence_months',
      capacity: 'capacity',
      acceptingReferrals: 'accepting_referrals',
    };
    return typeof leaf === 'string' ? (service[leaf] ?? 'service_name') : 'service_name';
  }
  return typeof top === 'string' ? (agency[top] ?? top) : 'agency_name';
}

/**
 * Reads an import: every row checked, every error listed by line and column (line 1 is the
 * header). Rows of one agency (same kind, local authority and name, or the same agency_id) must
 * agree on the agency's columns; its services are the rows' services.
 */
export function parseImport(csv: string): ParsedImport {
  const errors: FieldError[] = [];
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(csv, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
      max_record_size: 64 * 1024,
      to: MAX_IMPORT_ROWS + 1,
    }) as typeof records;
  } catch (e) {
    const err = e as { code?: string; lines?: number; message: string };
    return {
      rows: 0,
      agencies: [],
      errors: [
        { field: field(err.lines ?? 1, 'csv'), message: err.message.replace(/\s+/g, ' ').slice(0, 300) },
      ],
    };
  }
  if (records.length > MAX_IMPORT_ROWS)
    return {
      rows: records.length,
      agencies: [],
      errors: [{ field: 'csv', message: `more than ${MAX_IMPORT_ROWS} rows: split the file` }],
    };
  const header = records[0] ? Object.keys(records[0].record) : [];
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  const missing = REQUIRED.filter((c) => records.length > 0 && !header.includes(c));
  if (unknown.length || missing.length || records.length === 0)
    return {
      rows: records.length,
      agencies: [],
      errors: [
        ...unknown.map((h) => ({
          field: field(1, h),
          message: `unknown column (the columns: ${CSV_COLUMNS.join(', ')})`,
        })),
        ...missing.map((c) => ({ field: field(1, c), message: 'required column missing' })),
        ...(records.length === 0
          ? [{ field: 'csv', message: 'no rows: a header line and at least one row' }]
          : []),
      ],
    };

  const groups = new Map<
    string,
    {
      id: string | undefined;
      first: Record<string, string>;
      firstLine: number;
      raw: Record<string, unknown>;
      services: unknown[];
      serviceLines: number[];
      lines: number[];
    }
  >();
  for (const { record, info } of records) {
    const line = info.lines;
    const cell = (c: Column) => unguard(record[c] ?? '');
    const id = cell('agency_id') || undefined;
    if (id && !UUID.test(id)) {
      errors.push({
        field: field(line, 'agency_id'),
        message: `"${id.slice(0, 60)}" is not an agency id (a UUID)`,
      });
      continue;
    }
    const key = id ?? `${cell('kind')}\u0000${cell('local_authority')}\u0000${cell('agency_name')}`;
    let group = groups.get(key);
    if (!group) {
      const rowErrors: FieldError[] = [];
      const openingHours = parseHours(cell('opening_hours'));
      if (typeof openingHours === 'string')
        rowErrors.push({ field: field(line, 'opening_hours'), message: openingHours });
      const catchment = splitList(cell('catchment'), /[\s;,]+/);
      group = {
        id,
        first: record,
        firstLine: line,
        raw: {
          name: cell('agency_name'),
          kind: cell('kind'),
          localAuthority: cell('local_authority'),
          contactPoint: cell('contact_point'),
          ...(catchment.length ? { catchment } : {}),
          openingHours: typeof openingHours === 'string' ? [] : openingHours,
          contacts: parseContacts(cell('contacts')),
        },
        services: [],
        serviceLines: [],
        lines: [],
      };
      errors.push(...rowErrors);
      groups.set(key, group);
    } else {
      for (const c of [...AGENCY_COLUMNS, ...REQUIRED])
        if (unguard(group.first[c] ?? '') !== cell(c))
          errors.push({
            field: field(line, c),
            message: `differs from line ${group.firstLine}, the same agency's first row`,
          });
    }
    group.lines.push(line);
    if (SERVICE_COLUMNS.some((c) => cell(c) !== '')) {
      const service: Record<string, unknown> = {
        name: cell('service_name'),
        pathway: cell('pathway'),
        description: cell('description'),
      };
      if (cell('sex')) service['sex'] = cell('sex').toUpperCase();
      for (const [c, key2] of [
        ['min_age', 'minAge'],
        ['max_age', 'maxAge'],
        ['min_sentence_months', 'minSentenceMonths'],
        ['max_sentence_months', 'maxSentenceMonths'],
        ['capacity', 'capacity'],
      ] as const) {
        const n = parseCount(cell(c));
        if (typeof n === 'string') errors.push({ field: field(line, c), message: n });
        else if (n !== undefined) service[key2] = n;
      }
      const accepting = parseYesNo(cell('accepting_referrals'));
      if (typeof accepting === 'string')
        errors.push({ field: field(line, 'accepting_referrals'), message: accepting });
      else if (accepting !== undefined) service['acceptingReferrals'] = accepting;
      group.services.push(service);
      group.serviceLines.push(line);
    }
  }

  const agencies: ImportedAgency[] = [];
  for (const g of groups.values()) {
    const parsed = CreateAgencyBodySchema.safeParse({ ...g.raw, services: g.services });
    if (!parsed.success) {
      errors.push(...issuesAt(parsed.error, g));
      continue;
    }
    agencies.push({ id: g.id, body: parsed.data, lines: g.lines });
  }
  errors.sort((a, b) => lineOf(a) - lineOf(b));
  return { rows: records.length, agencies, errors };
}

const lineOf = (e: FieldError) => Number(/^line (\d+)\./.exec(e.field)?.[1] ?? 0);

/** Each issue at the line it came from: a service's row, else the agency's first row. */
function issuesAt(error: z.ZodError, g: { firstLine: number; serviceLines: number[] }): FieldError[] {
  return error.issues.map((issue) => {
    const line =
      issue.path[0] === 'services' && typeof issue.path[1] === 'number'
        ? (g.serviceLines[issue.path[1]] ?? g.firstLine)
        : g.firstLine;
    return { field: field(line, columnOf(issue.path)), message: issue.message };
  });
}
