/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { Module } from '@nestjs/common';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Browser, Page } from 'playwright-core';
import { bootstrapService, NATS_CONNECTION } from '@throughcare/platform-http';
import { JetStreamPublisher } from '@throughcare/platform-messaging';
import { createStaff, launchChromium, requireEnv } from '@throughcare/testing';
import { AttentionService } from '../attention/attention.service';
import { dashboardSignInFrom, loadOrchestratorConfig } from '../config';
import { consumersCaughtUp, orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { FUNNEL_CONSUMER, FunnelConsumer, FunnelProjector } from '../oversight/funnel.projector';
import { FunnelSteps } from '../oversight/funnel.schemas';
import { FunnelService } from '../oversight/funnel.service';
import { OutcomesService } from '../oversight/outcomes.service';
import { JOURNEY_LOOKUP_OPTIONS } from '../oversight/journey-list';
import { LEDGER_CONSUMER, LedgerConsumer, LedgerProjector } from '../oversight/ledger.projector';
import { LedgerService } from '../oversight/ledger.service';
import {
  expectedFunnel,
  expectedLedgerByAgency,
  expectedReconviction,
  generateCohort,
  publishCohort,
  stoppedState,
  type Cohort,
  type SyntheticJourney,
} from '../oversight/synthetic-cohort.spec-support';
import { DashboardController } from '../sla/dashboard.controller';
import { SlaService } from '../sla/sla.service';
import { DashboardAssetsController } from './dashboard-assets.controller';
import { DashboardCasesController } from './dashboard-cases.controller';
import { DashboardSignInModule } from './dashboard-sign-in.module';

// The managers' dashboard in a real headless Chromium (Debian's, driven by playwright-core): staff
// sign-in through the identity provider's form, the charts drawn from /dashboard/data, a filter,
// a drill-down from a bar and from the keyboard, checked against a generated cohort whose figures
// the generator knows. Screenshots are kept under <repo>/.cache/artifacts/dashboard/; with
// RECORD_SCREENSHOTS=1 the two the README shows are written to docs/screenshots/ as well.

const publicUrl = requireEnv('TEST_DASHBOARD_URL');
const PERSON_ID_SECRET = `dashboard-browser-spec-${randomBytes(8).toString('hex')}`;
const config = loadOrchestratorConfig({
  ...process.env,
  PERSON_ID_SECRET,
  DASHBOARD_PUBLIC_URL: publicUrl,
  DASHBOARD_CLIENT_SECRET: requireEnv('TEST_DASHBOARD_CLIENT_SECRET'),
  DASHBOARD_SESSION_KEY: requireEnv('TEST_DASHBOARD_SESSION_KEY'),
  PORT: new URL(publicUrl).port,
});

@Module({
  imports: [
    orchestratorSpecPlatform(config, 'orchestrator-dashboard-browser-spec'),
    DashboardSignInModule.register(dashboardSignInFrom(config)!),
  ],
  controllers: [DashboardController, DashboardCasesController, DashboardAssetsController],
  providers: [
    SlaService,
    AttentionService,
    LedgerService,
    LedgerProjector,
    LedgerConsumer,
    FunnelService,
    OutcomesService,
    FunnelProjector,
    FunnelConsumer,
    { provide: JOURNEY_LOOKUP_OPTIONS, useValue: { personIdSecret: PERSON_ID_SECRET } },
  ],
})
class DashboardBrowserTestModule {}

const repoRoot = path.resolve(__dirname, '../../../..');
const artifacts = path.join(repoRoot, '.cache', 'artifacts', 'dashboard');
const readmeShots = path.join(repoRoot, 'docs', 'screenshots');

const humanStep = (step: string) => step.charAt(0) + step.slice(1).toLowerCase().replaceAll('_', ' ');

interface ChartData {
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

describe('the dashboard in a real browser (Debian Chromium, playwright-core)', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let page: Page;
  let cohort: Cohort;
  // A year long past (no other suite's): every release's two years are over, so the outcomes show.
  const year = 1800 + randomInt(100);
  const period = `from=${year}-01-01&to=${year}-12-31`;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    app = await bootstrapService({
      module: DashboardBrowserTestModule,
      name: 'orchestrator',
      port: config.PORT,
      host: '127.0.0.1',
      logLevels: ['error'],
    });
    const nc = app.get<NatsConnection>(NATS_CONNECTION);
    cohort = generateCohort({ size: 300, seed: randomInt(2 ** 31), year, personIdSecret: PERSON_ID_SECRET });
    await publishCohort(new JetStreamPublisher(jetstream(nc)), cohort);
    await consumersCaughtUp(nc, [FUNNEL_CONSUMER, LEDGER_CONSUMER]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => browserErrors.push(String(e)));
    page.on('response', (r) => {
      // (The browser's own ask for /favicon.ico is answered 404: there is none.)
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
        browserErrors.push(`${r.status()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) browserErrors.push(m.text());
    });
    fs.mkdirSync(artifacts, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A screenshot of the page (or of one `section`), kept; those the README shows copied there on demand. */
  const shot = async (name: string, options: { section?: string; forReadme?: boolean } = {}) => {
    const file = path.join(artifacts, `${name}.png`);
    if (options.section)
      await page.locator(`section[aria-labelledby="${options.section}"]`).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
    if (options.forReadme && process.env.RECORD_SCREENSHOTS === '1') {
      fs.mkdirSync(readmeShots, { recursive: true });
      fs.copyFileSync(file, path.join(readmeShots, `${name}.png`));
    }
  };
  /** Every chart drawn (or why not), then each chart's data as Chart.js holds it. */
  const charts = async (): Promise<Record<string, ChartData>> => {
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-chart]')].every(
          (f) => f.getAttribute('data-state') !== 'pending',
        ),
      undefined,
      { timeout: 30_000 },
    );
    const states = await page.$$eval('[data-chart]', (fs) =>
      fs.map(
        (f) =>
          `${f.getAttribute('data-chart')}:${f.getAttribute('data-state')}${f.getAttribute('data-state') === 'drawn' ? '' : ` (${f.querySelector('.chart-status')?.textContent})`}`,
      ),
    );
    expect({ states, browserErrors }).toEqual({
      browserErrors: [],
      states: [
        'breaches-by-agency:drawn',
        'breaches-over-time:drawn',
        'attrition-funnel:drawn',
        'time-to-step:drawn',
        'reconviction-by-agency:drawn',
      ],
    });
    return page.evaluate(() => {
      const out: Record<string, ChartData> = {};
      const Chart = (
        window as unknown as { Chart: { getChart(id: string): { data: ChartData } | undefined } }
      ).Chart;
      for (const f of document.querySelectorAll('[data-chart]')) {
        const id = f.getAttribute('data-chart')!;
        const data = Chart.getChart(id)!.data;
        out[id] = {
          labels: [...data.labels],
          datasets: data.datasets.map((d) => ({ label: d.label, data: [...d.data] })),
        };
      }
      return out;
    });
  };
  /** What the charts must show for the journeys `keep` selects, from the generator's decisions. */
  const expectedCharts = (keep: (j: SyntheticJourney) => boolean) => {
    const journeys = cohort.journeys.filter(keep);
    const funnel = expectedFunnel(journeys, () => [null]).get(null)!;
    const ledger = [...expectedLedgerByAgency(journeys)]
      .map(([agency, c]) => ({ agency, breached: c.BREACHED, metLate: c.MET_LATE }))
      // Most breaches first, then by name (the ledger summary's order).
      .sort((a, b) => b.breached + b.metLate - (a.breached + a.metLate) || a.agency.localeCompare(b.agency));
    return {
      agencies: {
        labels: ledger.map((l) => l.agency),
        datasets: [
          { label: 'Still breached', data: ledger.map((l) => l.breached) },
          { label: 'Met late', data: ledger.map((l) => l.metLate) },
        ],
      },
      funnel: {
        labels: FunnelSteps.map(humanStep),
        datasets: [
          { label: 'Reached', data: funnel.map((s) => s.reached) },
          { label: 'Dropped out here', data: funnel.map((s) => s.dropped) },
        ],
      },
      funnelSteps: funnel,
      outcomes: (() => {
        const groups = [
          // The dashboard's outcomes are of the people released in the period.
          ...expectedReconviction(
            journeys.filter((j) => j.releasedOn?.startsWith(`${year}-`)),
            (j) => (j.agenciesReceived.length ? j.agenciesReceived : [null]),
          ),
        ]
          .filter(([, g]) => g.released >= 5)
          .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
        return {
          labels: groups.map(([agency]) => agency ?? 'No agency service received'),
          datasets: [
            {
              label: 'Reconvicted within two years (%)',
              data: groups.map(
                ([, g]) => Math.round((Math.round((g.reconvicted / g.released) * 1000) / 10) * 10) / 10,
              ),
            },
          ],
        };
      })(),
    };
  };

  it('signs a manager in from a shared link and draws every chart from the API, as the cohort has it', async () => {
    const manager = await createStaff({ roles: ['manager'], displayName: 'Dashboard Manager' });
    await page.goto(`${publicUrl}/dashboard?${period}`);
    // Not signed in: the identity provider's form, then back to the same view.
    await page.fill('input[name=username]', manager.username);
    await page.fill('input[name=password]', manager.password);
    await Promise.all([
      page.waitForURL(`${publicUrl}/dashboard?${period}`),
      page.click('button[type=submit]'),
    ]);
    const drawn = await charts();
    const want = expectedCharts(() => true);
    expect(drawn['breaches-by-agency']).toEqual(want.agencies);
    expect(drawn['attrition-funnel']).toEqual(want.funnel);
    expect(drawn['reconviction-by-agency']).toEqual(want.outcomes);
    expect(want.outcomes.labels.length).toBeGreaterThan(1);
    // Breaches over time: one bar per month with a clock due in it, in order.
    const months = drawn['breaches-over-time']!.labels;
    expect(months).toEqual([...months].sort());
    expect(months.every((m) => m.startsWith(`${year}-`))).toBe(true);
    expect(drawn['time-to-step']!.labels[0]).toBe('Received → core screen');
    expect(drawn['time-to-step']!.datasets[0]!.data[0]).toBe(3); // the generator's core screens: day 3
    // The tables carry the same figures (the accessible form of each chart).
    const reachedCells = await page.$$eval('table[data-section="funnel"] tr td:nth-child(2)', (tds) =>
      tds.map((td) => Number(td.textContent)),
    );
    expect(reachedCells).toEqual(want.funnel.datasets[0]!.data);
    await shot('dashboard');
    await shot('dashboard-breaches-by-agency', { section: 'breaches-by-agency-heading', forReadme: true });
    await shot('dashboard-attrition-funnel', { section: 'funnel-heading', forReadme: true });
  });

  it('applies a filter from the form: the URL carries it and the charts change to its figures', async () => {
    await page.fill('#establishment', 'BAR');
    await Promise.all([page.waitForURL(/establishment=BAR/), page.click('button[type=submit]')]);
    expect(new URL(page.url()).searchParams.get('establishment')).toBe('BAR');
    expect(new URL(page.url()).searchParams.get('from')).toBe(`${year}-01-01`);
    const drawn = await charts();
    const want = expectedCharts((j) => j.establishment === 'BAR');
    expect(drawn['attrition-funnel']).toEqual(want.funnel);
    expect(drawn['breaches-by-agency']).toEqual(want.agencies);
    expect(want.funnel.datasets[0]!.data[0]).toBeLessThan(cohort.journeys.length);
  });

  it('drills down from a bar to the right cases, and from the table with the keyboard alone', async () => {
    const want = expectedCharts((j) => j.establishment === 'BAR');
    // The step with the most drop-outs: its "Dropped out here" bar.
    const at = want.funnelSteps.reduce(
      (best, s, i) => (s.dropped > want.funnelSteps[best]!.dropped ? i : best),
      1,
    );
    const step = FunnelSteps[at]!;
    const expected = cohort.journeys
      .filter((j) => j.establishment === 'BAR' && j.last === at - 1 && stoppedState(j, at) === 'dropped')
      .map((j) => j.personId)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    const point = await page.evaluate(
      ({ index }) => {
        const Chart = (
          window as unknown as {
            Chart: {
              getChart(id: string): {
                getDatasetMeta(i: number): { data: { x: number; y: number; base: number }[] };
              };
            };
          }
        ).Chart;
        const bar = Chart.getChart('attrition-funnel').getDatasetMeta(1).data[index]!;
        // A horizontal bar runs from its base to x: its middle.
        return { x: (bar.x + bar.base) / 2, y: bar.y };
      },
      { index: at },
    );
    await page.locator('#attrition-funnel').scrollIntoViewIfNeeded();
    const canvas = (await page.locator('#attrition-funnel').boundingBox())!;
    await Promise.all([
      page.waitForURL(/\/dashboard\/cases\?/),
      page.mouse.click(canvas.x + point.x, canvas.y + point.y),
    ]);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      view: 'journeys',
      step,
      state: 'dropped',
      establishment: 'BAR',
    });
    expect(await listedPeople()).toEqual(expected);
    // Audited: the manager's list, naming every person it showed.
    const [record] = await auditRecordsAbout(
      app.get(DataSource),
      'orchestrator-dashboard-browser-spec',
      expected[0]!,
    );
    expect(record).toMatchObject({ action: 'dashboard.cases', outcome: 'allowed' });
    expect([...(record!.disclosed_persons as string[])].sort()).toEqual(expected.slice(0, 50));
    await shot('dashboard-drill-down');

    // The same from the table, by keyboard: back, focus the figure's link, Enter.
    await page.goBack();
    await charts();
    const link = page.locator(`table[data-section="funnel"] a[href*="step=${step}&state=dropped"]`);
    await link.first().focus();
    await Promise.all([page.waitForURL(/\/dashboard\/cases\?/), page.keyboard.press('Enter')]);
    expect(await listedPeople()).toEqual(expected);
  });

  it('answers a mistake in the filters with the GOV.UK error summary, the values kept, and no figures', async () => {
    const response = await page.goto(
      `${publicUrl}/dashboard?from=${year}-13-45&to=${year}-12-31&establishment=bar`,
    );
    expect(response?.status()).toBe(400);
    // The browser logs the 400 it was meant to get: that, and nothing else.
    expect(browserErrors.splice(0)).toEqual([
      expect.stringMatching(/^400 .*\/dashboard\?from=/),
      expect.stringContaining('status of 400'),
    ]);
    expect(await page.locator('.error-summary h2').textContent()).toBe('There is a problem');
    // Focus moves to the summary (GOV.UK), with no script: `autofocus` on it.
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    const links = await page.$$eval('.error-summary a', (as) =>
      as.map((a) => [a.getAttribute('href'), a.textContent]),
    );
    expect(links).toEqual([
      ['#from', 'From must be a real date written as YYYY-MM-DD, for example 2026-12-01'],
    ]);
    expect(await page.inputValue('#from')).toBe(`${year}-13-45`);
    expect(await page.getAttribute('#from', 'aria-describedby')).toBe('from-error');
    expect(await page.locator('[data-chart]').count()).toBe(0);
    // Lower case is read as the code it is: the page shows BAR's figures, and the code as BAR.
    await page.fill('#from', `${year}-01-01`);
    await Promise.all([page.waitForURL(/from=\d{4}-01-01/), page.click('button[type=submit]')]);
    expect(await page.locator('.error-summary').count()).toBe(0);
    expect(await page.inputValue('#establishment')).toBe('BAR');
    expect((await charts())['attrition-funnel']).toEqual(
      expectedCharts((j) => j.establishment === 'BAR').funnel,
    );
    // An API client asking for the page gets problem+json naming the field, not HTML.
    const api = await page.request.get(`${publicUrl}/dashboard?from=nope`, {
      headers: { accept: 'application/json' },
    });
    expect(api.status()).toBe(400);
    expect(api.headers()['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(await api.json())).toContain('"field":"from"');
  });

  it('keeps every control reachable by keyboard and says in words what each chart shows', async () => {
    await page.goto(`${publicUrl}/dashboard?${period}`);
    await charts();
    const labels = await page.$$eval('canvas', (cs) => cs.map((c) => c.getAttribute('aria-label') ?? ''));
    expect(labels.every((l) => l.includes('the table below has the same figures'))).toBe(true);
    // Tab from the top: the filters' fields and the button come in order.
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''),
      );
    }
    for (const id of [
      'from',
      'to',
      'establishment',
      'localAuthority',
      'pathway',
      'releaseType',
      'Apply filters',
    ])
      expect(reached).toContain(id);
    expect(browserErrors).toEqual([]);
  });

  /** The pseudonyms a cases page lists, across its pages. */
  async function listedPeople(): Promise<string[]> {
    const people: string[] = [];
    for (;;) {
      people.push(
        ...(await page.$$eval('td[data-person]', (tds) => tds.map((td) => td.getAttribute('data-person')!))),
      );
      const next = page.locator('a', { hasText: 'Next page' });
      if ((await next.count()) === 0) break;
      await Promise.all([page.waitForURL(/cursor=/), next.click()]);
    }
    return people.sort();
  }
});
