import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import { AgencyKind, Pathway } from '@throughcare/contracts';
import { SCOTTISH_COUNCIL_CODES } from '@throughcare/domain';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { seededRandom } from '@throughcare/testing';
import { AgenciesService } from '../../../services/directory/src/agencies/agencies.service';
import { Agency } from '../../../services/directory/src/agencies/agency.entity';
import { AgencyServiceOffer } from '../../../services/directory/src/agencies/agency-service.entity';
import { CSV_COLUMNS } from '../../../services/directory/src/agencies/agency-csv';
import type { SearchAgenciesQuery } from '../../../services/directory/src/agencies/agency.schemas';
import { DIRECTORY_SCHEMA } from '../../../services/directory/src/config';
import { directoryMigrations } from '../../../services/directory/src/migrations';
import { NORTH_EAST_AUTHORITIES } from '../../../services/directory/src/migrations/1700000000300-agency-services-and-catchment';

/**
 * The directory's search at scale (issue 9: "fast enough to use while typing: a benchmark at
 * 10,000 agencies"). On a database of its own: the directory's migrations, then `agencies`
 * generated agencies (1 to 4 services each, over 44 council areas, every kind and pathway)
 * imported through the directory's own CSV import (its throughput is reported too). Then, in the
 * same process and against the same database:
 *
 * - the baseline: the directory's plain listing (the keyset page by name of the agencies serving
 *   an area, GET /agencies?localAuthority=…), and a bare `SELECT 1` (the round trip's floor);
 * - the search as somebody types: every prefix of each of a set of phrases (3 letters and more),
 *   with and without a pathway and an area, and with a misspelling, through AgenciesService.search
 *   (the same code as GET /agencies/search, without HTTP).
 *
 * Every latency is a percentile over `rounds` repetitions, interleaved (search, listing, floor in
 * turn), so machine noise falls on all three alike; the report gives the ratios and the figures.
 */
export interface DirectorySearchBenchOptions {
  /** The server's admin URL: a database is created on it for the run and dropped after. */
  adminUrl: string;
  agencies: number;
  rounds: number;
  seed?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

export interface DirectorySearchBenchResult {
  agencies: number;
  services: number;
  importSeconds: number;
  search: Percentiles;
  searchTyped: Percentiles;
  searchMisspelt: Percentiles;
  listing: Percentiles;
  floor: Percentiles;
  /** How many hits the typed searches found, on average: searches that find things. */
  meanHits: number;
}

/** The seeded council areas: the 32 Scottish councils, then the English North East's twelve. */
const AREAS = [...SCOTTISH_COUNCIL_CODES, ...NORTH_EAST_AUTHORITIES.map(([gss]) => gss)];
const FIRST = [
  'North',
  'South',
  'East',
  'West',
  'Central',
  'Greater',
  'New',
  'Old',
  'Upper',
  'Lower',
  'Saint',
];
const PLACE = [
  'Leith',
  'Govan',
  'Partick',
  'Dalkeith',
  'Kirkcaldy',
  'Paisley',
  'Gateshead',
  'Jarrow',
  'Hexham',
  'Durham',
  'Stirling',
  'Perth',
  'Ayr',
  'Dumfries',
  'Inverness',
  'Elgin',
  'Wick',
  'Lerwick',
  'Kirkwall',
  'Oban',
];
const WHAT: Record<string, string[]> = {
  ACCOMMODATION: ['housing options', 'supported flats', 'tenancy support', 'hostel', 'homelessness advice'],
  ATTITUDES_THINKING_AND_BEHAVIOUR: [
    'supervision',
    'group work',
    'restorative justice',
    'desistance support',
  ],
  CHILDREN_FAMILIES_AND_COMMUNITY: ['family contact', 'parenting support', 'visits centre', 'kinship care'],
  DRUGS_AND_ALCOHOL: [
    'recovery café',
    'harm reduction',
    'detox referral',
    'alcohol counselling',
    'naloxone training',
  ],
  EDUCATION_SKILLS_AND_WORK: ['employability', 'college access', 'work placements', 'CV clinic'],
  FINANCE_AND_ID: ['welfare rights', 'benefit claims', 'debt advice', 'bank account and ID'],
  HEALTH: ['GP registration', 'mental health liaison', 'dental access', 'wellbeing clinic'],
  WOMEN_ABUSE_AND_VIOLENCE: ['trauma counselling', 'domestic abuse advocacy', 'safe housing for women'],
  WOMEN_SEX_WORK: ['outreach', 'exit support', 'health drop-in'],
};
/** What somebody types, letter by letter (each prefix of 3 letters and more is a query). */
const PHRASES = [
  'housing options',
  'recovery cafe',
  'welfare rights',
  'mental health',
  'employability',
  'leith family',
];
const MISSPELT = [
  'housng optons',
  'recovry',
  'welfair rights',
  'mentle health',
  'employabilty',
  'domestc abuse',
];

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The generated directory as the import takes it. */
export function generatedDirectoryCsv(agencies: number, seed: number): { csv: string; services: number } {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const rows: string[] = [CSV_COLUMNS.join(',')];
  let services = 0;
  for (let i = 0; i < agencies; i++) {
    const kind = pick(AgencyKind.options);
    const area = pick(AREAS);
    const name = `${pick(FIRST)} ${pick(PLACE)} ${kind.toLowerCase().replace(/_/g, ' ')} ${i}`;
    const catchment = [area, ...(random() < 0.3 ? [pick(AREAS)] : [])].filter(
      (a, j, all) => all.indexOf(a) === j,
    );
    const count = 1 + Math.floor(random() * 4);
    const seen = new Set<string>();
    for (let k = 0; k < count; k++) {
      const pathway = pick(Pathway.options);
      const what = pick(WHAT[pathway]!);
      const serviceName = `${what} ${k}`;
      if (seen.has(`${pathway} ${serviceName}`)) continue;
      seen.add(`${pathway} ${serviceName}`);
      services += 1;
      const women = pathway.startsWith('WOMEN') || random() < 0.05;
      const minAge = random() < 0.1 ? '16' : '';
      const maxAge = minAge ? '25' : '';
      rows.push(
        [
          '',
          name,
          kind,
          area,
          catchment.join(' '),
          'Duty team',
          'MON 09:00-17:00; TUE 09:00-17:00',
          'Referrals | Referrals desk',
          serviceName,
          pathway,
          `${what} for people leaving prison in ${pick(PLACE)}`,
          women ? 'WOMEN' : 'ANY',
          minAge,
          maxAge,
          '',
          '',
          random() < 0.5 ? String(1 + Math.floor(random() * 40)) : '',
          random() < 0.9 ? 'true' : 'false',
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return { csv: rows.join('\n'), services };
}

function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1]!, n: s.length };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runDirectorySearchBench(
  o: DirectorySearchBenchOptions,
): Promise<DirectorySearchBenchResult> {
  const database = `bench_directory_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: o.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(o.adminUrl);
  url.pathname = `/${database}`;
  let db: DataSource | undefined;
  try {
    db = await createServiceDataSource({
      url: url.toString(),
      schema: DIRECTORY_SCHEMA,
      entities: [Agency, AgencyServiceOffer],
      migrations: directoryMigrations,
    });
    await db.runMigrations({ transaction: 'each' });
    const directory = new AgenciesService(db.getRepository(Agency), db);
    const { csv, services } = generatedDirectoryCsv(o.agencies, o.seed ?? 20261201);
    const t0 = performance.now();
    const imported = await directory.importCsv(csv, false, 'bench:directory-search');
    const importSeconds = (performance.now() - t0) / 1000;
    if (imported.agencies.created !== o.agencies)
      throw new Error(`imported ${imported.agencies.created} agencies, not ${o.agencies}`);
    await db.query(`ANALYZE "directory"."agency"; ANALYZE "directory"."agency_service"`);

    const typed: Array<Partial<SearchAgenciesQuery>> = [];
    for (const phrase of PHRASES)
      for (let n = 3; n <= phrase.length; n++) {
        const q = phrase.slice(0, n);
        typed.push({ q }, { q, pathway: 'ACCOMMODATION' }, { q, area: 'S12000036' });
      }
    const misspelt: Array<Partial<SearchAgenciesQuery>> = MISSPELT.map((q) => ({ q }));
    const query = (p: Partial<SearchAgenciesQuery>): SearchAgenciesQuery => ({
      includeNotAccepting: false,
      limit: 20,
      ...p,
    });

    const samples = {
      typed: [] as number[],
      misspelt: [] as number[],
      listing: [] as number[],
      floor: [] as number[],
    };
    let hits = 0;
    let searches = 0;
    // Warm up: the caches and the plans, once through everything.
    for (const p of [...typed, ...misspelt]) await directory.search(query(p));
    for (let r = 0; r < o.rounds; r++) {
      for (const [i, p] of typed.entries()) {
        samples.typed.push(
          await timed(async () => {
            const page = await directory.search(query(p));
            hits += page.items.length;
            searches += 1;
          }),
        );
        // Interleaved: one baseline sample of each kind per few searches.
        if (i % 3 === 0) {
          samples.listing.push(
            await timed(() => directory.list({ localAuthority: AREAS[i % AREAS.length], limit: 20 })),
          );
          samples.floor.push(await timed(() => db!.query('SELECT 1')));
        }
      }
      for (const p of misspelt) samples.misspelt.push(await timed(() => directory.search(query(p))));
    }
    return {
      agencies: o.agencies,
      services,
      importSeconds,
      search: percentiles([...samples.typed, ...samples.misspelt]),
      searchTyped: percentiles(samples.typed),
      searchMisspelt: percentiles(samples.misspelt),
      listing: percentiles(samples.listing),
      floor: percentiles(samples.floor),
      meanHits: hits / Math.max(1, searches),
    };
  } finally {
    await db?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}
