import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, QueryFailedError, Repository, type EntityManager } from 'typeorm';
import type { AgencyKind, Pathway } from '@throughcare/contracts';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { Agency } from './agency.entity';
import { AgencyServiceOffer } from './agency-service.entity';
import { MAX_LISTED_ERRORS, parseImport, toCsv, type ImportedAgency } from './agency-csv';
import { AgencyAlreadyExistsError, AgencyNotFoundError, InvalidCursorError } from './agency.errors';
import type {
  AgencyPage,
  AgencyServiceBody,
  AgencyServiceView,
  AgencyView,
  CreateAgencyBody,
  EligibleAgencies,
  EligibleAgenciesQuery,
  ImportResult,
  ListAgenciesQuery,
  SearchAgenciesQuery,
  SearchHit,
  SearchPage,
} from './agency.schemas';
import { SearchCursor as SearchCursorKey } from './agency.schemas';

interface Cursor {
  name: string;
  id: string;
}

const UNIQUE_VIOLATION = '23505';
/** Words one search takes (more are ignored). */
const MAX_WORDS = 8;
/** Known words tried for each typed word that matches none (pg_trgm similarity over 0.3, best first). */
const NEAR_WORDS = 3;

/** Words of the agency's kind, found by search. */
const KIND_WORDS: Record<AgencyKind, string> = {
  CJSW: 'justice social work cjsw',
  PROBATION: 'probation',
  HOUSING: 'housing',
  ADDICTION: 'addiction drugs alcohol recovery',
  BENEFITS_AND_EMPLOYMENT: 'benefits employment work',
  HEALTH: 'health',
  MENTORING: 'mentoring mentor',
  WOMENS_SERVICE: "women's service women",
  FAMILY_SUPPORT: 'family support',
};

/** What search matches for a service: agency name and kind, service name, description, pathway. */
export function searchTextOf(
  agency: { name: string; kind: AgencyKind },
  service: Pick<AgencyServiceBody, 'name' | 'description' | 'pathway'>,
): string {
  const pathway = service.pathway.toLowerCase().split('_').join(' ');
  return `${agency.name} ${KIND_WORDS[agency.kind]} ${service.name} ${service.description} ${pathway}`.slice(
    0,
    4000,
  );
}

/**
 * Typed words as a prefix query (`hous:* & edin:*`): letters and digits only, so nothing of the
 * tsquery syntax gets through.
 */
export function prefixQuery(q: string | undefined): { tsquery: string; words: string } | undefined {
  const words = (q ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu)
    ?.slice(0, MAX_WORDS);
  if (!words?.length) return undefined;
  return { tsquery: words.map((w) => `${w}:*`).join(' & '), words: words.join(' ') };
}

@Injectable()
export class AgenciesService {
  private trgmSchema: Promise<string> | undefined;

  constructor(
    @InjectRepository(Agency) private readonly agencies: Repository<Agency>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Keyset pagination on (name, id): stable under inserts, no OFFSET scans. */
  async list(query: ListAgenciesQuery): Promise<AgencyPage> {
    const qb = this.agencies
      .createQueryBuilder('a')
      .orderBy('a.name', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .take(query.limit + 1);
    if (query.localAuthority) qb.andWhere(':la = ANY(a.catchment)', { la: query.localAuthority });
    if (query.kind) qb.andWhere('a.kind = :kind', { kind: query.kind });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(a.name, a.id) > (:name, :id)', after);
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: await this.views(page),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ name: last.name, id: last.id }) : null,
    };
  }

  async get(id: string): Promise<AgencyView> {
    const agency = await this.find(id);
    if (!agency) throw AgencyNotFoundError.byId(id);
    return agency;
  }

  /** The agency with this id, or null when the directory holds none. */
  async find(id: string): Promise<AgencyView | null> {
    const agency = await this.agencies.findOneBy({ id });
    return agency ? (await this.views([agency]))[0]! : null;
  }

  /** The agency of `kind` whose catchment holds the area; first by name when several do. */
  async findServing(kind: AgencyKind, localAuthority: string): Promise<AgencyView> {
    const agency = await this.agencies
      .createQueryBuilder('a')
      .where('a.kind = :kind', { kind })
      .andWhere('a.catchment @> ARRAY[:la]::text[]', { la: localAuthority })
      .orderBy('a.name', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .getOne();
    if (!agency) throw AgencyNotFoundError.serving(kind, localAuthority);
    return (await this.views([agency]))[0]!;
  }

  async create(body: CreateAgencyBody, createdBy: string): Promise<AgencyView> {
    const id = await this.db.transaction((tx) => this.write(tx, undefined, body, createdBy));
    return this.get(id);
  }

  /** Replaces an agency's details and services (administrators); its id and creation stay. */
  async replace(id: string, body: CreateAgencyBody, by: string): Promise<AgencyView> {
    await this.db.transaction(async (tx) => {
      if (!(await tx.findOne(Agency, { where: { id }, lock: { mode: 'pessimistic_write' } })))
        throw AgencyNotFoundError.byId(id);
      await this.write(tx, id, body, by);
    });
    return this.get(id);
  }

  /**
   * Ranked search of services: filters (pathway, area in the catchment, kind, eligibility for the
   * person's sex, age and sentence, taking referrals) and, with `q`, the words as typed. First by
   * words: each word a prefix of a word of the service (full text, GIN), ranked by ts_rank. Only
   * when no service matches so (a misspelling), each word may also be one of the known words
   * spelt most like it (nearSpellings): `match` says which. Without `q`, by agency name. Keyset pages on (rank,
   * agency name, service id), within the phase the first page found.
   *
   * Two phases rather than one OR, and near spellings by word: ranking every trigram candidate of
   * a short prefix ("hou") cost 80 ms at 1,000 agencies in the benchmark
   * (test/bench/directory-search.ts), and the similarity of a whole query to every service's text
   * 240 ms.
   */
  async search(query: SearchAgenciesQuery): Promise<SearchPage> {
    const typed = prefixQuery(query.q);
    const cursor = query.cursor
      ? { phase: query.cursor[0], rank: query.cursor[1], name: query.cursor[2], id: query.cursor[3] }
      : undefined;
    if (!typed) return this.searchPhase(query, 'all', undefined, cursor);
    if (cursor?.phase === 'near')
      return this.searchPhase(query, 'near', await this.nearSpellings(typed), cursor);
    const byWords = await this.searchPhase(query, 'words', typed, cursor);
    if (byWords.items.length > 0 || cursor) return byWords;
    return this.searchPhase(query, 'near', await this.nearSpellings(typed), undefined);
  }

  /**
   * The typed words with, for each, the known words spelt most like it (directory.search_word,
   * pg_trgm similarity): `(housng:* | housing | hosing) & …`. Each lookup is a short word against
   * the word list's trigram index, so a misspelling costs a few small queries, not a similarity
   * against every service's text.
   */
  private async nearSpellings(typed: {
    tsquery: string;
    words: string;
  }): Promise<{ tsquery: string; words: string }> {
    const trgm = await this.trigramSchema();
    const alternatives = await Promise.all(
      typed.words.split(' ').map(async (word) => {
        const near = (await this.db.query(
          `SELECT "word" FROM "directory"."search_word"
            WHERE "word" OPERATOR("${trgm}".%) $1
            ORDER BY "${trgm}".similarity("word", $1) DESC, "word" LIMIT ${NEAR_WORDS}`,
          [word],
        )) as Array<{ word: string }>;
        // Known words are letters and digits only (ts_stat of the 'simple' configuration), but a
        // lexeme is quoted all the same.
        const quoted = near.map((n) => `'${n.word.replace(/'/g, "''")}'`);
        return `(${[`${word}:*`, ...quoted].join(' | ')})`;
      }),
    );
    return { tsquery: alternatives.join(' & '), words: typed.words };
  }

  private async searchPhase(
    query: SearchAgenciesQuery,
    phase: 'all' | 'words' | 'near',
    typed: { tsquery: string; words: string } | undefined,
    cursor: SearchCursor | undefined,
  ): Promise<SearchPage> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (query.pathway) where.push(`s."pathway" = ${p(query.pathway)}`);
    if (query.kind) where.push(`a."kind" = ${p(query.kind)}`);
    if (query.area) where.push(`a."catchment" @> ARRAY[${p(query.area)}]::text[]`);
    if (query.sex) where.push(`s."sex" IN ('ANY', ${p(query.sex === 'FEMALE' ? 'WOMEN' : 'MEN')})`);
    if (query.age !== undefined) {
      const age = p(query.age);
      where.push(`coalesce(s."min_age", 0) <= ${age} AND ${age} <= coalesce(s."max_age", 130)`);
    }
    if (query.sentenceMonths !== undefined) {
      const months = p(query.sentenceMonths);
      where.push(
        `coalesce(s."min_sentence_months", 0) <= ${months} AND ${months} <= coalesce(s."max_sentence_months", 2147483647)`,
      );
    }
    if (!query.includeNotAccepting) where.push(`s."accepting_referrals"`);
    let rank = '0::real';
    if (typed) {
      const tsq = `to_tsquery('simple', ${p(typed.tsquery)})`;
      where.push(`s."search" @@ ${tsq}`);
      rank = `ts_rank(s."search", ${tsq})::real`;
    }
    let after = '';
    if (cursor) {
      const r = p(cursor.rank);
      after = `WHERE hit."rank" < ${r}::real OR (hit."rank" = ${r}::real AND (hit."agency_name", hit."id") > (${p(cursor.name)}, ${p(cursor.id)}::uuid))`;
    }
    const limit = p(query.limit + 1);
    const sql = `
      SELECT * FROM (
        SELECT ${rank} AS "rank", s."id", s."agency_id", s."pathway", s."name", s."description", s."sex",
               s."min_age", s."max_age", s."min_sentence_months", s."max_sentence_months", s."capacity",
               s."accepting_referrals", a."name" AS "agency_name", a."kind" AS "agency_kind",
               a."local_authority" AS "agency_local_authority", a."contact_point" AS "agency_contact_point",
               a."catchment" AS "agency_catchment"
          FROM "directory"."agency_service" s JOIN "directory"."agency" a ON a."id" = s."agency_id"
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ) hit ${after}
      ORDER BY hit."rank" DESC, hit."agency_name" ASC, hit."id" ASC
      LIMIT ${limit}`;
    const rows = (await this.db.query(sql, params)) as SearchRow[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      match: phase,
      items: page.map((r) => ({
        rank: Number(r.rank),
        agency: agencySummary(r),
        service: serviceView(r),
      })),
      nextCursor:
        rows.length > query.limit && last
          ? SearchCursorKey.encode([phase, Number(last.rank), last.agency_name, last.id])
          : null,
    };
  }

  /**
   * The services a need may be referred to, best first: the first is the journey's choice, and a
   * decline moves to the next agency (README "Which agency a need goes to"; rule `ELIGIBILITY_RULE`).
   *
   * Eligible: a service on the need's pathway, taking referrals, of an agency whose catchment holds
   * the person's home area and which has not been tried for this need (`exclude`). A bound the
   * service sets (sex, age, sentence length) must be met by what is known of the person; what is
   * not known (a reception need not give sex or date of birth) does not meet it, so such a service is
   * offered only when it is known.
   *
   * Best first: an agency of the pathway's lead kind (LEAD_KINDS); a service for the person's sex
   * or age band before a general one; an agency listed in the person's own area before one
   * serving it from elsewhere; the smaller catchment; more places (capacity; unknown last); then
   * agency name and service id, so the same directory always gives the same order.
   */
  async eligible(query: EligibleAgenciesQuery): Promise<EligibleAgencies> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const area = p(query.area);
    const where = [
      `s."pathway" = ${p(query.pathway)}`,
      `s."accepting_referrals"`,
      `a."catchment" @> ARRAY[${area}]::text[]`,
    ];
    if (query.exclude.length) where.push(`a."id" <> ALL(${p(query.exclude)}::uuid[])`);
    where.push(
      query.sex ? `s."sex" IN ('ANY', ${p(query.sex === 'FEMALE' ? 'WOMEN' : 'MEN')})` : `s."sex" = 'ANY'`,
    );
    if (query.age === undefined) where.push(`s."min_age" IS NULL AND s."max_age" IS NULL`);
    else {
      const age = p(query.age);
      where.push(`coalesce(s."min_age", 0) <= ${age} AND ${age} <= coalesce(s."max_age", 130)`);
    }
    if (query.sentenceMonths === undefined)
      where.push(`s."min_sentence_months" IS NULL AND s."max_sentence_months" IS NULL`);
    else {
      const months = p(query.sentenceMonths);
      where.push(
        `coalesce(s."min_sentence_months", 0) <= ${months} AND ${months} <= coalesce(s."max_sentence_months", 2147483647)`,
      );
    }
    const sql = `
      SELECT s."id", s."agency_id", s."pathway", s."name", s."description", s."sex", s."min_age", s."max_age",
             s."min_sentence_months", s."max_sentence_months", s."capacity", s."accepting_referrals",
             a."name" AS "agency_name", a."kind" AS "agency_kind", a."local_authority" AS "agency_local_authority",
             a."contact_point" AS "agency_contact_point", a."catchment" AS "agency_catchment",
             a."kind" = ANY(${p(LEAD_KINDS[query.pathway])}::text[]) AS "lead_kind",
             (s."sex" <> 'ANY' OR s."min_age" IS NOT NULL OR s."max_age" IS NOT NULL) AS "specific",
             a."local_authority" = ${area} AS "listed_in_area",
             cardinality(a."catchment") AS "catchment_size"
        FROM "directory"."agency_service" s JOIN "directory"."agency" a ON a."id" = s."agency_id"
       WHERE ${where.join(' AND ')}
       ORDER BY "lead_kind" DESC, "specific" DESC, "listed_in_area" DESC, "catchment_size" ASC,
                s."capacity" DESC NULLS LAST, a."name" ASC, s."id" ASC
       LIMIT ${p(query.limit)}`;
    const rows = (await this.db.query(sql, params)) as Array<
      SearchRow & { lead_kind: boolean; specific: boolean; listed_in_area: boolean; catchment_size: number }
    >;
    return {
      rule: ELIGIBILITY_RULE,
      items: rows.map((r) => ({
        agency: agencySummary(r),
        service: serviceView(r),
        because: {
          leadKind: r.lead_kind,
          specific: r.specific,
          listedInArea: r.listed_in_area,
          catchmentSize: Number(r.catchment_size),
        },
      })),
    };
  }

  /** Every agency and its services as CSV (agency_csv.ts), by name. */
  async exportCsv(): Promise<string> {
    const all = await this.agencies.find({ order: { name: 'ASC', id: 'ASC' } });
    return toCsv(await this.views(all));
  }

  /**
   * Imports a CSV (agency-csv.ts): each agency it names is created, or replaced with the file's
   * details and services (matched by agency_id, else kind, local authority and name). All or
   * nothing: any row error answers 400 listing each (line and column), and nothing is written.
   * `dryRun` checks without writing.
   */
  async importCsv(csv: string, dryRun: boolean, by: string): Promise<ImportResult> {
    const parsed = parseImport(csv);
    const refuse = (errors: typeof parsed.errors) => {
      throw new ValidationFailedError(
        `the import has ${errors.length} error${errors.length === 1 ? '' : 's'}: nothing was imported`,
        errors.slice(0, MAX_LISTED_ERRORS),
        'IMPORT_INVALID',
      );
    };
    if (parsed.errors.length) refuse(parsed.errors);
    const counts = { created: 0, updated: 0 };
    let services = 0;
    const run = async (tx: EntityManager) => {
      const errors: typeof parsed.errors = [];
      // The agencies the file names, found in two queries (by id, by kind, area and name) and
      // locked, instead of one lookup per agency.
      const ids = parsed.agencies.flatMap((a) => (a.id ? [a.id] : []));
      const byId = new Map<string, Agency>();
      if (ids.length)
        for (const agency of await tx
          .getRepository(Agency)
          .createQueryBuilder('a')
          .setLock('pessimistic_write')
          .where('a.id = ANY(:ids::uuid[])', { ids })
          .getMany())
          byId.set(agency.id, agency);
      const named = parsed.agencies.filter((a) => !a.id);
      const byKey = new Map<string, Agency>();
      const key = (kind: string, area: string, name: string) => `${kind}\u0000${area}\u0000${name}`;
      if (named.length)
        for (const agency of await tx
          .getRepository(Agency)
          .createQueryBuilder('a')
          .setLock('pessimistic_write')
          .where(
            '(a.kind, a.local_authority, a.name) IN (SELECT * FROM unnest(:kinds::text[], :areas::text[], :names::text[]))',
            {
              kinds: named.map((a) => a.body.kind),
              areas: named.map((a) => a.body.localAuthority),
              names: named.map((a) => a.body.name),
            },
          )
          .getMany())
          byKey.set(key(agency.kind, agency.localAuthority, agency.name), agency);
      const fresh: typeof parsed.agencies = [];
      for (const a of parsed.agencies) {
        const existing = a.id
          ? byId.get(a.id)
          : byKey.get(key(a.body.kind, a.body.localAuthority, a.body.name));
        if (a.id && !existing) {
          errors.push({ field: `line ${a.lines[0]}.agency_id`, message: `no agency with id ${a.id}` });
          continue;
        }
        if (existing) counts.updated += 1;
        else counts.created += 1;
        services += a.body.services.length;
        if (dryRun || errors.length > 0) continue;
        // New agencies are written many at a time (below); a replacement, one at a time.
        if (!existing) {
          fresh.push(a);
          continue;
        }
        try {
          await this.write(tx, existing.id, a.body, by, { refreshWords: false });
        } catch (e) {
          if (!(e instanceof AgencyAlreadyExistsError)) throw e;
          errors.push({ field: `line ${a.lines[0]}.agency_name`, message: e.message });
        }
      }
      if (errors.length) refuse(errors);
      for (let i = 0; i < fresh.length; i += IMPORT_BATCH) {
        const batch = fresh.slice(i, i + IMPORT_BATCH);
        try {
          await tx.query('SAVEPOINT import_batch');
          await this.insertMany(tx, batch, by);
          await tx.query('RELEASE SAVEPOINT import_batch');
        } catch (e) {
          const unique =
            e instanceof QueryFailedError && (e.driverError as { code?: string }).code === UNIQUE_VIOLATION;
          if (!unique) throw e;
          // Somewhere in the batch an agency's name is taken (by another agency of the file with
          // another id, say): one at a time, so the error names its line.
          await tx.query('ROLLBACK TO SAVEPOINT import_batch');
          for (const a of batch)
            try {
              await this.write(tx, undefined, a.body, by, { refreshWords: false });
            } catch (one) {
              if (!(one instanceof AgencyAlreadyExistsError)) throw one;
              errors.push({ field: `line ${a.lines[0]}.agency_name`, message: one.message });
            }
        }
      }
      if (errors.length) refuse(errors);
      // The word list, once for the whole file.
      if (!dryRun)
        await tx.query(
          `INSERT INTO "directory"."search_word" ("word")
           SELECT "word" FROM ts_stat('SELECT "search" FROM "directory"."agency_service"') ON CONFLICT DO NOTHING`,
        );
    };
    await this.db.transaction(run);
    return { dryRun, rows: parsed.rows, agencies: counts, services };
  }

  /** Inserts new agencies and their services, many rows to a statement. */
  private async insertMany(tx: EntityManager, agencies: ImportedAgency[], by: string): Promise<void> {
    const rows = agencies.map((a) => ({ id: randomUUID(), body: a.body }));
    await tx.insert(
      Agency,
      rows.map(({ id, body }) => ({ id, ...agencyDetails(body), createdBy: by })),
    );
    const services = rows.flatMap(({ id, body }) => body.services.map((s) => serviceRow(id, body, s)));
    for (let i = 0; i < services.length; i += IMPORT_BATCH)
      await tx.insert(AgencyServiceOffer, services.slice(i, i + IMPORT_BATCH));
  }

  /** Inserts or replaces one agency and its services in `tx`; answers its id. */
  private async write(
    tx: EntityManager,
    id: string | undefined,
    body: CreateAgencyBody,
    by: string,
    { refreshWords = true }: { refreshWords?: boolean } = {},
  ): Promise<string> {
    const agencyId = id ?? randomUUID();
    const details = agencyDetails(body);
    try {
      await tx.query('SAVEPOINT agency_write');
      if (id) {
        await tx.update(Agency, { id }, { ...details, updatedAt: new Date(), updatedBy: by });
        await tx.delete(AgencyServiceOffer, { agencyId: id });
      } else {
        await tx.insert(Agency, { id: agencyId, ...details, createdBy: by });
      }
      await tx.query('RELEASE SAVEPOINT agency_write');
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        await tx.query('ROLLBACK TO SAVEPOINT agency_write');
        throw new AgencyAlreadyExistsError(body.name, body.localAuthority);
      }
      throw error;
    }
    if (body.services.length) {
      await tx.insert(
        AgencyServiceOffer,
        body.services.map((s) => serviceRow(agencyId, body, s)),
      );
      // New words join the word list near spellings are found in (never removed: a word no
      // longer used only offers a spelling that finds nothing). An import does it once at the end.
      if (refreshWords)
        await tx.query(
          `INSERT INTO "directory"."search_word" ("word")
         SELECT "word" FROM ts_stat($$SELECT "search" FROM "directory"."agency_service" WHERE "agency_id" = '${agencyId}'$$)
         ON CONFLICT DO NOTHING`,
        );
    }
    return agencyId;
  }

  /** Views of `agencies` with their services (one query for all of them). */
  private async views(agencies: Agency[]): Promise<AgencyView[]> {
    if (agencies.length === 0) return [];
    const services = await this.db.getRepository(AgencyServiceOffer).find({
      where: { agencyId: In(agencies.map((a) => a.id)) },
      order: { pathway: 'ASC', name: 'ASC', id: 'ASC' },
    });
    const by = new Map<string, AgencyServiceView[]>();
    for (const s of services) {
      const list = by.get(s.agencyId) ?? [];
      list.push(serviceView(s));
      by.set(s.agencyId, list);
    }
    return agencies.map((a) => toView(a, by.get(a.id) ?? []));
  }

  /** The schema pg_trgm was created in (the migration asks for `public`; an older one stays where it is). */
  private trigramSchema(): Promise<string> {
    this.trgmSchema ??= this.db
      .query(
        `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
      )
      .then((rows: Array<{ schema: string }>) => {
        if (!rows[0]) throw new Error('the pg_trgm extension is not installed (directory migration 300)');
        return rows[0].schema;
      });
    this.trgmSchema.catch(() => (this.trgmSchema = undefined));
    return this.trgmSchema;
  }
}

/** Agencies (and, separately, services) one INSERT of an import carries. */
const IMPORT_BATCH = 500;

/** An agency's columns as the body gives them (its catchment is its own area unless stated). */
function agencyDetails(body: CreateAgencyBody) {
  return {
    name: body.name,
    kind: body.kind,
    localAuthority: body.localAuthority,
    contactPoint: body.contactPoint,
    catchment: body.catchment ?? [body.localAuthority],
    openingHours: body.openingHours,
    contacts: body.contacts,
  };
}

/** A service's row, with the search text made from it and its agency. */
function serviceRow(agencyId: string, body: CreateAgencyBody, s: AgencyServiceBody) {
  return {
    id: randomUUID(),
    agencyId,
    pathway: s.pathway,
    name: s.name,
    description: s.description,
    sex: s.sex,
    minAge: s.minAge ?? null,
    maxAge: s.maxAge ?? null,
    minSentenceMonths: s.minSentenceMonths ?? null,
    maxSentenceMonths: s.maxSentenceMonths ?? null,
    capacity: s.capacity ?? null,
    acceptingReferrals: s.acceptingReferrals,
    searchText: searchTextOf(body, s),
  };
}

/** The version of the rule `eligible` applies: a change of order or of criteria is a new version. */
export const ELIGIBILITY_RULE = 'eligibility-v1';

/**
 * The kinds of agency that lead on each pathway (chosen before others that offer it): the
 * resettlement pathways' usual providers. CJSW and probation are referred to for supervision on
 * every sentence by the journey itself, so they lead on none here.
 */
export const LEAD_KINDS: Record<Pathway, AgencyKind[]> = {
  ACCOMMODATION: ['HOUSING'],
  ATTITUDES_THINKING_AND_BEHAVIOUR: ['MENTORING'],
  CHILDREN_FAMILIES_AND_COMMUNITY: ['FAMILY_SUPPORT'],
  DRUGS_AND_ALCOHOL: ['ADDICTION'],
  EDUCATION_SKILLS_AND_WORK: ['BENEFITS_AND_EMPLOYMENT'],
  FINANCE_AND_ID: ['BENEFITS_AND_EMPLOYMENT'],
  HEALTH: ['HEALTH'],
  WOMEN_ABUSE_AND_VIOLENCE: ['WOMENS_SERVICE'],
  WOMEN_SEX_WORK: ['WOMENS_SERVICE'],
};

function agencySummary(r: SearchRow): SearchHit['agency'] {
  return {
    id: r.agency_id,
    name: r.agency_name,
    kind: r.agency_kind,
    localAuthority: r.agency_local_authority,
    contactPoint: r.agency_contact_point,
    catchment: r.agency_catchment,
  };
}

interface SearchRow {
  rank?: number | string;
  id: string;
  agency_id: string;
  pathway: AgencyServiceView['pathway'];
  name: string;
  description: string;
  sex: AgencyServiceView['sex'];
  min_age: number | null;
  max_age: number | null;
  min_sentence_months: number | null;
  max_sentence_months: number | null;
  capacity: number | null;
  accepting_referrals: boolean;
  agency_name: string;
  agency_kind: AgencyKind;
  agency_local_authority: string;
  agency_contact_point: string;
  agency_catchment: string[];
}

function serviceView(s: AgencyServiceOffer | SearchRow): AgencyServiceView {
  const row = 'agency_id' in s;
  return {
    id: s.id,
    pathway: s.pathway,
    name: s.name,
    description: s.description,
    sex: s.sex,
    minAge: row ? s.min_age : s.minAge,
    maxAge: row ? s.max_age : s.maxAge,
    minSentenceMonths: row ? s.min_sentence_months : s.minSentenceMonths,
    maxSentenceMonths: row ? s.max_sentence_months : s.maxSentenceMonths,
    capacity: s.capacity,
    acceptingReferrals: row ? s.accepting_referrals : s.acceptingReferrals,
  };
}

function toView(agency: Agency, services: AgencyServiceView[]): AgencyView {
  return {
    id: agency.id,
    name: agency.name,
    kind: agency.kind,
    localAuthority: agency.localAuthority,
    contactPoint: agency.contactPoint,
    catchment: agency.catchment,
    openingHours: agency.openingHours,
    contacts: agency.contacts,
    services,
    createdAt: agency.createdAt.toISOString(),
    createdBy: agency.createdBy,
    updatedAt: agency.updatedAt ? agency.updatedAt.toISOString() : null,
    updatedBy: agency.updatedBy,
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.name, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  const value = decodeJson(raw);
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string'
  )
    return { name: value[0], id: value[1] };
  throw new InvalidCursorError();
}

interface SearchCursor {
  phase: 'all' | 'words' | 'near';
  rank: number;
  name: string;
  id: string;
}

function decodeJson(raw: string): unknown {
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
