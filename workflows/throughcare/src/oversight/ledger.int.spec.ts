import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ClocksReportedV1, type ClocksReport, type ReportedClock } from '@throughcare/contracts';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { loadOrchestratorConfig } from '../config';
import {
  expectNoSuchRoute,
  expectUnauthenticated,
  operatorAuth,
  orchestratorAuth,
} from '../orchestrator-auth.spec-support';
import { eventually, orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { SlaService } from '../sla/sla.service';
import { LedgerController } from './ledger.controller';
import { LedgerConsumer, LedgerProjector } from './ledger.projector';
import { LedgerPageSchema, LedgerSummarySchema, type LedgerPage } from './ledger.schemas';
import { LedgerService } from './ledger.service';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'ledger-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});

/**
 * The SLA ledger end to end on real Postgres and NATS: the journey's activity (SlaService.reportClocks)
 * writes the event to the outbox, the relay publishes it, the ledger's durable consumer builds the
 * rows, the API reads them. No journey worker: the reports are written as a journey writes them.
 */
@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-ledger-int-spec')],
  controllers: [LedgerController],
  providers: [SlaService, LedgerService, LedgerProjector, LedgerConsumer],
})
class LedgerTestModule {}

const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const clock = (over: Partial<ReportedClock> & Pick<ReportedClock, 'key'>): ReportedClock => ({
  clock: over.key.split(':')[0]!,
  owedBy: 'prison:BAR',
  owedTo: 'person',
  startedAt: '2027-03-01T09:00:00.000Z',
  dueAt: '2027-03-04T23:59:59.999Z',
  status: 'OPEN',
  ...over,
});

describe('SLA ledger: from the bus to /ledger (real Postgres and NATS)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let sla: SlaService;

  beforeAll(async () => {
    app = await bootstrapService({
      module: LedgerTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    sla = app.get(SlaService);
  });
  afterAll(async () => {
    await app?.close();
  });

  const report = (
    personId: string,
    seq: number,
    clocks: ReportedClock[],
    over: Partial<ClocksReport> = {},
  ) => {
    const journey = `throughcare-${personId}-1`;
    return {
      idempotencyKey: `${journey}:clocks:${seq}`,
      personId,
      episode: 1,
      journey,
      seq,
      reportedAt: new Date(Date.UTC(2027, 2, 1, 9, seq)).toISOString(),
      jurisdiction: 'SCOTLAND',
      establishmentCode: 'BAR',
      localAuthority: 'S12000036',
      policy: { id: 'scotland-throughcare', version: 3 },
      clocks,
      correlationId: `ledger-spec-${randomUUID()}`,
      ...over,
    } satisfies ClocksReport;
  };
  const get = async (path: string, headers?: Record<string, string>) =>
    fetch(`${base}${path}`, { headers: headers ?? (await orchestratorAuth({ roles: ['manager'] })) });
  const page = async (query: string): Promise<LedgerPage> => {
    const res = await get(`/ledger/clocks?${query}`);
    expect(res.status).toBe(200);
    return LedgerPageSchema.parse(await res.json());
  };
  /** The person's rows once the ledger holds report `seq` of their journey. */
  const ledgerAt = (personId: string, want: (p: LedgerPage) => boolean) =>
    eventually(`ledger of ${personId}`, async () => {
      const p = await page(`personId=${personId}&limit=200`);
      if (!want(p)) throw new Error(`not yet: ${JSON.stringify(p.items.map((i) => `${i.key}:${i.status}`))}`);
      return p;
    });

  it('builds one row per clock from the journey reports, the newest report winning; an older one changes nothing', async () => {
    const personId = newPersonId();
    await sla.reportClocks(
      report(personId, 1, [
        clock({ key: 'coreScreen', status: 'MET', metAt: '2027-03-02T10:00:00.000Z' }),
        clock({
          key: 'referralAcknowledgement',
          owedBy: 'agency:cjsw-s12000036',
          owedTo: 'prison:BAR',
          dueAt: '2026-03-10T23:59:59.999Z',
          status: 'BREACHED',
          breachedAt: '2026-03-11T00:00:01.000Z',
        }),
        clock({
          key: 'needReferralAcknowledgement:HEALTH:1',
          owedBy: 'agency:nhs-forth-valley',
          owedTo: 'prison:BAR',
          dueAt: '2027-03-12T23:59:59.999Z',
        }),
      ]),
    );
    const first = await ledgerAt(personId, (p) => p.items.length === 3);
    expect(first.items.map((i) => i.key)).toEqual([
      'needReferralAcknowledgement:HEALTH:1',
      'coreScreen',
      'referralAcknowledgement',
    ]); // latest due first
    const [need, core, ack] = first.items;
    expect(need).toMatchObject({
      personId,
      episode: 1,
      journey: `throughcare-${personId}-1`,
      clock: 'needReferralAcknowledgement',
      status: 'OPEN',
      ownerKind: 'AGENCY',
      agencyId: 'nhs-forth-valley',
      pathway: 'HEALTH',
      establishmentCode: 'BAR',
      localAuthority: 'S12000036',
      jurisdiction: 'SCOTLAND',
      policy: { id: 'scotland-throughcare', version: 3 },
      latenessMinutes: null,
    });
    expect(ack).toMatchObject({
      status: 'BREACHED',
      ownerKind: 'AGENCY',
      agencyId: 'cjsw-s12000036',
      pathway: null,
    });
    expect(ack!.breachedAt).toBe('2026-03-11T00:00:01.000Z');
    expect(ack!.latenessMinutes).toBeGreaterThan(0); // still open: now − due
    expect(core).toMatchObject({
      status: 'MET',
      ownerKind: 'PRISON',
      agencyId: null,
      metAt: '2027-03-02T10:00:00.000Z',
    });

    // Report 2: the acknowledgement came late; the need's clock is gone (withdrawn from the journey).
    await sla.reportClocks(
      report(
        personId,
        2,
        [
          clock({ key: 'coreScreen', status: 'MET', metAt: '2027-03-02T10:00:00.000Z' }),
          clock({
            key: 'referralAcknowledgement',
            owedBy: 'agency:cjsw-s12000036',
            owedTo: 'prison:BAR',
            dueAt: '2026-03-10T23:59:59.999Z',
            status: 'MET_LATE',
            breachedAt: '2026-03-11T00:00:01.000Z',
            metAt: '2026-03-11T12:00:00.000Z',
          }),
        ],
        { establishmentCode: 'GLE' },
      ),
    );
    const second = await ledgerAt(personId, (p) => p.items.length === 2 && p.items[1]!.status === 'MET_LATE');
    // Reported after a transfer to GLE: each clock stays with the prison accountable for it (the
    // one owed the acknowledgement, the one that owed the screen), not the journey's new prison.
    expect(second.items[1]).toMatchObject({
      key: 'referralAcknowledgement',
      latenessMinutes: 720,
      establishmentCode: 'BAR',
      journeyClosedAt: null,
    });
    expect(second.items[0]).toMatchObject({ key: 'coreScreen', establishmentCode: 'BAR' });

    // Report 1 delivered again (a replay of the stream): stale, nothing changes.
    const again = ClocksReportedV1.parse({
      eventType: 'throughcare.sla.clocks-reported',
      version: 1,
      eventId: randomUUID(),
      occurredAt: '2027-03-01T09:01:00.000Z',
      correlationId: 'ledger-spec-replay',
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
      data: (({ idempotencyKey: _k, personId: _p, correlationId: _c, ...data }) => data)(
        report(personId, 1, []),
      ),
    });
    await expect(app.get(LedgerProjector).apply(again, 1)).resolves.toBe('stale');
    expect((await page(`personId=${personId}`)).items).toHaveLength(2);

    // A run reset to an earlier point reports from a lower seq, but later: applied. Its last report
    // closes the case: a clock still breached is late until the closure, not for ever.
    await sla.reportClocks(
      report(
        personId,
        1,
        [
          clock({
            key: 'summaryReview',
            dueAt: '2026-01-05T23:59:59.999Z',
            status: 'BREACHED',
            breachedAt: '2026-01-06T00:00:00.000Z',
          }),
        ],
        {
          idempotencyKey: `throughcare-${personId}-1:clocks:reset-run:1`,
          reportedAt: '2027-03-02T09:00:00.000Z',
          closedAt: '2026-01-06T23:59:59.999Z',
        },
      ),
    );
    const closed = await ledgerAt(
      personId,
      (p) => p.items.length === 1 && p.items[0]!.key === 'summaryReview',
    );
    expect(closed.items[0]).toMatchObject({
      status: 'BREACHED',
      journeyClosedAt: '2026-01-06T23:59:59.999Z',
      latenessMinutes: 1440,
    });
  });

  it('filters, pages with a cursor, exports CSV and sums by group; refuses bad queries with 400 and other roles with 404', async () => {
    const personId = newPersonId();
    const clocks = [
      clock({
        key: 'coreScreen',
        status: 'MET',
        metAt: '2027-04-01T10:00:00.000Z',
        dueAt: '2027-04-03T23:59:59.999Z',
      }),
      clock({
        key: 'comprehensiveScreen',
        status: 'BREACHED',
        dueAt: '2027-04-14T23:59:59.999Z',
        breachedAt: '2027-04-15T00:00:00.000Z',
      }),
      clock({
        key: 'needReferralAcknowledgement:ACCOMMODATION:1',
        owedBy: 'agency:=HYPERLINK("x")',
        owedTo: 'prison:BAR',
        status: 'MET_LATE',
        dueAt: '2027-04-20T23:59:59.999Z',
        metAt: '2027-04-21T23:59:59.999Z',
        note: 'late, "with quotes", and a comma',
      }),
      clock({
        key: 'standardReview:1',
        status: 'CANCELLED',
        dueAt: '2027-10-01T23:59:59.999Z',
        note: 'released before it was done',
      }),
      clock({
        key: 'preReleaseMeeting',
        owedBy: 'prison:BAR and agency:cjsw-s12000036',
        status: 'OPEN',
        dueAt: '2027-09-01T23:59:59.999Z',
      }),
    ];
    const area = `S9${String(randomInt(10_000_000)).padStart(7, '0')}`; // this test's own, for the sums
    await sla.reportClocks(report(personId, 1, clocks, { localAuthority: area }));
    await ledgerAt(personId, (p) => p.items.length === 5);

    const of = (p: LedgerPage) => p.items.map((i) => i.key);
    expect(of(await page(`personId=${personId}&status=BREACHED,MET_LATE`))).toEqual([
      'needReferralAcknowledgement:ACCOMMODATION:1',
      'comprehensiveScreen',
    ]);
    expect(of(await page(`personId=${personId}&pathway=ACCOMMODATION`))).toEqual([
      'needReferralAcknowledgement:ACCOMMODATION:1',
    ]);
    expect(of(await page(`personId=${personId}&ownerKind=PRISON_AND_AGENCY`))).toEqual(['preReleaseMeeting']);
    expect(of(await page(`personId=${personId}&agencyId=cjsw-s12000036`))).toEqual(['preReleaseMeeting']);
    expect(of(await page(`personId=${personId}&dueFrom=2027-04-14&dueTo=2027-04-20`))).toEqual([
      'needReferralAcknowledgement:ACCOMMODATION:1',
      'comprehensiveScreen',
    ]);
    expect(of(await page(`personId=${personId}&establishment=GLE`))).toEqual([]);

    // Pages of two, by cursor, give every row once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: LedgerPage = await page(`personId=${personId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...of(p));
      cursor = p.nextCursor;
    } while (cursor);
    expect(seen).toEqual(of(await page(`personId=${personId}`)));
    expect(seen).toHaveLength(5);

    // CSV: a header, a row per clock, quoting, and a formula made inert.
    const csv = await get(`/ledger/clocks.csv?personId=${personId}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toMatch(/^personId,episode,journey,key,clock,status,ownerKind,owedBy/);
    expect(lines.filter((l) => l.startsWith(personId))).toHaveLength(5);
    const need = lines.find((l) => l.includes('ACCOMMODATION'))!;
    // The agency id cell starts with '=': made inert; the owedBy cell starts with 'agency:'.
    expect(need).toContain(`,"agency:=HYPERLINK(""x"")",prison:BAR,"'=HYPERLINK(""x"")",`);
    expect(need).toContain('"late, ""with quotes"", and a comma"');

    // Sums by group.
    const summary = await get(`/ledger/summary?localAuthority=${area}&groupBy=owner`);
    expect(summary.status).toBe(200);
    const rows = LedgerSummarySchema.parse(await summary.json()).rows;
    expect(rows.find((r) => r.group === 'PRISON')).toEqual({
      group: 'PRISON',
      total: 3,
      open: 0,
      met: 1,
      metLate: 0,
      breached: 1,
      cancelled: 1,
      breachRate: 0.5,
    });
    expect(rows.find((r) => r.group === 'AGENCY')).toMatchObject({ total: 1, metLate: 1, breachRate: 1 });
    expect(rows.find((r) => r.group === 'PRISON_AND_AGENCY')).toMatchObject({
      total: 1,
      open: 1,
      breachRate: null,
    });

    // Bad queries: 400 naming the field.
    for (const q of [
      'status=LATE',
      'dueFrom=2027-05-01&dueTo=2027-04-01',
      'limit=0',
      'cursor=nope',
      'groupBy=x',
      'name=x',
    ]) {
      const res = await get(`/ledger/clocks?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
    expect((await get('/ledger/summary?groupBy=people')).status).toBe(400);
    // The summary names nobody: no person filter (it would be one person's counts, unaudited).
    expect((await get(`/ledger/summary?personId=${personId}`)).status).toBe(400);
    expect(of(await page(`personId=${personId}&policyId=scotland-throughcare&policyVersion=3`))).toHaveLength(
      5,
    );
    expect(of(await page(`personId=${personId}&policyId=england-wales-2026`))).toEqual([]);
    // Other roles: as if the routes did not exist; no token: 401.
    const staff = await get(
      '/ledger/clocks',
      await orchestratorAuth({ roles: ['prison-staff'], establishments: ['BAR'] }),
    );
    await expectNoSuchRoute(base, staff, 'GET', '/ledger/clocks');
    await expectUnauthenticated(await fetch(`${base}/ledger/summary`));
    // Operators read it too.
    expect((await get(`/ledger/clocks?personId=${personId}`, await operatorAuth())).status).toBe(200);
  });
});
