import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bearer, type TestPrincipal } from '@throughcare/testing';
import { AgenciesService } from './agencies.service';
import { DIRECTORY_AUDIENCE, startDirectory } from './directory-app.spec-support';
import { CSV_BODY_LIMIT_BYTES, type AgencyView, type SearchPage } from './agency.schemas';

// The directory in depth (issue 9): services by resettlement pathway, catchment, eligibility,
// ranked search while typing, CSV export and import, against real Postgres.

const AUDIENCE = DIRECTORY_AUDIENCE;
const ADMIN: TestPrincipal = { roles: ['administrator'] };
const READER: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const EDINBURGH = 'S12000036';
const MIDLOTHIAN = 'S12000019';
const GLASGOW = 'S12000049';

describe('directory: services by pathway, catchment, eligibility, search and CSV (real Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  /** A word unique to this run, in every agency it creates, so searches see only them. */
  const tag = `zq${randomUUID().replace(/-/g, '').slice(0, 8)}`;

  beforeAll(async () => {
    ({ app, base } = await startDirectory({
      csv: { routes: ['/agencies/import'], bodyLimitBytes: CSV_BODY_LIMIT_BYTES },
    }));
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    as: TestPrincipal = READER,
    body?: { json?: unknown; csv?: string; type?: string },
  ) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(await bearer(as, AUDIENCE)),
        ...(body
          ? { 'content-type': body.type ?? (body.csv !== undefined ? 'text/csv' : 'application/json') }
          : {}),
      },
      body: body ? (body.csv ?? JSON.stringify(body.json)) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* CSV or text */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed, text };
  };
  const create = async (body: Record<string, unknown>): Promise<AgencyView> => {
    const r = await call('POST', '/agencies', ADMIN, { json: body });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
    return r.body as AgencyView;
  };
  const search = async (query: Record<string, string>): Promise<SearchPage> => {
    const r = await call('GET', `/agencies/search?${new URLSearchParams(query).toString()}`);
    if (r.status !== 200) throw new Error(`search: ${r.status} ${r.text}`);
    return r.body as SearchPage;
  };
  const names = (page: SearchPage) => page.items.map((i) => `${i.agency.name} / ${i.service.name}`);

  let womens: AgencyView;
  let recovery: AgencyView;
  let youth: AgencyView;

  beforeAll(async () => {
    // A women's service listed in Edinburgh that also serves Midlothian; an addiction service in
    // Edinburgh, one of whose services is full; a youth housing project for 16-25s in Glasgow.
    womens = await create({
      name: `Shine Women's Mentoring ${tag}`,
      kind: 'WOMENS_SERVICE',
      localAuthority: EDINBURGH,
      contactPoint: 'Referrals desk',
      catchment: [EDINBURGH, MIDLOTHIAN],
      openingHours: [{ day: 'MON', opens: '09:00', closes: '17:00' }],
      contacts: [{ name: 'Referrals coordinator', role: 'Referrals', email: 'referrals@example.org' }],
      services: [
        {
          pathway: 'WOMEN_ABUSE_AND_VIOLENCE',
          name: 'Trauma-informed mentoring',
          description: 'One-to-one mentoring from three months before release',
          sex: 'WOMEN',
        },
        {
          pathway: 'ACCOMMODATION',
          name: 'Housing support for women',
          description: 'Help to keep or find a tenancy',
          sex: 'WOMEN',
          minSentenceMonths: 6,
        },
      ],
    });
    recovery = await create({
      name: `Edinburgh Recovery Hub ${tag}`,
      kind: 'ADDICTION',
      localAuthority: EDINBURGH,
      contactPoint: 'Duty worker',
      services: [
        { pathway: 'DRUGS_AND_ALCOHOL', name: 'Recovery café', description: 'Peer support, no appointment' },
        {
          pathway: 'DRUGS_AND_ALCOHOL',
          name: 'Residential rehabilitation',
          description: 'Twelve-week programme',
          capacity: 12,
          acceptingReferrals: false,
        },
      ],
    });
    youth = await create({
      name: `Glasgow Youth Housing Project ${tag}`,
      kind: 'HOUSING',
      localAuthority: GLASGOW,
      contactPoint: 'Intake team',
      services: [
        {
          pathway: 'ACCOMMODATION',
          name: 'Supported flats for young people',
          description: 'Supported accommodation',
          minAge: 16,
          maxAge: 25,
        },
      ],
    });
  });

  it('lists an agency with its catchment, hours, contacts and services', async () => {
    const got = await call('GET', `/agencies/${womens.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      catchment: [EDINBURGH, MIDLOTHIAN],
      openingHours: [{ day: 'MON', opens: '09:00', closes: '17:00' }],
      contacts: [{ name: 'Referrals coordinator', role: 'Referrals', email: 'referrals@example.org' }],
      services: [
        { pathway: 'ACCOMMODATION', sex: 'WOMEN', minSentenceMonths: 6, acceptingReferrals: true },
        { pathway: 'WOMEN_ABUSE_AND_VIOLENCE', sex: 'WOMEN' },
      ],
    });
  });

  it('finds services by pathway and by the area a catchment covers, not only where the agency is listed', async () => {
    const midlothian = await search({ q: tag, area: MIDLOTHIAN });
    expect(names(midlothian).sort()).toEqual(
      [
        `Shine Women's Mentoring ${tag} / Housing support for women`,
        `Shine Women's Mentoring ${tag} / Trauma-informed mentoring`,
      ].sort(),
    );
    const accommodation = await search({ q: tag, pathway: 'ACCOMMODATION' });
    expect(names(accommodation).sort()).toEqual(
      [
        `Glasgow Youth Housing Project ${tag} / Supported flats for young people`,
        `Shine Women's Mentoring ${tag} / Housing support for women`,
      ].sort(),
    );
  });

  it('leaves out what the person is not eligible for, and what takes no referrals unless asked', async () => {
    const forMan = await search({ q: tag, sex: 'MALE' });
    expect(names(forMan).every((n) => !n.startsWith('Shine'))).toBe(true);
    expect(
      (await search({ q: tag, sex: 'FEMALE', sentenceMonths: '3', pathway: 'ACCOMMODATION' })).items.map(
        (i) => i.agency.id,
      ),
    ).toEqual([youth.id]);
    expect(
      (
        await search({ q: tag, age: '30', pathway: 'ACCOMMODATION', sex: 'FEMALE', sentenceMonths: '12' })
      ).items.map((i) => i.agency.id),
    ).toEqual([womens.id]);
    const drugs = await search({ q: tag, pathway: 'DRUGS_AND_ALCOHOL' });
    expect(names(drugs)).toEqual([`Edinburgh Recovery Hub ${tag} / Recovery café`]);
    const all = await search({ q: tag, pathway: 'DRUGS_AND_ALCOHOL', includeNotAccepting: 'true' });
    expect(names(all).sort()).toEqual(
      [
        `Edinburgh Recovery Hub ${tag} / Recovery café`,
        `Edinburgh Recovery Hub ${tag} / Residential rehabilitation`,
      ].sort(),
    );
  });

  it('matches words as they are typed (prefixes) and near spellings, best match first', async () => {
    // A prefix of a word, with the run's tag.
    const typing = await search({ q: `${tag} rehab`, includeNotAccepting: 'true' });
    expect(names(typing)[0]).toBe(`Edinburgh Recovery Hub ${tag} / Residential rehabilitation`);
    // A misspelling of a word, found by trigram similarity.
    const misspelt = await search({ q: `Trauma-informd mentorng ${tag}` });
    expect(misspelt.match).toBe('near');
    expect(names(misspelt)[0]).toBe(`Shine Women's Mentoring ${tag} / Trauma-informed mentoring`);
    expect(typing.match).toBe('words');
    // Ranked: every page is in falling rank.
    const ranks = typing.items.map((i) => i.rank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
  });

  it('pages through results with a cursor, each result once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search({
        q: tag,
        includeNotAccepting: 'true',
        limit: '2',
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((i) => i.service.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.length).toBe(5);
    expect(new Set(seen).size).toBe(5);
    const bad = await call('GET', '/agencies/search?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
  });

  it('refuses a bad query naming the field', async () => {
    const r = await call('GET', '/agencies/search?pathway=SWIMMING&age=-1');
    expect(r.status).toBe(400);
    expect(((r.body as { errors: { field: string }[] }).errors ?? []).map((e) => e.field).sort()).toEqual([
      'age',
      'pathway',
    ]);
  });

  it('finds the agency serving an area by its catchment (the journey’s lookup): the North East’s probation region serves Newcastle', async () => {
    const found = await app.get(AgenciesService).findServing('PROBATION', 'E08000021');
    expect(found.name).toBe('Probation Service North East');
    expect(found.catchment).toContain('E08000021');
  });

  it('exports CSV that imports back unchanged (a dry run says so), and imports new agencies and replacements', async () => {
    const exported = await call('GET', '/agencies/export');
    expect(exported.status).toBe(200);
    expect(exported.type).toMatch(/^text\/csv/);
    const lines = exported.text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'agency_id,agency_name,kind,local_authority,catchment,contact_point,opening_hours,contacts,service_name,pathway,description,sex,min_age,max_age,min_sentence_months,max_sentence_months,capacity,accepting_referrals',
    );
    const ours = [lines[0]!, ...lines.filter((l) => l.includes(tag))].join('\n');
    const dry = await call('POST', '/agencies/import?dryRun=true', ADMIN, { csv: ours });
    expect(dry).toMatchObject({
      status: 200,
      body: { dryRun: true, rows: 5, agencies: { created: 0, updated: 3 }, services: 5 },
    });

    // A new agency, and the recovery hub with one service only: it replaces the two it had.
    const csv = [
      lines[0],
      `,New Start Mentoring ${tag},MENTORING,${GLASGOW},${GLASGOW} S12000038,Mentor team,MON 10:00-16:00; TUE 10:00-16:00,Mentor lead | Lead mentor | mentors@example.org,Through the gate mentoring,EDUCATION_SKILLS_AND_WORK,Met at the gate on release day,ANY,18,,,,20,true`,
      `${recovery.id},Edinburgh Recovery Hub ${tag},ADDICTION,${EDINBURGH},${EDINBURGH},Duty worker,,,Recovery café,DRUGS_AND_ALCOHOL,Peer support,ANY,,,,,,yes`,
    ].join('\n');
    const imported = await call('POST', '/agencies/import', ADMIN, { csv });
    expect(imported).toMatchObject({
      status: 200,
      body: { dryRun: false, rows: 2, agencies: { created: 1, updated: 1 }, services: 2 },
    });
    const hub = (await call('GET', `/agencies/${recovery.id}`)).body as AgencyView;
    expect(hub.services.map((s) => s.name)).toEqual(['Recovery café']);
    expect(hub.updatedBy).toMatch(/^client:/);
    const mentoring = await search({ q: `${tag} gate`, area: 'S12000038' });
    expect(names(mentoring)).toEqual([`New Start Mentoring ${tag} / Through the gate mentoring`]);
    expect(mentoring.items[0]!.agency.catchment).toEqual([GLASGOW, 'S12000038']);
  });

  it('refuses a file with errors as a whole, naming each line and column, and writes nothing', async () => {
    const header =
      'agency_id,agency_name,kind,local_authority,catchment,contact_point,opening_hours,contacts,service_name,pathway,description,sex,min_age,max_age,min_sentence_months,max_sentence_months,capacity,accepting_referrals';
    const csv = [
      header,
      `,Good Agency ${tag},HEALTH,${EDINBURGH},,Desk,,,Clinic,HEALTH,,ANY,,,,,,`,
      `,Bad Agency ${tag},NOT_A_KIND,S99,,Desk,MONDAY 9-5,,Clinic,SWIMMING,,ANY,abc,,,,,maybe`,
      `,Good Agency ${tag},HEALTH,${EDINBURGH},,Other desk,,,Second clinic,HEALTH,,ANY,,,,,,`,
      `not-a-uuid,Named Agency ${tag},HEALTH,${EDINBURGH},,Desk,,,Clinic,HEALTH,,ANY,,,,,,`,
    ].join('\n');
    const r = await call('POST', '/agencies/import', ADMIN, { csv });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'IMPORT_INVALID' });
    const fields = ((r.body as { errors: { field: string }[] }).errors ?? []).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'line 3.opening_hours',
        'line 3.min_age',
        'line 3.accepting_referrals',
        'line 3.kind',
        'line 3.local_authority',
        'line 3.pathway',
        'line 4.contact_point',
        'line 5.agency_id',
      ]),
    );
    const health = await call('GET', `/agencies?kind=HEALTH&localAuthority=${EDINBURGH}&limit=100`);
    expect(
      ((health.body as { items: AgencyView[] }).items ?? []).filter((a) => a.name.includes(tag)),
    ).toEqual([]);
    // Unknown columns, an empty file: refused too.
    const unknown = await call('POST', '/agencies/import', ADMIN, { csv: 'agency_name,colour\nX,red' });
    expect(unknown.status).toBe(400);
    expect(((unknown.body as { errors: { field: string }[] }).errors ?? []).map((e) => e.field)).toEqual(
      expect.arrayContaining(['line 1.colour', 'line 1.kind']),
    );
  });

  it('names the line of a new agency whose name another row of the file takes, and writes nothing', async () => {
    const header =
      'agency_id,agency_name,kind,local_authority,catchment,contact_point,opening_hours,contacts,service_name,pathway,description,sex,min_age,max_age,min_sentence_months,max_sentence_months,capacity,accepting_referrals';
    // Row 2 renames the recovery hub to the name row 3 gives a new agency of the same kind and area.
    const csv = [
      header,
      `${recovery.id},Clash ${tag},ADDICTION,${EDINBURGH},,Duty worker,,,Recovery café,DRUGS_AND_ALCOHOL,,ANY,,,,,,`,
      `,Clash ${tag},ADDICTION,${EDINBURGH},,Desk,,,Drop-in,DRUGS_AND_ALCOHOL,,ANY,,,,,,`,
    ].join('\n');
    const r = await call('POST', '/agencies/import', ADMIN, { csv });
    expect(r.status).toBe(400);
    expect(((r.body as { errors: { field: string }[] }).errors ?? []).map((e) => e.field)).toEqual([
      'line 3.agency_name',
    ]);
    expect(((await call('GET', `/agencies/${recovery.id}`)).body as AgencyView).name).toBe(
      `Edinburgh Recovery Hub ${tag}`,
    );
  });

  it('takes CSV on the import route only, from administrators only', async () => {
    expect((await call('POST', '/agencies', ADMIN, { csv: 'a,b\n1,2' })).status).toBe(415);
    expect((await call('POST', '/agencies/import', ADMIN, { json: { csv: 'x' } })).status).toBe(400);
    expect((await call('POST', '/agencies/import', ADMIN, { csv: 'x', type: 'text/plain' })).status).toBe(
      415,
    );
    expect((await call('POST', '/agencies/import', READER, { csv: 'a' })).status).toBe(404);
  });
});
