/// <reference lib="dom" />
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Browser } from 'playwright-core';
import { SearchAttributes, THROUGHCARE_WORKFLOW_TYPE, throughcareWorkflowId } from '@throughcare/contracts';
import { launchChromium } from '@throughcare/testing';
import { tcpReady, waitUntil } from '../../infra/src/util';
import { DevServer } from '../../workflows/throughcare/src/bridge/dev-server.spec-support';

// An operator's saved queries (README, "Operator guide") in the real Temporal UI, in Debian's
// Chromium: a dev server of the test's own with its UI and the project's search attributes, journeys at two
// prisons with and without open breaches or attention items (started with their attributes; no
// worker runs them: the list is visibility's), then each query's URL. The UI must list exactly the
// journeys the query selects. Screenshots are kept under <repo>/.cache/artifacts/temporal-ui/;
// with RECORD_SCREENSHOTS=1 the one the README shows is written to docs/screenshots/ as well.

const repoRoot = path.resolve(__dirname, '../..');
const artifacts = path.join(repoRoot, '.cache', 'artifacts', 'temporal-ui');

const OPEN_BREACHES_AT_BAR = `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND OpenBreaches > 0 AND Establishment = 'BAR'`;
const NEEDS_ATTENTION = `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND NeedsAttention = true`;
/** As the README gives it: the operator puts today's and a fortnight's instants in. */
const RELEASES_WITHOUT_MEETING = `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ThroughcareStage NOT IN ('FOLLOW_UP', 'CLOSED') AND ReleaseDate BETWEEN '<today>T00:00:00Z' AND '<today + 14 days>T23:59:59Z' AND PreReleaseMeetingArranged = false`;
const STUCK_ON_A_FAILING_ACTIVITY = `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND FailingActivities IS NOT NULL`;
/** Journeys (by place in the list) with activities still failing (failing-activity-1). */
const FAILING: Record<number, string[]> = { 1: ['bookMeeting'], 4: ['notifyAgency', 'requestCoreScreen'] };
const DAY_MS = 86_400_000;
const today = new Date(new Date().toISOString().slice(0, 10) + 'T12:00:00.000Z');
// (noon UTC, as journeys keep the day: release-attributes-1)
const inDays = (n: number) => new Date(today.getTime() + n * DAY_MS);
/** Each journey's release (days from today) and whether its pre-release meeting is arranged. */
const RELEASES: readonly [number, boolean][] = [
  [0, false], // today, nobody met: listed
  [10, true],
  [15, false], // the day after the fortnight
  [14, false], // the fortnight's last day: listed
  [-5, false], // released already
  [13, true],
];

describe("operators' saved queries in the Temporal UI (real dev server and UI, Debian Chromium)", () => {
  let server: DevServer;
  let client: Client;
  let connection: Connection;
  let browser: Browser;
  let uiUrl: string;
  const journeys: {
    id: string;
    establishment: string;
    openBreaches: number;
    attention: boolean;
    releaseInDays: number;
    arranged: boolean;
    failing: boolean;
  }[] = [];

  beforeAll(async () => {
    server = await DevServer.start({ ui: true });
    uiUrl = server.uiUrl!;
    await waitUntil('temporal UI', () => tcpReady(Number(new URL(uiUrl).port)), { timeoutMs: 60_000 });
    const address = server.address;
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: 'default' });
    // Six journeys: BAR and GLE, each with an open breach and attention, a breach alone, neither.
    for (const establishment of ['BAR', 'GLE'])
      for (const [openBreaches, attention] of [
        [2, true],
        [1, false],
        [0, false],
      ] as const) {
        const id = throughcareWorkflowId(`p${randomBytes(10).toString('hex')}`, 1);
        const typedSearchAttributes: SearchAttributePair[] = [
          { key: SearchAttributes.stage, value: 'STANDARD_REVIEWS' },
          { key: SearchAttributes.establishment, value: establishment },
          { key: SearchAttributes.openBreaches, value: openBreaches },
          { key: SearchAttributes.needsAttention, value: attention },
          { key: SearchAttributes.jurisdiction, value: 'SCOTLAND' },
          { key: SearchAttributes.releaseDate, value: inDays(RELEASES[journeys.length]![0]) },
          { key: SearchAttributes.preReleaseMeetingArranged, value: RELEASES[journeys.length]![1] },
          ...(FAILING[journeys.length]
            ? [{ key: SearchAttributes.failingActivities, value: FAILING[journeys.length]! }]
            : []),
        ];
        await client.workflow.start(THROUGHCARE_WORKFLOW_TYPE, {
          taskQueue: 'operator-ui-spec',
          workflowId: id,
          args: [],
          typedSearchAttributes,
        });
        const [releaseInDays, arranged] = RELEASES[journeys.length]!;
        const failing = FAILING[journeys.length] !== undefined;
        journeys.push({ id, establishment, openBreaches, attention, releaseInDays, arranged, failing });
      }
    // Visibility is eventually consistent: until the query finds them.
    await waitUntil(
      'the journeys in visibility',
      async () => (await client.workflow.count(`WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}'`)).count === 6,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    browser = await launchChromium();
    fs.mkdirSync(artifacts, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await connection?.close();
    await server?.dispose();
  });

  /** The workflow ids the UI lists for `query` (its list page, opened from the URL an operator saves). */
  async function listed(query: string, screenshot: string): Promise<string[]> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    try {
      await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      const ids = () =>
        page.evaluate(() =>
          [
            ...new Set((document.body.innerText.match(/throughcare-p[0-9a-f]{20}-\d+/g) ?? []) as string[]),
          ].sort(),
        );
      // The list loads after the page: until a row is there and the count settles.
      let last: string[] = [];
      await waitUntil(
        `the UI's list for ${query}`,
        async () => {
          const now = await ids();
          const settled = now.length > 0 && now.join() === last.join();
          last = now;
          return settled;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      const file = path.join(artifacts, `${screenshot}.png`);
      await page.screenshot({ path: file });
      if (process.env.RECORD_SCREENSHOTS === '1') {
        fs.mkdirSync(path.join(repoRoot, 'docs', 'screenshots'), { recursive: true });
        fs.copyFileSync(file, path.join(repoRoot, 'docs', 'screenshots', `${screenshot}.png`));
      }
      return last;
    } finally {
      await page.close();
    }
  }

  it("uses the README's saved queries, word for word", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`\`${OPEN_BREACHES_AT_BAR}\``);
    expect(readme).toContain(`\`${NEEDS_ATTENTION}\``);
    expect(readme).toContain(`\`${RELEASES_WITHOUT_MEETING}\``);
    expect(readme).toContain(`\`${STUCK_ON_A_FAILING_ACTIVITY}\``);
  });

  it('"open breaches at one establishment" lists exactly BAR\'s journeys with an open breach', async () => {
    const want = journeys
      .filter((j) => j.establishment === 'BAR' && j.openBreaches > 0)
      .map((j) => j.id)
      .sort();
    expect(want).toHaveLength(2);
    expect(await listed(OPEN_BREACHES_AT_BAR, 'temporal-ui-open-breaches-at-bar')).toEqual(want);
  });

  it('"needs attention" lists exactly the journeys holding an attention item, at any prison', async () => {
    const want = journeys
      .filter((j) => j.attention)
      .map((j) => j.id)
      .sort();
    expect(await listed(NEEDS_ATTENTION, 'temporal-ui-needs-attention')).toEqual(want);
  });

  it('"releases in the next 14 days without a pre-release meeting" lists exactly those, at any prison', async () => {
    const want = journeys
      .filter((j) => j.releaseInDays >= 0 && j.releaseInDays <= 14 && !j.arranged)
      .map((j) => j.id)
      .sort();
    expect(want).toHaveLength(2);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const query = RELEASES_WITHOUT_MEETING.replace('<today>', day(today)).replace(
      '<today + 14 days>',
      day(inDays(14)),
    );
    expect(await listed(query, 'temporal-ui-releases-without-meeting')).toEqual(want);
  });

  it('"stuck on a failing activity" lists exactly the journeys with an activity still failing, at any prison', async () => {
    const want = journeys
      .filter((j) => j.failing)
      .map((j) => j.id)
      .sort();
    expect(want).toHaveLength(2);
    expect(await listed(STUCK_ON_A_FAILING_ACTIVITY, 'temporal-ui-stuck-on-a-failing-activity')).toEqual(
      want,
    );
    // One kind of step: a list attribute matches any of its values.
    expect(
      await listed(
        `${STUCK_ON_A_FAILING_ACTIVITY.replace(' IS NOT NULL', " = 'requestCoreScreen'")}`,
        'temporal-ui-stuck-on-core-screen',
      ),
    ).toEqual([journeys[4]!.id]);
  });
});
