import { randomBytes, randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Client, Connection } from '@temporalio/client';
import {
  PersonReceivedV1,
  SearchAttributes,
  Streams,
  subjectFor,
  throughcareWorkflowId,
  type PlanView,
} from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import { requireEnv, startApp, type AppProcess } from '@throughcare/testing';

/**
 * One person through every service, end to end: real Postgres, NATS JetStream and Temporal dev
 * server (started by `npm test`), the four services and the orchestrator as separate processes,
 * driven only through their public HTTP APIs and the bus.
 */

const secret = randomBytes(24).toString('hex');
let apps: Record<'assessment' | 'referral' | 'liberation' | 'directory' | 'orchestrator', AppProcess>;
let nc: NatsConnection;
let jsm: JetStreamManager;
let temporal: Client;
let database: string;

const entries = {
  assessment: 'services/assessment/src/main.ts',
  referral: 'services/referral/src/main.ts',
  liberation: 'services/liberation/src/main.ts',
  directory: 'services/directory/src/main.ts',
  orchestrator: 'workflows/throughcare/src/main.ts',
} as const;

beforeAll(async () => {
  // A database and a bus of this suite's own: earlier suites' rows and events must not leak in.
  const adminUrl = requireEnv('DATABASE_URL');
  database = `e2e_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;

  nc = await connect({ servers: requireEnv('NATS_URL') });
  jsm = await jetstreamManager(nc);
  for (const stream of [Streams.events.name, Streams.deadLetter.name]) {
    await jsm.streams.delete(stream).catch(() => false);
  }

  const env = {
    DATABASE_URL: url.toString(),
    NATS_URL: requireEnv('NATS_URL'),
    TEMPORAL_ADDRESS: requireEnv('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    PERSON_ID_SECRET: secret,
    LOG_LEVEL: 'warn',
  };
  // Directory first: its migrations seed the agencies the journey looks up.
  const directory = await startApp('directory', entries.directory, env);
  const started = await Promise.all(
    (['assessment', 'referral', 'liberation', 'orchestrator'] as const).map((name) =>
      startApp(name, entries[name], env),
    ),
  );
  apps = {
    directory,
    assessment: started[0]!,
    referral: started[1]!,
    liberation: started[2]!,
    orchestrator: started[3]!,
  };
  temporal = new Client({ connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS }) });
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(apps ?? {}).map((app) => app.stop()));
  // Leave no malformed messages behind for suites that read the shared bus after this one.
  for (const stream of [Streams.events.name, Streams.deadLetter.name]) {
    await jsm?.streams.delete(stream).catch(() => false);
  }
  await temporal?.connection.close();
  await nc?.drain();
}, 60_000);

async function http<T = unknown>(
  app: AppProcess,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; contentType: string | null }> {
  const res = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    contentType: res.headers.get('content-type'),
  };
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const logs = Object.values(apps)
    .map((a) => `--- ${a.name}\n${a.output().slice(-1500)}`)
    .join('\n');
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\n${logs}`);
}

const plan = (personId: string, episode = 1) =>
  http<PlanView>(apps.orchestrator, 'GET', `/journeys/${personId}/episodes/${episode}`);

const prisonNumber = () =>
  `A${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}`;

async function eventsOnBus(personId: string): Promise<string[]> {
  const js = jetstream(nc);
  const info = await jsm.streams.info(Streams.events.name);
  const types: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const msg = await js.streams
      .get(Streams.events.name)
      .then((s) => s.getMessage({ seq }))
      .catch(() => null);
    if (!msg) continue;
    const event = msg.json<{
      eventType: string;
      personReference: { identifiers: { type: string; value: string }[] };
    }>();
    if (event.personReference.identifiers.some((i) => i.type === 'THROUGHCARE_ID' && i.value === personId)) {
      types.push(event.eventType);
    }
  }
  return types;
}

describe('a person from reception to post-release follow-up, through every service', () => {
  it('carries the journey across liberation, assessment, directory, referral and the orchestrator', async () => {
    const noms = prisonNumber();
    const receivedAt = new Date(Date.now() - 60_000).toISOString();
    const today = new Date().toISOString().slice(0, 10);

    // Reception through the liberation API.
    const reception = await http<{ personId: string; episode: number; workflowId: string }>(
      apps.liberation,
      'POST',
      '/receptions',
      {
        prisonNumber: noms,
        establishmentCode: 'BAR',
        jurisdiction: 'SCOTLAND',
        homeLocalAuthority: 'S12000036',
        reason: 'ADMISSION',
        receivedAt,
        sentenceDate: today,
        sentenceLengthDays: 365,
        expectedReleaseDate: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
      },
    );
    expect(reception.status).toBe(201);
    const { personId, workflowId } = reception.body;
    expect(personId).toBe(derivePersonId(secret, noms));
    expect(workflowId).toBe(throughcareWorkflowId(personId, 1));
    expect(workflowId).not.toContain(noms);

    // The bridge starts the journey; the core screen is requested from the assessment service.
    const screening = await eventually('core screen request', async () => {
      const p = await plan(personId);
      return p.status === 200 && p.body.assessmentId ? p.body : undefined;
    });
    expect(screening.stage).toBe('CORE_SCREEN');
    const assessment = await http<{ status: string }>(
      apps.assessment,
      'GET',
      `/assessments/${screening.assessmentId}`,
    );
    expect(assessment).toMatchObject({ status: 200, body: { status: 'REQUESTED' } });

    const completion = await http(
      apps.assessment,
      'POST',
      `/assessments/${screening.assessmentId}/completion`,
      {
        needs: ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
        riskOfSeriousHarm: 'LOW',
        completedBy: 'role:RECEPTION_OFFICER',
      },
    );
    expect(completion.status).toBe(200);

    // Needs drive a referral to the home council's justice social work, found in the directory.
    const referred = await eventually('referral', async () => {
      const p = await plan(personId);
      return p.body.referralId ? p.body : undefined;
    });
    const cjsw = await http<{ items: { id: string }[] }>(
      apps.directory,
      'GET',
      '/agencies?localAuthority=S12000036&kind=CJSW',
    );
    expect(referred.agencyId).toBe(cjsw.body.items[0]!.id);
    const agency = { 'x-agency-id': referred.agencyId! };
    const otherAgency = { 'x-agency-id': 'someone-else' };
    expect(
      (await http(apps.referral, 'GET', `/referrals/${referred.referralId}`, undefined, otherAgency)).status,
    ).toBe(404);
    const referral = await http<{ acknowledgeBy: string; pathways: string[] }>(
      apps.referral,
      'GET',
      `/referrals/${referred.referralId}`,
      undefined,
      agency,
    );
    expect(referral.status).toBe(200);
    expect(referral.body.pathways.sort()).toEqual(['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);
    expect(referred.deadlines.find((d) => d.clock === 'referralAcknowledgement')?.dueAt).toBe(
      referral.body.acknowledgeBy,
    );

    // The agency acknowledges through the referral API within its working day.
    const ack = await http(
      apps.referral,
      'POST',
      `/referrals/${referred.referralId}/acknowledgement`,
      {
        acknowledgedBy: 'Justice Social Work duty team',
      },
      agency,
    );
    expect(ack.status).toBe(201);
    const awaiting = await eventually('awaiting release', async () => {
      const p = await plan(personId);
      return p.body.stage === 'AWAITING_RELEASE' ? p.body : undefined;
    });
    expect(awaiting.deadlines.map((d) => [d.clock, d.status])).toEqual(
      expect.arrayContaining([['referralAcknowledgement', 'MET']]),
    );

    // A change of plan: HDC approved, release moves earlier. The gate pick-up booked for the old
    // day is cancelled and a new one booked, and the agency finds the new date in its inbox.
    const booked = await eventually('gate pick-up booked', async () => {
      const p = await plan(personId);
      return p.body.gatePickup ? p.body : undefined;
    });
    const hdcDate = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const changed = await http(apps.liberation, 'POST', `/people/${personId}/episodes/1/release-date`, {
      expectedReleaseDate: hdcDate,
      reason: 'HDC_APPROVED',
    });
    expect(changed.status).toBe(201);
    const replanned = await eventually('pick-up rebooked', async () => {
      const p = await plan(personId);
      return p.body.expectedReleaseDate === hdcDate &&
        p.body.gatePickup?.bookingId !== booked.gatePickup!.bookingId
        ? p.body
        : undefined;
    });
    const episodeAfterChange = await http<{
      gatePickups: { id: string; liberationDate: string; cancelledAt: string | null }[];
    }>(apps.liberation, 'GET', `/people/${personId}/episodes/1`);
    expect(episodeAfterChange.body.gatePickups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: booked.gatePickup!.bookingId, cancelledAt: expect.any(String) }),
        expect.objectContaining({
          id: replanned.gatePickup!.bookingId,
          liberationDate: replanned.liberationDate,
          cancelledAt: null,
        }),
      ]),
    );
    const inbox = await eventually('agency notified', async () => {
      const n = await http<{ items: { liberationDate: string; previousLiberationDate: string | null }[] }>(
        apps.referral,
        'GET',
        '/notifications',
        undefined,
        agency,
      );
      return n.body.items.length > 0 ? n.body.items : undefined;
    });
    expect(inbox).toEqual([
      expect.objectContaining({
        liberationDate: replanned.liberationDate,
        previousLiberationDate: booked.liberationDate,
      }),
    ]);

    // Release recorded in liberation; follow-up starts with the first community appointment.
    const release = await http(apps.liberation, 'POST', '/releases', {
      personId,
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: new Date().toISOString(),
    });
    expect(release.status).toBe(201);
    const followUp = await eventually('follow-up', async () => {
      const p = await plan(personId);
      return p.body.stage === 'FOLLOW_UP' && p.body.appointmentId ? p.body : undefined;
    });
    expect(followUp.stagesDone).toEqual(['RECEPTION', 'CORE_SCREEN', 'REFERRAL', 'AWAITING_RELEASE']);
    expect(followUp.deadlines.find((d) => d.clock === 'firstAppointment')).toMatchObject({ status: 'OPEN' });
    const appointment = await http<{ dueBy: string }>(
      apps.referral,
      'GET',
      `/appointments/${followUp.appointmentId}`,
      undefined,
      agency,
    );
    expect(appointment.status).toBe(200);
    expect(appointment.body.dueBy).toBe(
      followUp.deadlines.find((d) => d.clock === 'firstAppointment')!.dueAt,
    );

    // The liberation API shows where the person's throughcare stands.
    const episode = await eventually('episode stage', async () => {
      const e = await http<{ state: string; journey: { stage: string } | null }>(
        apps.liberation,
        'GET',
        `/people/${personId}/episodes/1`,
      );
      return e.body.journey?.stage === 'FOLLOW_UP' ? e.body : undefined;
    });
    expect(episode.state).toBe('RELEASED');

    // Operators: search attributes without personal data.
    const description = await temporal.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(SearchAttributes.stage)).toBe('FOLLOW_UP');
    expect(description.typedSearchAttributes.get(SearchAttributes.establishment)).toBe('BAR');
    expect(description.typedSearchAttributes.get(SearchAttributes.localAuthority)).toBe('S12000036');
    expect(description.typedSearchAttributes.get(SearchAttributes.nextDeadline)).toBeInstanceOf(Date);
    expect(JSON.stringify(description.raw.workflowExecutionInfo?.searchAttributes)).not.toContain(noms);

    // Managers: the dashboard counts the journey in its stage.
    const dashboard = await http<{ journeysByStage: Record<string, number>; breaches: unknown[] }>(
      apps.orchestrator,
      'GET',
      '/dashboard/data',
    );
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.journeysByStage.FOLLOW_UP).toBeGreaterThanOrEqual(1);
    const page = await fetch(`${apps.orchestrator.baseUrl}/dashboard`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Journeys by stage');

    // Every fact is on the bus.
    const types = await eventually('events on the bus', async () => {
      const t = await eventsOnBus(personId);
      return t.includes('referral.appointment.booked') ? t : undefined;
    });
    expect(types).toEqual(
      expect.arrayContaining([
        'custody.person.received',
        'assessment.core-screen.requested',
        'assessment.core-screen.completed',
        'referral.referral.sent',
        'referral.referral.acknowledged',
        'custody.release-date.changed',
        'custody.gate-pickup.booked',
        'custody.gate-pickup.cancelled',
        'referral.agency.notified',
        'custody.person.released',
        'referral.appointment.booked',
      ]),
    );
  });

  it('answers a malformed reception with 400 problem+json naming the fields', async () => {
    const res = await http<{ status: number; errors: { field: string }[] }>(
      apps.liberation,
      'POST',
      '/receptions',
      {
        prisonNumber: 'not-a-number',
        jurisdiction: 'SCOTLAND',
      },
    );
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['prisonNumber', 'establishmentCode']),
    );
  });

  it('dead-letters a malformed bus event with its reason and still processes the next valid one', async () => {
    const js = jetstream(nc);
    await js.publish(
      subjectFor('custody.person.received'),
      '{"eventType": "custody.person.received", "oops"',
    );

    // An upstream prison system publishes a reception straight onto the bus (prison number only).
    const noms = prisonNumber();
    const receivedAt = new Date(Date.now() - 60_000).toISOString();
    const event = PersonReceivedV1.parse({
      eventType: 'custody.person.received',
      version: 1,
      eventId: randomUUID(),
      occurredAt: receivedAt,
      correlationId: randomUUID(),
      personReference: { identifiers: [{ type: 'NOMS', value: noms }] },
      data: {
        prisonNumber: noms,
        episode: 1,
        establishmentCode: 'LEI',
        jurisdiction: 'ENGLAND_AND_WALES',
        homeLocalAuthority: 'E08000035',
        reason: 'ADMISSION',
        receivedAt,
        sentenceDate: receivedAt.slice(0, 10),
        sentenceLengthDays: 200,
        expectedReleaseDate: new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 10),
      },
    });
    await js.publish(subjectFor(event.eventType), JSON.stringify(event), { msgID: event.eventId });

    const dead = await eventually('dead letter', async () => {
      const info = await jsm.streams.info(Streams.deadLetter.name).catch(() => undefined);
      if (!info || info.state.messages === 0) return undefined;
      const stream = await js.streams.get(Streams.deadLetter.name);
      return (await stream.getMessage({ seq: info.state.first_seq })) ?? undefined;
    });
    expect(dead.subject).toBe('throughcare.dlq.throughcare-bridge');
    expect(dead.header?.get('Throughcare-Dlq-Code')).toBe('MALFORMED_JSON');
    expect(dead.header?.get('Throughcare-Dlq-Reason')).toMatch(/not JSON/);

    const personId = derivePersonId(secret, noms);
    const started = await eventually('journey of the valid event', async () => {
      const p = await plan(personId);
      return p.status === 200 && p.body.assessmentId ? p.body : undefined;
    });
    expect(started).toMatchObject({ personId, episode: 1, stage: 'CORE_SCREEN' });
  });
});
