import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AgencyChoice } from '@throughcare/contracts';
import { bearer, mockActivityEnvironment, type TestPrincipal } from '@throughcare/testing';
import { AgenciesService, ELIGIBILITY_RULE } from './agencies.service';
import type { AgencyView, EligibleAgencies } from './agency.schemas';
import { createDirectoryActivities } from './directory.activities';
import { DIRECTORY_AUDIENCE, startDirectory } from './directory-app.spec-support';

// Which agency a need goes to (issue 9): the directory's documented eligibility rule, against real
// Postgres. Specs share the database, so each run tags its agencies and looks only at them.

const AUDIENCE = DIRECTORY_AUDIENCE;
const ADMIN: TestPrincipal = { roles: ['administrator'] };
const READER: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
/** Na h-Eileanan Siar, and two other councils. */
const SIAR = 'S12000013';
const HIGHLAND = 'S12000017';
const ORKNEY = 'S12000023';

describe('directory: which agency a need goes to (eligibility rule, real Postgres)', () => {
  let app: NestFastifyApplication;
  let base: string;
  const tag = `elig${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const made = new Map<string, AgencyView>();

  beforeAll(async () => {
    ({ app, base } = await startDirectory());

    const finance = (extra: Record<string, unknown> = {}) => ({
      pathway: 'FINANCE_AND_ID',
      name: 'Money advice',
      ...extra,
    });
    const agencies: Array<[string, Record<string, unknown>]> = [
      // A mentoring agency offers money advice too, but benefits and employment leads on finance.
      ['mentor', { kind: 'MENTORING', localAuthority: SIAR, services: [finance()] }],
      ['benefits-local', { kind: 'BENEFITS_AND_EMPLOYMENT', localAuthority: SIAR, services: [finance()] }],
      // Serving the area from elsewhere, across two councils and across three.
      [
        'benefits-regional',
        {
          kind: 'BENEFITS_AND_EMPLOYMENT',
          localAuthority: HIGHLAND,
          catchment: [HIGHLAND, SIAR],
          services: [finance({ capacity: 5 })],
        },
      ],
      [
        'benefits-national',
        {
          kind: 'BENEFITS_AND_EMPLOYMENT',
          localAuthority: ORKNEY,
          catchment: [ORKNEY, HIGHLAND, SIAR],
          services: [finance()],
        },
      ],
      // For women only: chosen first for a woman, never when the person's sex is not known.
      [
        'benefits-women',
        {
          kind: 'BENEFITS_AND_EMPLOYMENT',
          localAuthority: SIAR,
          services: [finance({ sex: 'WOMEN', name: "Women's money advice" })],
        },
      ],
      // For long sentences only: offered when the sentence is known and long enough.
      [
        'benefits-long',
        {
          kind: 'BENEFITS_AND_EMPLOYMENT',
          localAuthority: HIGHLAND,
          catchment: [HIGHLAND, SIAR],
          services: [finance({ minSentenceMonths: 48 })],
        },
      ],
      // Not taking referrals now, and serving another area only: never offered.
      [
        'benefits-full',
        {
          kind: 'BENEFITS_AND_EMPLOYMENT',
          localAuthority: SIAR,
          services: [finance({ acceptingReferrals: false })],
        },
      ],
      [
        'benefits-elsewhere',
        { kind: 'BENEFITS_AND_EMPLOYMENT', localAuthority: ORKNEY, services: [finance()] },
      ],
    ];
    for (const [key, body] of agencies) {
      const res = await call('POST', '/agencies', ADMIN, {
        name: `${tag} ${key}`,
        contactPoint: 'Duty team',
        ...body,
      });
      if (res.status !== 201) throw new Error(`creating ${key}: ${res.status} ${JSON.stringify(res.body)}`);
      made.set(key, res.body as AgencyView);
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  async function call(method: 'GET' | 'POST', path: string, as: TestPrincipal = READER, json?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(await bearer(as, AUDIENCE)), ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }
  const keyOf = (id: string) => [...made].find(([, a]) => a.id === id)?.[0];
  /** This run's agencies among the eligible, in the rule's order. */
  async function eligible(query: Record<string, string>): Promise<string[]> {
    const res = await call(
      'GET',
      `/agencies/eligible?${new URLSearchParams({ pathway: 'FINANCE_AND_ID', area: SIAR, limit: '50', ...query }).toString()}`,
    );
    if (res.status !== 200) throw new Error(`eligible: ${res.status} ${JSON.stringify(res.body)}`);
    const page = res.body as EligibleAgencies;
    expect(page.rule).toBe(ELIGIBILITY_RULE);
    return page.items.flatMap((i) => {
      const key = keyOf(i.agency.id);
      return key ? [key] : [];
    });
  }

  it('ranks the lead kind first, then the agency listed in the area, the smaller catchment and more places; never one not accepting or not serving the area', async () => {
    expect(await eligible({ sentenceMonths: '12' })).toEqual([
      'benefits-local',
      'benefits-regional',
      'benefits-national',
      'mentor',
    ]);
  });

  it('offers a service for one sex only when the person is of it, and first; never when the sex is not known', async () => {
    expect(await eligible({ sentenceMonths: '12', sex: 'FEMALE' })).toEqual([
      'benefits-women',
      'benefits-local',
      'benefits-regional',
      'benefits-national',
      'mentor',
    ]);
    expect(await eligible({ sentenceMonths: '12', sex: 'MALE' })).not.toContain('benefits-women');
    expect(await eligible({ sentenceMonths: '12' })).not.toContain('benefits-women');
  });

  it('offers a service bounded by sentence length only when the sentence is known and within it', async () => {
    expect(await eligible({})).not.toContain('benefits-long');
    expect(await eligible({ sentenceMonths: '47' })).not.toContain('benefits-long');
    expect(await eligible({ sentenceMonths: '48' })).toContain('benefits-long');
  });

  it('shows why each stands where it does', async () => {
    const res = await call(
      'GET',
      `/agencies/eligible?pathway=FINANCE_AND_ID&area=${SIAR}&sentenceMonths=12&limit=50`,
    );
    const items = (res.body as EligibleAgencies).items;
    const because = (key: string) => items.find((i) => i.agency.id === made.get(key)!.id)?.because;
    expect(because('benefits-local')).toEqual({
      leadKind: true,
      specific: false,
      listedInArea: true,
      catchmentSize: 1,
    });
    expect(because('benefits-national')).toEqual({
      leadKind: true,
      specific: false,
      listedInArea: false,
      catchmentSize: 3,
    });
    expect(because('mentor')).toMatchObject({ leadKind: false });
  });

  it('leaves out the agencies already tried, and answers a bad query with 400 naming the field', async () => {
    const excluded = [made.get('benefits-local')!.id, made.get('benefits-regional')!.id].join(',');
    expect(await eligible({ sentenceMonths: '12', exclude: excluded })).toEqual([
      'benefits-national',
      'mentor',
    ]);

    const bad = await call('GET', `/agencies/eligible?pathway=FINANCE_AND_ID&area=${SIAR}&exclude=nope`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ field: 'exclude' }] });
    // Over 20 agencies tried is refused over HTTP (a request line must stay short); the journey's
    // activity takes them as an array.
    const many = Array.from({ length: 21 }, () => randomUUID()).join(',');
    const tooMany = await call(
      'GET',
      `/agencies/eligible?pathway=FINANCE_AND_ID&area=${SIAR}&exclude=${many}`,
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ errors: [{ field: 'exclude' }] });
    const noPathway = await call('GET', `/agencies/eligible?area=${SIAR}`);
    expect(noPathway.status).toBe(400);
    expect(noPathway.body).toMatchObject({ errors: [{ field: 'pathway' }] });
  });

  it('chooseAgency (the journey activity) takes the first eligible, moves on as agencies are tried, and answers null when none is left', async () => {
    const activities = createDirectoryActivities(app.get(AgenciesService));
    // Agencies other specs listed for this pathway and area are tried already, as far as this test goes.
    const others = (
      (await call('GET', `/agencies/eligible?pathway=FINANCE_AND_ID&area=${SIAR}&sentenceMonths=12&limit=50`))
        .body as EligibleAgencies
    ).items
      .map((i) => i.agency.id)
      .filter((id) => !keyOf(id));
    const choose = (exclude: string[]): Promise<AgencyChoice> =>
      mockActivityEnvironment().run(() =>
        activities.chooseAgency({
          pathway: 'FINANCE_AND_ID',
          localAuthority: SIAR,
          sentenceMonths: 12,
          exclude,
        }),
      ) as Promise<AgencyChoice>;

    // Tried agencies that are no longer listed (30 of them) change nothing.
    const tried: string[] = [...others, ...Array.from({ length: 30 }, () => randomUUID())];
    const order: Array<[string | undefined, number]> = [];
    for (;;) {
      const { rule, choice, alternatives } = await choose(tried);
      expect(rule).toBe(ELIGIBILITY_RULE);
      if (!choice) break;
      order.push([keyOf(choice.agencyId), alternatives]);
      expect(choice).toMatchObject({
        kind: made.get(keyOf(choice.agencyId)!)!.kind,
        serviceName: 'Money advice',
      });
      tried.push(choice.agencyId);
    }
    expect(order).toEqual([
      ['benefits-local', 3],
      ['benefits-regional', 2],
      ['benefits-national', 1],
      ['mentor', 0],
    ]);
  });

  it('lookUpAgency (the journey activity) answers the agency the directory holds, and null for an id it does not hold or that is no directory id', async () => {
    const activities = createDirectoryActivities(app.get(AgenciesService));
    const lookUp = (agencyId: string) =>
      mockActivityEnvironment().run(() => activities.lookUpAgency({ agencyId }));
    const mentor = made.get('mentor')!;
    expect(await lookUp(mentor.id)).toEqual({
      agencyId: mentor.id,
      name: mentor.name,
      kind: mentor.kind,
      localAuthority: mentor.localAuthority,
      contactPoint: mentor.contactPoint,
    });
    expect(await lookUp(randomUUID())).toBeNull();
    expect(await lookUp('Aberdeen Mentoring (typed)')).toBeNull();
  });
});
