/**
 * The canary (issue 8): people with marker personal data go through a whole platform instance of
 * their own, then every place the platform keeps data outside the services' own databases is
 * scanned byte-wise for every marker, in UTF-8 (and lower case), UTF-16 and base64/base64url at
 * each alignment:
 *
 * - Temporal: the dev server's SQLite database file (and its WAL / shared-memory files), and, through
 *   the Temporal API with a client that has no payload codec, every workflow execution's info
 *   (workflow id, type, memo, search attributes), its description and its whole history;
 * - NATS: the JetStream store directory (every stream and consumer file);
 * - what operators and managers are shown through the orchestrator's API (staffViews: plans,
 *   attention queue, dead letters, breaches, the dashboard's data);
 * - every log file of the instance: each app, the identity provider, NATS, the Temporal dev server,
 *   and the supervisor's own lines (embedded Postgres's errors go there).
 *
 * Not scanned: Postgres. The services' own databases hold prison numbers by design (a custody
 * record is kept against its prison number), behind row-level security (issue 8, another part).
 *
 * A self-check then plants another marker in a log file, in three forms, and the same scanner must
 * find all three: a scanner that finds nothing proves nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Streams } from '@throughcare/contracts';
import { jetStreamKeyFile } from '../../infra/src/jetstream-key';
import { payloadKeyFile } from '../../infra/src/payload-keys';
import { paths } from '../../infra/src/paths';
import { temporalDatabaseFile } from '../../infra/src/supervisor';
import { setLogSink } from '../../infra/src/util';
import { startChaosPlatform, type ChaosPlatform } from '../chaos/src/platform';
import { driveToRelease, markerPeople, markersOf, publishUnappliable, staffViews } from './src/journeys';
import { markerForms, Scan } from './src/scan';

const PEOPLE = Number(process.env.CANARY_PEOPLE ?? 4);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every consumer of the events stream caught up; the dead letters' event ids and sequences. */
async function settled(
  nc: NatsConnection,
): Promise<{ drained: boolean; deadLetters: Array<{ seq: number; eventId: string }> }> {
  const jsm = await jetstreamManager(nc);
  let drained = true;
  for await (const c of jsm.consumers.list(Streams.events.name))
    if (c.num_pending > 0 || c.num_ack_pending > 0) drained = false;
  const deadLetters: Array<{ seq: number; eventId: string }> = [];
  const dlq = await jsm.streams.info(Streams.deadLetter.name).catch(() => undefined);
  for (let seq = dlq?.state.first_seq ?? 1; dlq && seq <= dlq.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(Streams.deadLetter.name, { seq }).catch(() => undefined);
    if (m) deadLetters.push({ seq, eventId: String((m.json() as { eventId?: unknown }).eventId) });
  }
  return { drained, deadLetters };
}

/** Workflow executions (every run), as the Temporal API hands them to a client without the codec. */
async function scanTemporalApi(address: string, scan: Scan): Promise<string[]> {
  const connection = await Connection.connect({ address });
  const svc = connection.workflowService;
  const namespace = 'default';
  const workflowIds: string[] = [];
  try {
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await svc.listWorkflowExecutions({ namespace, pageSize: 500, nextPageToken });
      for (const info of page.executions) {
        const execution = info.execution!;
        workflowIds.push(execution.workflowId!);
        const id = `${execution.workflowId}/${execution.runId}`;
        scan.buffer(
          `temporal api: ${id} info (workflow id, type, memo, search attributes)`,
          Buffer.from(temporal.api.workflow.v1.WorkflowExecutionInfo.encode(info).finish()),
        );
        const described = await svc.describeWorkflowExecution({ namespace, execution });
        scan.buffer(
          `temporal api: ${id} description`,
          Buffer.from(
            temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described).finish(),
          ),
        );
        let historyToken: Uint8Array | undefined;
        let pageNo = 0;
        do {
          const h = await svc.getWorkflowExecutionHistory({
            namespace,
            execution,
            nextPageToken: historyToken,
          });
          scan.buffer(
            `temporal api: ${id} history page ${++pageNo}`,
            Buffer.from(temporal.api.history.v1.History.encode(h.history ?? {}).finish()),
          );
          historyToken = h.nextPageToken?.length ? h.nextPageToken : undefined;
        } while (historyToken);
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
  } finally {
    await connection.close();
  }
  return workflowIds;
}

/**
 * Reads the events stream from its start, as a subscriber would, and scans each message the
 * platform published (not one of `upstream`, the canary's own), headers and body. The one field
 * that names a member of staff on purpose (a referral acknowledgement's `acknowledgedBy`: who at the
 * agency took the case on, for prison staff to contact) is taken out first; every other field is
 * scanned for every marker. Returns how many messages it scanned.
 */
async function scanOwnEvents(nc: NatsConnection, upstream: Set<string>, scan: Scan): Promise<number> {
  const consumer = await jetstream(nc).consumers.get(Streams.events.name, {
    deliver_policy: DeliverPolicy.All,
  });
  if ((await consumer.info()).num_pending === 0) return 0;
  let scanned = 0;
  for (;;) {
    // An empty 5 s wait ends the read too: no hang if the count was off.
    const m = await consumer.next({ expires: 5000 });
    if (!m) break;
    const event = JSON.parse(m.string()) as {
      eventId?: string;
      eventType?: string;
      data?: Record<string, unknown>;
    };
    if (!event.eventId || !upstream.has(event.eventId)) {
      if (event.eventType === 'referral.referral.acknowledged' && event.data)
        delete event.data['acknowledgedBy'];
      const headers = m.headers
        ? [...m.headers.keys()].map((k) => `${k}: ${m.headers!.values(k).join(',')}`)
        : [];
      scan.buffer(
        `bus ${m.subject} #${m.seq}`,
        Buffer.from(`${headers.join('\n')}\n${JSON.stringify(event)}`),
      );
      scanned += 1;
    }
    if (m.info.pending === 0) break;
  }
  return scanned;
}

function instanceLogs(instance: string): string[] {
  return fs
    .readdirSync(paths.logDir)
    .filter((f) => f.startsWith(`${instance}-`) && f.endsWith('.log'))
    .map((f) => path.join(paths.logDir, f));
}

it(`${PEOPLE} people with marker personal data: no marker in Temporal, NATS storage or any log`, async () => {
  const instance = `canary-${process.env.THROUGHCARE_INSTANCE ?? 'test'}-${process.pid}`;
  const supervisorLog = path.join(paths.logDir, `${instance}-supervisor.log`);
  const out = fs.createWriteStream(supervisorLog, { flags: 'w' });
  setLogSink((line) => out.write(line));
  const natsStore = path.join(paths.natsDataDir, instance);
  const temporalFiles = ['', '-wal', '-shm'].map((s) => temporalDatabaseFile(instance) + s);
  let platform: ChaosPlatform | undefined;
  let nc: NatsConnection | undefined;
  const t0 = Date.now();
  try {
    // The apps at the production default log level (`log`), not the soak's `warn`.
    platform = await startChaosPlatform(instance, { logLevel: 'log', keepDataOnStop: true });
    const p = platform;
    const started = Date.now();
    const bus = await connect({ servers: p.env.NATS_URL });
    nc = bus;
    const people = markerPeople(PEOPLE, p.secret);
    const forms = markerForms(markersOf(people));
    const upstream = new Set<string>();
    await Promise.all(
      people.map((person) =>
        driveToRelease({ urls: p.urls, identity: p.infra.identity, nc: bus, published: upstream }, person),
      ),
    );
    // One upstream event Throughcare cannot apply, with markers, so that the dead letters operators
    // read are not empty.
    const unappliable = await publishUnappliable(bus, people[0]!);
    upstream.add(unappliable);
    const driven = Date.now();
    let state = await settled(bus);
    for (
      const until = Date.now() + 30_000;
      (!state.drained || state.deadLetters.length === 0) && Date.now() < until;
      state = await settled(bus)
    )
      await sleep(500);
    // The journeys dead-lettered nothing: every letter is the planted event (each consumer of
    // its subject dead-letters its own copy).
    expect({ drained: state.drained, letters: state.deadLetters.length > 0 }).toEqual({
      drained: true,
      letters: true,
    });
    expect(state.deadLetters.filter((d) => d.eventId !== unappliable)).toEqual([]);
    await sleep(2000); // the last outbox rows and activity completions land

    const scan = new Scan(forms);
    const workflowIds = await scanTemporalApi(p.env.TEMPORAL_ADDRESS!, scan);
    const apiPlaces = scan.places.length;
    // In transit: every event Throughcare published, as any subscriber receives it (issue 8: no
    // prison number, CRN, PNC, name or date of birth of the person leaves a Throughcare service on
    // the bus). The canary's own upstream events carry the markers by design and are left out.
    const busEvents = await scanOwnEvents(bus, upstream, scan);
    // What operators and managers are shown (plans, queues, breaches, the dashboard's data): the
    // pseudonym, dates and codes, never a marker.
    const views = await staffViews(
      { urls: p.urls, identity: p.infra.identity },
      people,
      state.deadLetters.map((d) => d.seq),
    );
    for (const v of views) scan.buffer(v.place, Buffer.from(v.text));
    // Views with something in them: a pseudonym of these people, or the planted dead letter.
    const telling = views.filter(
      (v) => people.some((x) => v.text.includes(x.personId)) || v.text.includes(unappliable),
    ).length;
    await bus.close();
    nc = undefined;
    await p.stop(); // stops every component cleanly: Temporal and NATS flush their files
    platform = undefined;
    setLogSink(undefined);
    await new Promise<void>((r) => out.end(r));

    const files = { temporal: 0, nats: 0, logs: 0 };
    for (const f of temporalFiles) if (fs.existsSync(f)) files.temporal += scan.path(f);
    files.nats = scan.path(natsStore);
    for (const f of instanceLogs(instance)) files.logs += scan.path(f);
    const scanned = Date.now();

    // Self-check: a marker planted in one log file, in three forms, is found in each.
    const planted = markerPeople(1, p.secret)[0]!.prisonNumber;
    const victim = path.join(paths.logDir, `${instance}-orchestrator.log`);
    fs.appendFileSync(
      victim,
      `canary self-check, a planted marker: ${planted}\n` +
        `canary self-check, base64: ${Buffer.from(`{"prisonNumber":"${planted}"}`).toString('base64')}\n`,
    );
    fs.appendFileSync(victim, Buffer.from(`canary self-check, UTF-16: ${planted}\n`, 'utf16le'));
    const check = new Scan(markerForms([{ kind: 'planted prison number', value: planted }]));
    check.path(victim);
    const plantedFound = [...new Set(check.hits.map((h) => h.form.replace(/@\d$/, '')))].sort();

    const report =
      `canary: ${people.length} people (${people.filter((x) => x.via === 'bus').length} by the bus), ` +
      `${forms.length} marker forms of ${markersOf(people).length} markers; ` +
      `${scan.places.length} places scanned (${apiPlaces} Temporal API answers for ${workflowIds.length} ` +
      `executions, ${busEvents} events Throughcare published, read off the bus, ${views.length} operators' and managers' views (${telling} naming these people or the planted dead letter), ${files.temporal} Temporal database files, ${files.nats} NATS store files, ${files.logs} log files), ` +
      `${scan.bytes} bytes; ${scan.hits.length} hits; self-check found the planted marker as ${plantedFound.join(', ')}; ` +
      `platform up ${Math.round((started - t0) / 1000)} s, driven ${Math.round((driven - started) / 1000)} s, ` +
      `scanned ${Math.round((scanned - driven) / 1000)} s`;
    process.stdout.write(`${report}\n`);
    fs.writeFileSync(path.join(paths.logDir, `${instance}-report.txt`), `${report}\n`);

    expect({
      workflows: workflowIds.length >= people.length,
      // Receptions, screens, referrals, releases…: a few events per person at least.
      busEvents: busEvents >= 3 * people.length,
      viewsAnswered: views.filter((v) => v.status !== 200).map((v) => `${v.place}: ${v.status}`),
      // Each plan, the dead-letter list and each letter shown name a person or the letter.
      viewsTelling: telling >= people.length + 1 + state.deadLetters.length,
      temporalDatabase: files.temporal > 0,
      natsStoreFiles: files.nats > 0,
      logFiles: files.logs >= 8,
      plantedFound,
    }).toEqual({
      workflows: true,
      busEvents: true,
      viewsAnswered: [],
      viewsTelling: true,
      temporalDatabase: true,
      natsStoreFiles: true,
      logFiles: true,
      plantedFound: ['base64', 'utf16le', 'utf8'],
    });
    if (scan.hits.length) throw new Error(`${report}\n\nmarkers found:\n${scan.summary()}`);
    expect(scan.hits).toEqual([]);
  } finally {
    setLogSink(undefined);
    out.end();
    await nc?.close().catch(() => undefined);
    await platform?.stop();
    for (const p of [
      natsStore,
      path.join(paths.postgresDataDir, instance),
      path.join(paths.runDir, `nats-${instance}.conf`),
      jetStreamKeyFile(instance),
      payloadKeyFile(instance),
      ...temporalFiles,
    ])
      fs.rmSync(p, { recursive: true, force: true });
  }
}, 420_000);
