import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Client, Connection } from '@temporalio/client';
import {
  HmppsStream,
  hmppsInboundSubject,
  PersonReceivedV1,
  SearchAttributes,
  Streams,
  subjectFor,
  throughcareWorkflowId,
  type NeedReferralView,
  type PlanView,
} from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import {
  bearer,
  OtlpReceiver,
  requireEnv,
  testDataConverter,
  verifyWebhook,
  WebhookReceiver,
  answerForNeeds,
  type AppProcess,
  type AssessmentCall,
  type VerifiedWebhook,
} from '@throughcare/testing';
import {
  createSuiteDatabase,
  deleteStreams,
  eventuallyDefined,
  startApps,
  type E2eApp,
} from './e2e.spec-support';

/**
 * One person through every service, end to end: real Postgres, NATS JetStream and Temporal dev
 * server (started by `npm test`), the four services and the orchestrator as separate processes,
 * driven only through their public HTTP APIs and the bus.
 */

const secret = randomBytes(24).toString('hex');
let apps: Record<E2eApp, AppProcess>;
let nc: NatsConnection;
let jsm: JetStreamManager;
let temporal: Client;
/** The apps' OpenTelemetry collector: every span they export (OTLP/HTTP JSON). */
let otlp: OtlpReceiver;

beforeAll(async () => {
  // A database and a bus of this suite's own: earlier suites' rows and events must not leak in.
  const url = await createSuiteDatabase('e2e');
  otlp = await new OtlpReceiver().start();
  nc = await connect({ servers: requireEnv('NATS_URL') });
  jsm = await jetstreamManager(nc);
  await deleteStreams(jsm);

  const env = {
    DATABASE_URL: url,
    NATS_URL: requireEnv('NATS_URL'),
    TEMPORAL_ADDRESS: requireEnv('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    PAYLOAD_ENCRYPTION_KEYS: requireEnv('PAYLOAD_ENCRYPTION_KEYS'),
    PAYLOAD_ENCRYPTION_KEY_ID: requireEnv('PAYLOAD_ENCRYPTION_KEY_ID'),
    PERSON_ID_SECRET: secret,
    // Info lines too: the trace test reads each app's JSON log (output kept in memory only).
    LOG_LEVEL: 'log',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    // Nobody can wait the policy's 45-minute settle window in a test: movements settle in 1 s here.
    MOVEMENT_SETTLE_SECONDS: '1',
    // The agency's webhook receiver is on this machine (http, loopback).
    WEBHOOK_DEVELOPMENT_TARGETS: 'true',
  };
  // Directory first: its migrations seed the agencies the journey looks up.
  apps = await startApps(env);
  temporal = new Client({
    connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS }),
    dataConverter: testDataConverter(),
  });
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(apps ?? {}).map((app) => app.stop()));
  // Leave no malformed messages behind for suites that read the shared bus after this one.
  await deleteStreams(jsm);
  await temporal?.connection.close();
  await nc?.drain();
  await otlp?.stop();
}, 60_000);

/** Prison staff of every establishment this journey passes through. */
const PRISON_STAFF = { roles: ['prison-staff'], establishments: ['BAR', 'GLE', 'LEI', 'LOW'] };

/** Who calls each service when a test does not say: prison staff, or an operator for the orchestrator. */
async function defaultAuth(app: AppProcess): Promise<Record<string, string>> {
  const resource = `urn:throughcare:${app.name}`;
  if (app.name === 'orchestrator') return bearer({ roles: ['operator'] }, resource);
  if (app.name === 'referral') return {}; // agencies only: each call names its agency (asAgency)
  return bearer(PRISON_STAFF, resource);
}

/** An agency's system, with a real token from the identity provider. */
const asAgency = (agencyId: string) =>
  bearer({ roles: ['agency-system'], agencyId }, 'urn:throughcare:referral');

async function http<T = unknown>(
  app: AppProcess,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; contentType: string | null }> {
  const auth = headers['authorization'] ? {} : await defaultAuth(app);
  const res = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    contentType: res.headers.get('content-type'),
  };
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  eventuallyDefined(what, probe, { apps: () => Object.values(apps), timeoutMs: 60_000, intervalMs: 250 });

const plan = (personId: string, episode = 1) =>
  http<PlanView>(apps.orchestrator, 'GET', `/journeys/${personId}/episodes/${episode}`);

/** The plan of the person's episode once its journey has closed. */
const closedPlan = (personId: string, episode: number) =>
  eventually(`episode ${episode} closed`, async () => {
    const p = await plan(personId, episode);
    return p.body.stage === 'CLOSED' ? p.body : undefined;
  });

/** The assessment API as prison staff (for the shared answering helper). */
const asPrisonStaff: AssessmentCall = async (method, path, body) =>
  fetch(`${apps.assessment.baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(await defaultAuth(apps.assessment)),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/**
 * Waits for the journey's core screen request, answers its questions so that `needs` follow, and
 * completes it from them (risk LOW), as reception staff do: needs are never typed in (issue 10).
 */
async function completeCoreScreen(personId: string, needs: string[]): Promise<PlanView> {
  const screening = await eventually('core screen request', async () => {
    const p = await plan(personId);
    return p.status === 200 && p.body.assessmentId ? p.body : undefined;
  });
  await answerForNeeds(asPrisonStaff, screening.assessmentId!, needs);
  const completion = await http<{ completion: { needs: string[] } }>(
    apps.assessment,
    'POST',
    `/assessments/${screening.assessmentId}/completion`,
    { riskOfSeriousHarm: 'LOW', completedBy: 'role:RECEPTION_OFFICER' },
  );
  expect(completion.status).toBe(200);
  expect([...completion.body.completion.needs].sort()).toEqual([...needs].sort());
  return screening;
}

const inDaysFromNow = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/**
 * A reception at Barlinnie a minute ago, for 90 days from today, release 45 days away (release
 * planning is open), of a person living in `homeLocalAuthority`: the person id.
 */
async function receivedReleaseIn45Days(homeLocalAuthority: string, more: object = {}): Promise<string> {
  const reception = await http<{ personId: string }>(apps.liberation, 'POST', '/receptions', {
    prisonNumber: prisonNumber(),
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority,
    ...more,
    reason: 'ADMISSION',
    receivedAt: new Date(Date.now() - 60_000).toISOString(),
    sentenceDate: inDaysFromNow(0),
    sentenceLengthDays: 90,
    expectedReleaseDate: inDaysFromNow(45),
  });
  expect(reception.status).toBe(201);
  return reception.body.personId;
}

/**
 * A sentenced person liberated from court at Barlinnie `agoMs` ago (Scotland, Glasgow), once the
 * journey is in follow-up with its first appointment booked: the person id and that plan.
 */
async function liberatedFromCourtInFollowUp(
  noms: string,
  agoMs: number,
): Promise<{ personId: string; followUp: PlanView }> {
  const court = await http<{ personId: string }>(apps.liberation, 'POST', '/court-liberations', {
    prisonNumber: noms,
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    legalStatus: 'SENTENCED',
    releasedAt: new Date(Date.now() - agoMs).toISOString(),
  });
  expect(court.status).toBe(201);
  const { personId } = court.body;
  const followUp = await eventually('follow-up from court', async () => {
    const p = await plan(personId);
    return p.status === 200 && p.body.stage === 'FOLLOW_UP' && p.body.appointmentId ? p.body : undefined;
  });
  return { personId, followUp };
}

const prisonNumber = () =>
  `A${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}`;

/**
 * The event types on `stream` (those whose subject starts with `prefix`) that name the person by
 * the pseudonym, in stream order.
 */
async function typesOn(stream: string, personId: string, prefix = ''): Promise<string[]> {
  const js = jetstream(nc);
  const info = await jsm.streams.info(stream);
  const types: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const msg = await js.streams
      .get(stream)
      .then((s) => s.getMessage({ seq }))
      .catch(() => null);
    if (!msg?.subject.startsWith(prefix)) continue;
    const event = msg.json<{
      eventType: string;
      personReference?: { identifiers: { type: string; value: string }[] };
    }>();
    if (event.personReference?.identifiers.some((i) => i.type === 'THROUGHCARE_ID' && i.value === personId)) {
      types.push(event.eventType);
    }
  }
  return types;
}

const eventsOnBus = (personId: string) => typesOn(Streams.events.name, personId);

/** The HMPPS event types told on hmpps.outbound for the person, once the outbound adapter is caught up. */
async function toldOutbound(personId: string): Promise<string[]> {
  await eventually('the HMPPS outbound adapter caught up', async () => {
    const info = await jsm.consumers.info(Streams.events.name, 'liberation-hmpps-outbound');
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  });
  return typesOn(HmppsStream.name, personId, 'hmpps.outbound.');
}

type Meeting = { bookingId: string; kind: string; establishmentCode: string; date: string; status: string };
type Episode = {
  state: string;
  establishmentCode: string;
  journey: { stage: string } | null;
  meetings: Meeting[];
  gatePickups: {
    id: string;
    liberationDate: string;
    establishmentCode: string;
    cancelledAt: string | null;
  }[];
};
type Notice = {
  personId: string;
  subject: string;
  establishmentCode: string | null;
  liberationDate: string | null;
  previousLiberationDate?: string | null;
  preReleaseMeeting?: { date: string; establishmentCode: string } | null;
};

/** The notices in the agency's inbox about the person, once there is one. */
const noticesTold = (agency: Record<string, string>, personId: string) =>
  eventually('agency told', async () => {
    const n = await http<{ items: Notice[] }>(apps.referral, 'GET', '/notifications', undefined, agency);
    const mine = n.body.items.filter((i) => i.personId === personId);
    return mine.length > 0 ? mine : undefined;
  });

describe('a person from reception to post-release follow-up, through every service', () => {
  it('carries the journey through every custody stage and each change of plan, with every booking and notice real', async () => {
    const noms = prisonNumber();
    const receivedAt = new Date(Date.now() - 60_000).toISOString();
    const today = new Date().toISOString().slice(0, 10);
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

    // The council's justice social work team registers a webhook endpoint first (its case system),
    // with nothing but its access token and the referral service's OpenAPI document.
    const cjsw = await http<{ items: { id: string }[] }>(
      apps.directory,
      'GET',
      '/agencies?localAuthority=S12000036&kind=CJSW',
    );
    const cjswId = cjsw.body.items[0]!.id;
    const hooks = await new WebhookReceiver().start();
    const registered = await http<{ id: string; secret: string }>(
      apps.referral,
      'POST',
      '/webhook-endpoints',
      { url: hooks.url('/cjsw/throughcare'), description: 'Case management system' },
      await asAgency(cjswId),
    );
    expect(registered.status).toBe(201);

    // Reception through the liberation API: a short sentence, so release planning is open at once.
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
        sentenceLengthDays: 90,
        expectedReleaseDate: inDays(45),
      },
    );
    expect(reception.status).toBe(201);
    const { personId, workflowId } = reception.body;
    expect(personId).toBe(derivePersonId(secret, noms));
    expect(workflowId).toBe(throughcareWorkflowId(personId, 1));
    expect(workflowId).not.toContain(noms);
    const journey = async (what: string, done: (p: PlanView) => boolean) =>
      eventually(what, async () => {
        const p = await plan(personId);
        return p.status === 200 && done(p.body) ? p.body : undefined;
      });
    const episode = () => http<Episode>(apps.liberation, 'GET', `/people/${personId}/episodes/1`);
    const live = (e: Episode, kind: string) =>
      e.meetings.filter((m) => m.kind === kind && m.status === 'BOOKED');

    // The bridge starts the journey; the core screen is requested from the assessment service.
    // (Each service is a lane of its own: the request may be out before the stage's record is in.)
    const screening = await journey(
      'core screen request',
      (p) => !!p.assessmentId && p.stage === 'CORE_SCREEN',
    );
    expect(screening.policy).toEqual({ id: 'scotland-2026', version: 3 });
    // Reception staff answer the core screen's questions by pathway (issue 10): the needs follow
    // from the answers, never typed in. Health support is declined: visible, and not referred.
    const questions = await http<{
      pathways: Array<{ questions: Array<{ id: string; required: boolean }> }>;
    }>(apps.assessment, 'GET', `/assessments/${screening.assessmentId}/questions`);
    expect(questions.status).toBe(200);
    const answered = await http<{ needs: string[]; pathways: Array<{ pathway: string; status: string }> }>(
      apps.assessment,
      'PUT',
      `/assessments/${screening.assessmentId}/answers`,
      {
        answers: {
          ...Object.fromEntries(
            questions.body.pathways.flatMap((p) =>
              p.questions.filter((q) => q.required).map((q) => [q.id, false]),
            ),
          ),
          ACC_NO_ADDRESS: true,
          ACC_WANTS_SUPPORT: true,
          DRA_WITHDRAWAL: true,
          DRA_WANTS_SUPPORT: true,
          HLT_SELF_HARM: true,
          HLT_WANTS_SUPPORT: false,
        },
        // Education was assessed in the prison the person came from: skipped, with the reason.
        skips: [{ pathway: 'EDUCATION_SKILLS_AND_WORK', reason: 'COMPLETED_IN_ANOTHER_PRISON' }],
      },
    );
    expect(answered.status).toBe(200);
    expect(answered.body.needs).toEqual(['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);
    expect(answered.body.pathways.find((p) => p.pathway === 'HEALTH')?.status).toBe('SUPPORT_DECLINED');
    const completion = await http<{ completion: { needs: string[] } }>(
      apps.assessment,
      'POST',
      `/assessments/${screening.assessmentId}/completion`,
      { riskOfSeriousHarm: 'LOW', completedBy: 'role:RECEPTION_OFFICER' },
    );
    expect(completion.status).toBe(200);
    expect(completion.body.completion.needs).toEqual(['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);

    // Needs and a near release: the referral goes at once, the summary review and the gate pick-up are arranged.
    const referred = await journey(
      'referral, summary review, gate pick-up',
      (p) => !!p.referralId && p.stage === 'SUMMARY_REVIEW' && !!p.gatePickup,
    );
    expect(referred.agencyId).toBe(cjswId);
    // The plan holds what the answers said, not a typed list: the two needs derived from them, health
    // support declined (shown, never referred) and education skipped with its reason.
    expect(referred.needs).toEqual(['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);
    const inPlan = (pathway: string) => referred.pathways?.find((p) => p.pathway === pathway);
    expect(inPlan('HEALTH')).toMatchObject({
      status: 'SUPPORT_DECLINED',
      kind: 'CORE_SCREEN',
      assessmentId: screening.assessmentId,
    });
    expect(inPlan('EDUCATION_SKILLS_AND_WORK')).toMatchObject({
      skipped: { reason: 'COMPLETED_IN_ANOTHER_PRISON' },
    });
    expect(inPlan('ACCOMMODATION')?.status).toBe('SUPPORT_REQUIRED');
    expect((referred.needReferrals ?? []).map((n) => n.pathway)).not.toContain('HEALTH');
    const agency = await asAgency(referred.agencyId!);
    expect(
      (
        await http(
          apps.referral,
          'GET',
          `/referrals/${referred.referralId}`,
          undefined,
          await asAgency('someone-else'),
        )
      ).status,
    ).toBe(404);
    const ack = await http(
      apps.referral,
      'POST',
      `/referrals/${referred.referralId}/acknowledgement`,
      { acknowledgedBy: 'Justice Social Work duty team' },
      agency,
    );
    expect(ack.status).toBe(201);

    // Two CJSW custody visits are booked at the prison (liberation service).
    const visits = await eventually('two visits booked', async () => {
      const e = await episode();
      return live(e.body, 'CJSW_VISIT').length === 2 ? e.body : undefined;
    });
    expect(live(visits, 'CJSW_VISIT').every((m) => m.establishmentCode === 'BAR')).toBe(true);

    // The agency accepts the referral (its decision reaches the prison), and the social worker sees
    // the person once in custody (the visit recorded held at the prison).
    const outcome = await http(
      apps.referral,
      'POST',
      `/referrals/${referred.referralId}/outcome`,
      { decision: 'ACCEPTED' },
      agency,
    );
    expect(outcome.status).toBe(201);
    const firstVisit = live(visits, 'CJSW_VISIT')[0]!;
    const held = await http(apps.liberation, 'POST', `/meetings/${firstVisit.bookingId}/held`, {
      heldAt: new Date().toISOString(),
    });
    expect(held.status).toBe(201);
    const heard = await journey(
      'outcome and visit in the plan',
      (p) =>
        p.referralOutcomes?.[0]?.decision === 'ACCEPTED' &&
        (p.bookings ?? []).some((b) => b.bookingId === firstVisit.bookingId && b.status === 'HELD'),
    );
    expect(heard.referralOutcomes).toHaveLength(1);

    // The prison answers the comprehensive screen and the summary review by pathway and completes
    // them from the answers (assessment service): accommodation support still needed.
    for (const kind of ['COMPREHENSIVE_SCREEN', 'SUMMARY_REVIEW']) {
      const page = await eventually(`${kind} requested`, async () => {
        const r = await http<{ items: { id: string }[] }>(
          apps.assessment,
          'GET',
          `/assessments?personId=${personId}&kind=${kind}`,
        );
        return r.body.items.length === 1 ? r.body.items : undefined;
      });
      await answerForNeeds(asPrisonStaff, page[0]!.id, ['ACCOMMODATION']);
      const done = await http<{ completion: { needs: string[] } }>(
        apps.assessment,
        'POST',
        `/assessments/${page[0]!.id}/completion`,
        { completedAt: new Date().toISOString() },
      );
      expect(done.status).toBe(200);
      expect(done.body.completion.needs).toEqual(['ACCOMMODATION']);
    }
    const meeting = await journey(
      'pre-release meeting booked',
      (p) =>
        p.stage === 'PRE_RELEASE_MEETING' &&
        (p.bookings ?? []).some((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED'),
    );
    expect(meeting.deadlines.filter((d) => d.status === 'BREACHED')).toEqual([]);

    // Transfer to Glenochil: every booking at Barlinnie is cancelled and remade there, and the agency told.
    const transfer = await http(apps.liberation, 'POST', `/people/${personId}/episodes/1/transfers`, {
      toEstablishmentCode: 'GLE',
      transferredAt: new Date().toISOString(),
    });
    expect(transfer.status).toBe(201);
    const moved = await eventually('bookings moved to GLE', async () => {
      const e = (await episode()).body;
      const booked = e.meetings.filter((m) => m.status === 'BOOKED');
      const pickups = e.gatePickups.filter((g) => g.cancelledAt === null);
      return booked.length === 2 &&
        booked.every((m) => m.establishmentCode === 'GLE') &&
        pickups.length === 1 &&
        pickups[0]!.establishmentCode === 'GLE'
        ? e
        : undefined;
    });
    // The visit already held stays held; the other visit and the meeting move.
    expect(
      moved.meetings.filter((m) => m.status === 'CANCELLED' && m.establishmentCode === 'BAR'),
    ).toHaveLength(2);
    expect(moved.meetings.filter((m) => m.status === 'HELD')).toEqual([
      expect.objectContaining({ bookingId: firstVisit.bookingId, establishmentCode: 'BAR' }),
    ]);
    const inbox = (subject: string) =>
      eventually(`${subject} in the agency's inbox`, async () => {
        const n = await http<{ items: Notice[] }>(apps.referral, 'GET', '/notifications', undefined, agency);
        const found = n.body.items.filter((i) => i.personId === personId && i.subject === subject);
        return found.length > 0 ? found : undefined;
      });
    expect(await inbox('TRANSFERRED')).toEqual([expect.objectContaining({ establishmentCode: 'GLE' })]);
    // The agency reads the visits and the meeting it takes part in, now at Glenochil (liberation).
    type AgencyMeeting = { bookingId: string; kind: string; establishmentCode: string; date: string };
    const onLiberation = await bearer(
      { roles: ['agency-system'], agencyId: referred.agencyId! },
      'urn:throughcare:liberation',
    );
    const agencyMeetings = await http<{ items: AgencyMeeting[] }>(
      apps.liberation,
      'GET',
      `/agency/meetings?personId=${personId}&status=BOOKED`,
      undefined,
      onLiberation,
    );
    expect(agencyMeetings.status).toBe(200);
    const facts = (m: AgencyMeeting) => [m.bookingId, m.kind, m.establishmentCode, m.date].join(' ');
    expect(agencyMeetings.body.items.map(facts).sort()).toEqual(
      moved.meetings
        .filter((m) => m.status === 'BOOKED')
        .map(facts)
        .sort(),
    );

    // HDC approved: liberation comes forward, the meeting and the pick-up move with it, the agency told once.
    const hdcDate = inDays(25);
    const changed = await http(apps.liberation, 'POST', `/people/${personId}/episodes/1/release-date`, {
      expectedReleaseDate: hdcDate,
      reason: 'HDC_APPROVED',
    });
    expect(changed.status).toBe(201);
    const replanned = await journey(
      'replanned for HDC',
      (p) => p.expectedReleaseDate === hdcDate && p.gatePickup?.liberationDate === p.liberationDate,
    );
    // The notice gives the pre-release meeting booked for the new date (its day and prison).
    const dateNotices = await inbox('LIBERATION_DATE_CHANGED');
    // (The journey sends it once the prison's bookings are done: the one booked then is the one named.)
    expect(live((await episode()).body, 'PRE_RELEASE_MEETING').map((m) => m.date)).toEqual([
      dateNotices[0]!.preReleaseMeeting?.date,
    ]);
    expect(dateNotices).toEqual([
      expect.objectContaining({
        liberationDate: replanned.liberationDate,
        preReleaseMeeting: { date: expect.any(String) as string, establishmentCode: 'GLE' },
      }),
    ]);

    // Released (early, no notice): after the settle window follow-up starts with a first appointment.
    const release = await http<{ eventId: string }>(apps.liberation, 'POST', '/releases', {
      personId,
      establishmentCode: 'GLE',
      reason: 'RELEASED',
      releasedAt: new Date().toISOString(),
    });
    expect(release.status).toBe(201);
    // Follow-up is a stage boundary: the journey continues as new (run 2 or later), nothing lost.
    const followUp = await journey(
      'follow-up, in a new run',
      (p) => p.stage === 'FOLLOW_UP' && !!p.appointmentId && (p.run ?? 1) >= 2,
    );
    expect(followUp.deadlines.find((d) => d.clock === 'referralAcknowledgement')?.status).toBe('MET');
    const appointment = await http<{ dueBy: string; status: string }>(
      apps.referral,
      'GET',
      `/appointments/${followUp.appointmentId}`,
      undefined,
      agency,
    );
    expect(appointment.body.dueBy).toBe(
      followUp.deadlines.find((d) => d.clock === 'firstAppointment')!.dueAt,
    );
    // The agency heard of the release itself once it had settled: the day and the prison released from.
    expect(await inbox('RELEASED')).toEqual([
      expect.objectContaining({
        establishmentCode: 'GLE',
        liberationDate: followUp.liberationDate,
        previousLiberationDate: replanned.liberationDate,
      }),
    ]);

    // The release was recorded in error: undone everywhere, and the agency told.
    const reversal = await http(apps.liberation, 'POST', `/movements/${release.body.eventId}/reversal`, {
      reversedAt: new Date().toISOString(),
    });
    expect(reversal.status).toBe(201);
    const back = await journey(
      'back in custody',
      (p) =>
        p.stage === 'PRE_RELEASE_MEETING' &&
        (p.bookings ?? []).some((b) => b.kind === 'PRE_RELEASE_MEETING' && b.status === 'BOOKED'),
    );
    expect(back.deadlines.find((d) => d.clock === 'firstAppointment')?.status).toBe('CANCELLED');
    await eventually('appointment cancelled', async () => {
      const a = await http<{ status: string }>(
        apps.referral,
        'GET',
        `/appointments/${followUp.appointmentId}`,
        undefined,
        agency,
      );
      return a.body.status === 'CANCELLED' ? a : undefined;
    });
    expect(await inbox('MOVEMENT_REVERSED')).toHaveLength(1);

    // The person withdraws consent: the referral is withdrawn, every booking cancelled, the case closed.
    const withdrawal = await http(
      apps.assessment,
      'POST',
      `/people/${personId}/episodes/1/consent-withdrawal`,
      { withdrawnAt: new Date().toISOString() },
    );
    expect(withdrawal.status).toBe(200);
    const closed = await journey('closed', (p) => p.stage === 'CLOSED');
    expect(closed.closureReason).toBe('CONSENT_WITHDRAWN');
    const referralAfter = await http<{ status: string }>(
      apps.referral,
      'GET',
      `/referrals/${referred.referralId}`,
      undefined,
      agency,
    );
    expect(referralAfter.body.status).toBe('WITHDRAWN');
    const finalEpisode = (await episode()).body;
    expect(finalEpisode.meetings.filter((m) => m.status === 'BOOKED')).toEqual([]);
    expect(finalEpisode.gatePickups.filter((g) => g.cancelledAt === null)).toEqual([]);
    expect(await inbox('CONSENT_WITHDRAWN')).toHaveLength(1);
    expect(finalEpisode.journey?.stage).toBe('CLOSED');

    // The agency's case system heard all of it by webhook, each signed with its secret, once: the
    // referral, every notice in its inbox, the first appointment and its cancellation, the withdrawal.
    const aboutThisPerson = (w: VerifiedWebhook) =>
      w.data.personReference?.identifiers.some((i) => i.type === 'THROUGHCARE_ID' && i.value === personId);
    const allNotices = await http<{ items: Array<Notice & { id: string }> }>(
      apps.referral,
      'GET',
      '/notifications?limit=100',
      undefined,
      agency,
    );
    const noticeIds = allNotices.body.items
      .filter((n) => n.personId === personId)
      .map((n) => n.id)
      .sort();
    const noticesHeard = (mine: VerifiedWebhook[]) =>
      mine
        .filter((w) => w.type === 'referral.agency.notified')
        .map((w) => w.data.data.notificationId as string)
        .sort();
    // Each outbox event is delivered on its own: the last notice (consent withdrawn) may arrive
    // after the withdrawal (seen once in CI), so wait for both.
    const webhooks = await eventually('the withdrawal and every notice by webhook', async () => {
      const verified = hooks.at('/cjsw/throughcare').map((r) => verifyWebhook(registered.body.secret, r));
      const mine = verified.filter(aboutThisPerson);
      return mine.some((w) => w.type === 'referral.referral.withdrawn') &&
        noticeIds.every((id) => noticesHeard(mine).includes(id))
        ? mine
        : undefined;
    });
    await hooks.close();
    expect(new Set(webhooks.map((w) => w.data.eventId)).size).toBe(webhooks.length);
    expect(webhooks.find((w) => w.type === 'referral.referral.sent')?.data.data).toMatchObject({
      referralId: referred.referralId,
      agencyId: cjswId,
    });
    expect(noticesHeard(webhooks)).toEqual(noticeIds);
    expect(new Set(webhooks.map((w) => w.type))).toEqual(
      new Set([
        'referral.referral.sent',
        'referral.agency.notified',
        'referral.appointment.booked',
        'referral.appointment.cancelled',
        'referral.referral.withdrawn',
      ]),
    );

    // Operators: search attributes without personal data.
    const description = await temporal.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(SearchAttributes.stage)).toBe('CLOSED');
    expect(description.typedSearchAttributes.get(SearchAttributes.establishment)).toBe('GLE');
    expect(description.typedSearchAttributes.get(SearchAttributes.localAuthority)).toBe('S12000036');
    expect(JSON.stringify(description.raw.workflowExecutionInfo?.searchAttributes)).not.toContain(noms);

    // Managers: the dashboard answers.
    const dashboard = await http<{ journeysByStage: Record<string, number>; breaches: unknown[] }>(
      apps.orchestrator,
      'GET',
      '/dashboard/data',
      undefined,
      await bearer({ roles: ['manager'] }, 'urn:throughcare:orchestrator'),
    );
    expect(dashboard.status).toBe(200);
    const page = await fetch(`${apps.orchestrator.baseUrl}/dashboard`, {
      headers: await bearer({ roles: ['manager'] }, 'urn:throughcare:orchestrator'),
    });
    expect(await page.text()).toContain('Journeys by stage');

    // Managers: the journey's clocks are in the SLA ledger, built from the bus (sla-ledger-1).
    const managerHeaders = await bearer({ roles: ['manager'] }, 'urn:throughcare:orchestrator');
    type LedgerItem = {
      key: string;
      status: string;
      journey: string;
      establishmentCode: string;
      journeyClosedAt: string | null;
    };
    const ledger = await eventually('the closed journey in the SLA ledger', async () => {
      const res = await http<{ items: LedgerItem[] }>(
        apps.orchestrator,
        'GET',
        `/ledger/clocks?personId=${personId}&limit=200`,
        undefined,
        managerHeaders,
      );
      const items = res.status === 200 ? res.body.items.filter((i) => i.journey === workflowId) : [];
      // The last report, as the case closed, marks every clock of the journey.
      return items.length > 0 && items.every((i) => i.journeyClosedAt !== null) ? items : undefined;
    });
    // The core screen was met at BAR, before the transfer to GLE: it stays BAR's.
    expect(ledger.find((i) => i.key === 'coreScreen')).toMatchObject({
      status: 'MET',
      establishmentCode: 'BAR',
    });
    expect(ledger.map((i) => i.key)).toEqual(
      expect.arrayContaining(['comprehensiveScreen', 'referralAcknowledgement']),
    );

    // Every fact is on the bus.
    const types = await eventually('events on the bus', async () => {
      const t = await eventsOnBus(personId);
      return t.includes('throughcare.case.closed') ? t : undefined;
    });
    expect(types).toEqual(
      expect.arrayContaining([
        'custody.person.received',
        'assessment.core-screen.requested',
        'assessment.core-screen.completed',
        'assessment.assessment.requested',
        'assessment.assessment.completed',
        'referral.referral.sent',
        'referral.referral.acknowledged',
        'referral.referral.outcome-recorded',
        'custody.meeting.booked',
        'custody.meeting.held',
        'custody.meeting.cancelled',
        'custody.person.transferred',
        'custody.release-date.changed',
        'custody.gate-pickup.booked',
        'custody.gate-pickup.cancelled',
        'referral.agency.notified',
        'custody.person.released',
        'referral.appointment.booked',
        'custody.movement.reversed',
        'referral.appointment.cancelled',
        'assessment.consent.withdrawn',
        'referral.referral.withdrawn',
        'throughcare.case.closed',
      ]),
    );
  });

  it('agencies work a need through the API alone: a decline re-refers it, the next agency books and records a visit, the referring prison sees it, and two agencies on the need are warned of', async () => {
    const area = 'S12000030'; // Stirling: a council no other case here lives in
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

    // A women's housing provider joins the directory (an administrator), beside the council's own
    // housing options service, so a woman's accommodation need has two eligible agencies.
    const admin = await bearer({ roles: ['administrator'] }, 'urn:throughcare:directory');
    const trust = await http<{ id: string }>(
      apps.directory,
      'POST',
      '/agencies',
      {
        name: 'Forth Valley Tenancy Trust',
        kind: 'HOUSING',
        localAuthority: area,
        contactPoint: 'Referrals mailbox',
        // For women of 18 to 59: chosen only when the journey learns her age from the liberation
        // service (the date of birth never leaves it).
        services: [
          {
            pathway: 'ACCOMMODATION',
            name: 'Tenancy sustainment for women',
            sex: 'WOMEN',
            minAge: 18,
            maxAge: 59,
          },
        ],
      },
      admin,
    );
    expect(trust.status).toBe(201);
    const housing = await http<{ items: { id: string }[] }>(
      apps.directory,
      'GET',
      `/agencies?localAuthority=${area}&kind=HOUSING`,
    );
    expect(housing.body.items.map((a) => a.id)).toContain(trust.body.id);
    expect(housing.body.items).toHaveLength(2);

    // Each registers its case system's webhook endpoint, with only its own token.
    const hooks = await new WebhookReceiver().start();
    const endpoints = new Map<string, string>();
    for (const { id } of housing.body.items) {
      const registered = await http<{ secret: string }>(
        apps.referral,
        'POST',
        '/webhook-endpoints',
        { url: hooks.url(`/${id}`), description: 'Case management system' },
        await asAgency(id),
      );
      expect(registered.status).toBe(201);
      endpoints.set(id, registered.body.secret);
    }
    /** The referral sent to `agencyId` for this person, as its case system heard it (signed). */
    const referralHeardBy = (agencyId: string) =>
      eventually(`${agencyId} told of its referral by webhook`, async () => {
        const sent = hooks
          .at(`/${agencyId}`)
          .map((r) => verifyWebhook(endpoints.get(agencyId)!, r))
          .find(
            (w) =>
              w.type === 'referral.referral.sent' &&
              w.data.personReference?.identifiers.some(
                (i) => i.type === 'THROUGHCARE_ID' && i.value === personId,
              ),
          );
        return sent?.data.data as { referralId: string; agencyId: string; pathways: string[] } | undefined;
      });

    // A woman's reception (her sex and date of birth recorded) with release 45 days away (release
    // planning is open), and a core screen that finds an accommodation need.
    const personId = await receivedReleaseIn45Days(area, { sex: 'FEMALE', dateOfBirth: '1994-05-17' });
    const accommodation = (p: PlanView) => p.needReferrals?.find((n) => n.pathway === 'ACCOMMODATION');
    const journey = async (what: string, done: (p: PlanView) => boolean) =>
      eventually(what, async () => {
        const p = await plan(personId);
        return p.status === 200 && done(p.body) ? p.body : undefined;
      });
    const screen = await completeCoreScreen(personId, ['ACCOMMODATION']);
    // Her core screen was requested with her sex: the women's pathways are asked of her as a woman.
    const questions = await http<{
      personSex: string | null;
      pathways: { pathway: string; asked: boolean }[];
    }>(apps.assessment, 'GET', `/assessments/${screen.assessmentId}/questions`);
    expect(questions.body.personSex).toBe('FEMALE');
    expect(questions.body.pathways.filter((p) => p.pathway.startsWith('WOMEN_')).every((p) => p.asked)).toBe(
      true,
    );

    // The first agency chosen hears of the referral, reads it, acknowledges and declines it.
    const first = await journey(
      'the accommodation need referred',
      (p) => accommodation(p)?.status === 'SENT',
    );
    const firstAgency = accommodation(first)!.agencyId!;
    // The directory's rule puts a service for her sex and age band before a general one.
    expect(firstAgency).toBe(trust.body.id);
    const firstReferral = await referralHeardBy(firstAgency);
    expect(firstReferral).toMatchObject({ agencyId: firstAgency, pathways: ['ACCOMMODATION'] });
    const asFirst = await asAgency(firstAgency);
    const read = await http<{ status: string; liberationDate: string; riskOfSeriousHarm: string }>(
      apps.referral,
      'GET',
      `/referrals/${firstReferral.referralId}`,
      undefined,
      asFirst,
    );
    expect(read.body).toMatchObject({
      status: 'AWAITING_ACKNOWLEDGEMENT',
      liberationDate: inDays(45),
      riskOfSeriousHarm: 'LOW',
    });
    const ack = (id: string, as: Record<string, string>) =>
      http(
        apps.referral,
        'POST',
        `/referrals/${id}/acknowledgement`,
        { acknowledgedBy: 'Referrals team' },
        as,
      );
    const decide = (id: string, as: Record<string, string>, decision: string, reason?: string) =>
      http(
        apps.referral,
        'POST',
        `/referrals/${id}/outcome`,
        { decision, ...(reason ? { reason } : {}) },
        as,
      );
    expect((await ack(firstReferral.referralId, asFirst)).status).toBe(201);
    expect(
      (await decide(firstReferral.referralId, asFirst, 'DECLINED', 'No places until spring')).status,
    ).toBe(201);

    // The journey re-refers the need to the other agency; the plan shows why the first ended.
    const moved = await journey(
      'the need re-referred',
      (p) => accommodation(p)?.agencyId !== firstAgency && accommodation(p)?.status === 'SENT',
    );
    const secondAgency = accommodation(moved)!.agencyId!;
    expect(new Set([firstAgency, secondAgency])).toEqual(new Set(housing.body.items.map((a) => a.id)));
    expect(accommodation(moved)!.tried[0]).toMatchObject({
      agencyId: firstAgency,
      status: 'ENDED',
      endedBecause: 'declined: No places until spring',
    });
    const secondReferral = await referralHeardBy(secondAgency);
    expect(secondReferral.referralId).toBe(accommodation(moved)!.referralId);

    // The second acknowledges, accepts, books a custody visit, records it attended and writes a
    // note for the prison.
    const asSecond = await asAgency(secondAgency);
    const id = secondReferral.referralId;
    expect((await ack(id, asSecond)).status).toBe(201);
    expect((await decide(id, asSecond, 'ACCEPTED')).status).toBe(201);
    const startsAt = new Date(Date.now() + 2_000).toISOString();
    const visit = await http<{ id: string; status: string }>(
      apps.referral,
      'POST',
      `/referrals/${id}/appointments`,
      {
        startsAt,
        durationMinutes: 45,
        placeKind: 'PRISON',
        place: 'HMP Barlinnie, agency visits room',
        bookedBy: 'Housing options team',
      },
      asSecond,
    );
    expect(visit.status).toBe(201);
    await new Promise((r) => setTimeout(r, Date.parse(startsAt) + 500 - Date.now()));
    const attended = await http(
      apps.referral,
      'POST',
      `/appointments/${visit.body.id}/attendance`,
      { attendance: 'YES', attendedAt: new Date().toISOString(), recordedBy: 'Housing options team' },
      asSecond,
    );
    expect(attended.status).toBe(201);
    for (const [audience, text] of [
      ['REFERRER', 'Tenancy offered from release; the person signed the form at the visit.'],
      ['AGENCY', 'Internal: allocated to the east team.'],
    ])
      expect(
        (
          await http(
            apps.referral,
            'POST',
            `/referrals/${id}/notes`,
            { text, audience, writtenBy: 'Housing options team' },
            asSecond,
          )
        ).status,
      ).toBe(201);

    // The referring prison's staff see the result: the decline and its reason, the acceptance, the
    // visit attended, and the note meant for them (not the agency's own).
    const asPrison = await bearer(PRISON_STAFF, 'urn:throughcare:referral');
    const listed = await http<{ items: Array<{ id: string; agencyId: string; status: string }> }>(
      apps.referral,
      'GET',
      `/prison/referrals?personId=${personId}&episode=1`,
      undefined,
      asPrison,
    );
    expect(listed.status).toBe(200);
    const byAgency = new Map(listed.body.items.map((r) => [r.agencyId, r]));
    expect(byAgency.get(firstAgency)?.status).toBe('DECLINED');
    // Accepted, and the visit booked against it attended: the referral's status says so (issue 9).
    expect(byAgency.get(secondAgency)).toMatchObject({
      id,
      status: 'ATTENDED',
      attendance: expect.objectContaining({ appointmentId: visit.body.id, attendance: 'YES' }),
    });
    const declined = await http<{ outcomes: Array<{ decision: string; reason: string | null }> }>(
      apps.referral,
      'GET',
      `/prison/referrals/${firstReferral.referralId}`,
      undefined,
      asPrison,
    );
    expect(declined.body.outcomes).toEqual([
      expect.objectContaining({ decision: 'DECLINED', reason: 'No places until spring' }),
    ]);
    const visits = await http<{ items: Array<{ id: string; attendance: { attendance: string } | null }> }>(
      apps.referral,
      'GET',
      `/prison/referrals/${id}/appointments`,
      undefined,
      asPrison,
    );
    expect(visits.body.items).toEqual([
      expect.objectContaining({
        id: visit.body.id,
        attendance: expect.objectContaining({ attendance: 'YES' }),
      }),
    ]);
    const notes = await http<{ items: Array<{ text: string; audience: string }> }>(
      apps.referral,
      'GET',
      `/prison/referrals/${id}/notes`,
      undefined,
      asPrison,
    );
    expect(notes.body.items.map((n) => n.text)).toEqual([
      'Tenancy offered from release; the person signed the form at the visit.',
    ]);
    // The journey has the acceptance and the attendance too (the plan prison staff read).
    const accepted = await journey(
      'acceptance and attendance in the plan',
      (p) =>
        accommodation(p)?.status === 'ACCEPTED' &&
        (accommodation(p)?.tried.at(-1)?.attendances ?? []).length === 1,
    );
    expect(accommodation(accepted)!.tried.at(-1)!.attendances).toEqual([
      expect.objectContaining({ appointmentId: visit.body.id, attendance: 'YES' }),
    ]);

    // The first agency thinks again and accepts: both have taken the need on, and whoever reads
    // who else is involved is warned of the duplication.
    expect((await decide(firstReferral.referralId, asFirst, 'ACCEPTED')).status).toBe(201);
    const asStaff = await bearer(PRISON_STAFF, 'urn:throughcare:orchestrator');
    const involvement = await eventually('the duplication warned of', async () => {
      const r = await http<{
        pathways: Array<{
          pathway: string;
          open: { agencyId: string }[];
          warnings: { code: string; message: string }[];
        }>;
        warnings: { duplication: number; gap: number };
      }>(apps.orchestrator, 'GET', `/journeys/${personId}/episodes/1/involvement`, undefined, asStaff);
      return r.status === 200 && r.body.warnings.duplication === 1 ? r.body : undefined;
    });
    const need = involvement.pathways.find((p) => p.pathway === 'ACCOMMODATION')!;
    expect(new Set(need.open.map((o) => o.agencyId))).toEqual(new Set([firstAgency, secondAgency]));
    expect(need.warnings).toEqual([
      expect.objectContaining({ code: 'DUPLICATION', message: expect.stringContaining('2 agencies') }),
    ]);
    await hooks.close();
  });

  it('prison staff stop a need already referred: the agency is told why, the plan shows it not referred, and it is referred no more', async () => {
    const personId = await receivedReleaseIn45Days('S12000036');
    await completeCoreScreen(personId, ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL']);
    const need = (p: PlanView, pathway: string) => p.needReferrals?.find((n) => n.pathway === pathway);
    // Edinburgh lists no addiction service in the seed directory: that need is a gap.
    const referred = await eventually('housing referred, addiction a gap', async () => {
      const p = await plan(personId);
      return p.status === 200 &&
        need(p.body, 'ACCOMMODATION')?.status === 'SENT' &&
        need(p.body, 'DRUGS_AND_ALCOHOL')?.status === 'GAP'
        ? p.body
        : undefined;
    });
    const housing = need(referred, 'ACCOMMODATION')!;

    // The officer at Barlinnie stops the accommodation need: the family has housed the person.
    const officer = await bearer(
      { roles: ['prison-staff'], establishments: ['BAR'] },
      'urn:throughcare:orchestrator',
    );
    const stopPath = `/journeys/${personId}/episodes/1/needs/ACCOMMODATION/stop`;
    const reason = 'Housed by family on release; no housing support wanted';
    const stopped = await http<NeedReferralView>(apps.orchestrator, 'POST', stopPath, { reason }, officer);
    expect(stopped.status).toBe(200);
    expect(stopped.body.stopped).toMatchObject({
      reason,
      as: 'PRISON_STAFF',
      at: expect.any(String),
      by: expect.any(String),
    });
    // A repeat is answered as the need stands; another reason is refused, naming the first.
    const again = await http<NeedReferralView>(apps.orchestrator, 'POST', stopPath, { reason }, officer);
    expect(again.status).toBe(200);
    const other = await http<{ code: string; detail: string }>(
      apps.orchestrator,
      'POST',
      stopPath,
      { reason: 'another reason' },
      officer,
    );
    expect([other.status, other.body.code]).toEqual([409, 'NEED_STOP_REFUSED']);
    expect(other.body.detail).toContain('stopped already');

    // The agency sees its referral withdrawn, with the officer's reason.
    const withdrawn = await eventually('the housing referral withdrawn', async () => {
      const r = await http<{ status: string; withdrawal: { reason: string } | null }>(
        apps.referral,
        'GET',
        `/referrals/${housing.referralId}`,
        undefined,
        await asAgency(housing.agencyId!),
      );
      return r.status === 200 && r.body.status === 'WITHDRAWN' ? r.body : undefined;
    });
    expect(withdrawn.withdrawal?.reason).toBe(`prison staff stopped referring the need: ${reason}`);
    // The plan: NOT_REFERRED with the reason, the try ended; the other need untouched.
    const after = await eventually('the need not referred', async () => {
      const p = await plan(personId);
      return p.status === 200 && need(p.body, 'ACCOMMODATION')?.status === 'NOT_REFERRED'
        ? p.body
        : undefined;
    });
    expect(need(after, 'ACCOMMODATION')).toMatchObject({
      notReferredBecause: reason,
      tried: [
        expect.objectContaining({
          status: 'ENDED',
          endedBecause: `withdrawn: stopped by prison staff: ${reason}`,
        }),
      ],
    });
    expect(need(after, 'DRUGS_AND_ALCOHOL')?.status).toBe('GAP');
    // Who else is involved: no GAP warning for a need staff stopped.
    const involvement = await http<{
      pathways: { pathway: string; needStatus: string; warnings: { code: string }[] }[];
    }>(apps.orchestrator, 'GET', `/journeys/${personId}/episodes/1/involvement`, undefined, officer);
    expect(involvement.status).toBe(200);
    expect(involvement.body.pathways.find((x) => x.pathway === 'ACCOMMODATION')).toMatchObject({
      needStatus: 'NOT_REFERRED',
      warnings: [],
    });

    // Refused: a pathway that is no need of this episode (409), an unknown one or no reason (400),
    // and an officer of another prison (404, as for no journey).
    const notANeed = await http<{ code: string }>(
      apps.orchestrator,
      'POST',
      `/journeys/${personId}/episodes/1/needs/HEALTH/stop`,
      { reason },
      officer,
    );
    expect([notANeed.status, notANeed.body.code]).toEqual([409, 'NEED_STOP_REFUSED']);
    for (const [pathway, body, field] of [
      ['HOUSING', { reason }, 'pathway'],
      ['ACCOMMODATION', { reason: '  ' }, 'reason'],
    ] as const) {
      const invalid = await http<{ errors: { field: string }[] }>(
        apps.orchestrator,
        'POST',
        `/journeys/${personId}/episodes/1/needs/${pathway}/stop`,
        body,
        officer,
      );
      expect([invalid.status, invalid.body.errors.map((e) => e.field)]).toEqual([400, [field]]);
    }
    const elsewhere = await http<{ code: string }>(
      apps.orchestrator,
      'POST',
      `/journeys/${personId}/episodes/1/needs/DRUGS_AND_ALCOHOL/stop`,
      { reason },
      await bearer({ roles: ['prison-staff'], establishments: ['LOW'] }, 'urn:throughcare:orchestrator'),
    );
    expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'JOURNEY_NOT_FOUND']);
    // An operator may stop it (the gap, arranged by the community team's own addiction worker):
    // the plan says an operator did (no agency holds a gap to be told; the planner's and the
    // property tests check the withdrawal's wording).
    const byOperator = await http<NeedReferralView>(
      apps.orchestrator,
      'POST',
      `/journeys/${personId}/episodes/1/needs/DRUGS_AND_ALCOHOL/stop`,
      { reason: 'Arranged by the community addiction team directly' },
      await bearer({ roles: ['operator'] }, 'urn:throughcare:orchestrator'),
    );
    expect(byOperator.status).toBe(200);
    expect(byOperator.body.stopped).toMatchObject({ as: 'OPERATOR' });
  });

  it('liberated from court, then recalled: follow-up at once, and the next episode carries the history', async () => {
    const noms = prisonNumber();
    const { personId, followUp } = await liberatedFromCourtInFollowUp(noms, 5_000);
    expect(followUp.stagesDone).toEqual(['RECEPTION']);
    const agency = await asAgency(followUp.agencyId!);
    const appointment = await http<{ status: string }>(
      apps.referral,
      'GET',
      `/appointments/${followUp.appointmentId}`,
      undefined,
      agency,
    );
    expect(appointment.status).toBe(200);

    // Recalled on licence: the reception of episode 2 closes episode 1 (which hands its history on).
    const recall = await http<{ episode: number }>(apps.liberation, 'POST', '/receptions', {
      prisonNumber: noms,
      establishmentCode: 'LOW',
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: 'S12000036',
      reason: 'READMISSION',
      receivedAt: new Date().toISOString(),
      sentenceDate: new Date().toISOString().slice(0, 10),
      sentenceLengthDays: 120,
      expectedReleaseDate: new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 10),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'L' },
    });
    expect(recall.status).toBe(201);
    expect(recall.body.episode).toBe(2);
    const closed = await closedPlan(personId, 1);
    expect(closed).toMatchObject({ closureReason: 'RECALLED', nextEpisode: 2 });
    const second = await eventually('episode 2 with the history', async () => {
      const p = await plan(personId, 2);
      return p.status === 200 && p.body.carried && p.body.assessmentId && p.body.stage === 'CORE_SCREEN'
        ? p.body
        : undefined;
    });
    expect(second.carried).toMatchObject({
      fromEpisode: 1,
      reason: 'RECALL',
      recallReasonCode: 'L',
      episodes: [{ episode: 1, closureReason: 'RECALLED' }],
    });
    expect(second).toMatchObject({ stage: 'CORE_SCREEN', establishmentCode: 'LOW' });
    await eventually('first appointment cancelled', async () => {
      const a = await http<{ status: string }>(
        apps.referral,
        'GET',
        `/appointments/${followUp.appointmentId}`,
        undefined,
        agency,
      );
      return a.body.status === 'CANCELLED' ? a : undefined;
    });
    expect((await noticesTold(agency, personId)).map((n) => n.subject)).toEqual(['RETURNED_TO_CUSTODY']);
  });

  it('recalled after a reception recorded in error: the released episode closes as RECALLED and tells its agency, the recall (episode 3) starts with its history', async () => {
    const noms = prisonNumber();
    const facts = { establishmentCode: 'BAR', jurisdiction: 'SCOTLAND', homeLocalAuthority: 'S12000036' };
    const { personId, followUp } = await liberatedFromCourtInFollowUp(noms, 60_000);
    const agency = await asAgency(followUp.agencyId!);

    // Episode 2: a new admission keyed in error, then reversed (void); its journey closes.
    const sentence = {
      sentenceDate: inDaysFromNow(0),
      sentenceLengthDays: 120,
      expectedReleaseDate: inDaysFromNow(100),
    };
    const wrong = await http<{ episode: number }>(apps.liberation, 'POST', '/receptions', {
      prisonNumber: noms,
      ...facts,
      ...sentence,
      reason: 'ADMISSION',
      receivedAt: new Date(Date.now() - 40_000).toISOString(),
    });
    expect([wrong.status, wrong.body.episode]).toEqual([201, 2]);
    await eventually('episode 2 started', async () =>
      (await plan(personId, 2)).status === 200 ? true : undefined,
    );
    const reversal = await http(
      apps.liberation,
      'POST',
      `/people/${personId}/episodes/2/reception-reversal`,
      {
        reversedAt: new Date(Date.now() - 30_000).toISOString(),
        reason: 'RECEIVED_IN_ERROR',
      },
    );
    expect(reversal.status).toBe(201);
    await closedPlan(personId, 2);

    // Recalled on licence: episode 3 follows episode 1, whose journey hears of it.
    const recall = await http<{ episode: number }>(apps.liberation, 'POST', '/receptions', {
      prisonNumber: noms,
      ...facts,
      ...sentence,
      establishmentCode: 'LOW',
      reason: 'READMISSION',
      receivedAt: new Date().toISOString(),
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'L' },
    });
    expect([recall.status, recall.body.episode]).toEqual([201, 3]);
    const closed = await closedPlan(personId, 1);
    expect(closed).toMatchObject({ closureReason: 'RECALLED', nextEpisode: 3 });
    const third = await eventually('episode 3 with the history', async () => {
      const p = await plan(personId, 3);
      return p.status === 200 && p.body.carried && p.body.assessmentId ? p.body : undefined;
    });
    // The void episode never was: not in the history carried.
    expect(third.carried).toMatchObject({
      fromEpisode: 1,
      reason: 'RECALL',
      recallReasonCode: 'L',
      episodes: [{ episode: 1, closureReason: 'RECALLED' }],
    });
    expect(third.carried?.episodes).toHaveLength(1);
    expect(third).toMatchObject({ episode: 3, establishmentCode: 'LOW' });
    expect((await noticesTold(agency, personId)).map((n) => n.subject)).toEqual(['RETURNED_TO_CUSTODY']);
  });

  it('a reception for an area no agency serves is not lost: an attention item in the plan, the Temporal UI, the operator list and on the bus', async () => {
    const noms = prisonNumber();
    const today = new Date().toISOString().slice(0, 10);
    // City of London: a valid English authority, with no probation service in the directory's seed.
    const reception = await http<{ personId: string; workflowId: string }>(
      apps.liberation,
      'POST',
      '/receptions',
      {
        prisonNumber: noms,
        establishmentCode: 'LEI',
        jurisdiction: 'ENGLAND_AND_WALES',
        homeLocalAuthority: 'E09000001',
        reason: 'ADMISSION',
        receivedAt: new Date(Date.now() - 60_000).toISOString(),
        sentenceDate: today,
        sentenceLengthDays: 365,
        expectedReleaseDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
      },
    );
    expect(reception.status).toBe(201);
    const { personId, workflowId } = reception.body;
    await completeCoreScreen(personId, ['ACCOMMODATION']);

    const action = 'directory:no-agency:E09000001:PROBATION';
    const raised = await eventually('attention item in the plan', async () => {
      const p = await plan(personId);
      return p.body.attention?.find((a) => a.action === action && a.status === 'OPEN');
    });
    expect(raised).toMatchObject({ errorType: 'AGENCY_NOT_FOUND', options: ['SKIP'] });
    const listed = await eventually('in the operator list', async () => {
      const page = await http<{
        items: { personId: string; itemId: string; action: string; status: string; mustAct: string }[];
      }>(apps.orchestrator, 'GET', `/attention?status=OPEN&personId=${personId}`);
      return page.body.items.find((i) => i.itemId === raised.id);
    });
    expect(listed).toMatchObject({ action, status: 'OPEN' });
    expect(
      await eventually('NeedsAttention in Temporal', async () => {
        const d = await temporal.workflow.getHandle(workflowId).describe();
        return d.typedSearchAttributes.get(SearchAttributes.needsAttention) === true ? true : undefined;
      }),
    ).toBe(true);
    const board = await http<{
      journeysNeedingAttention: number;
      attention: { mustAct: string; open: number }[];
    }>(apps.orchestrator, 'GET', '/dashboard/data');
    expect(board.body.journeysNeedingAttention).toBeGreaterThanOrEqual(1);
    expect(board.body.attention.find((a) => a.mustAct === listed.mustAct)?.open).toBeGreaterThanOrEqual(1);
    const attentionPage = await fetch(`${apps.orchestrator.baseUrl}/dashboard`, {
      headers: await bearer({ roles: ['operator'] }, 'urn:throughcare:orchestrator'),
    });
    expect(await attentionPage.text()).toContain('Needs attention');
    await eventually('attention raised on the bus', async () =>
      (await eventsOnBus(personId)).includes('throughcare.attention.raised') ? true : undefined,
    );

    // An operator acknowledges it (SKIP, with a reason): it leaves the open list, and is on the bus.
    const resolved = await http<{ status: string }>(
      apps.orchestrator,
      'POST',
      `/journeys/${personId}/episodes/1/attention/${raised.id}/resolution`,
      { option: 'SKIP', by: 'operator:e2e', reason: 'probation region asked to list its service' },
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('RESOLVED');
    const again = await http(
      apps.orchestrator,
      'POST',
      `/journeys/${personId}/episodes/1/attention/${raised.id}/resolution`,
      {
        option: 'SKIP',
        by: 'operator:e2e',
        reason: 'again',
      },
    );
    expect(again.status).toBe(409);
    await eventually('resolution recorded', async () => {
      const page = await http<{ items: unknown[] }>(
        apps.orchestrator,
        'GET',
        `/attention?status=OPEN&personId=${personId}`,
      );
      return page.body.items.length === 0 &&
        (await eventsOnBus(personId)).includes('throughcare.attention.resolved')
        ? true
        : undefined;
    });
  });

  it('a person whose answered needs and rising risk drive the journey (issue 10): the needs and pathway statuses come from the answers, the rise reaches the responsible agency as a RISK_ESCALATED notice with the bands and never the reasons, the plan shows the risk, no item waits on anyone', async () => {
    const personId = await receivedReleaseIn45Days('S12000036');
    await completeCoreScreen(personId, ['ACCOMMODATION']);
    const referred = await eventually('referral sent, pathways in the plan', async () => {
      const p = await plan(personId);
      return p.status === 200 && p.body.referralId && p.body.agencyId && p.body.pathways ? p.body : undefined;
    });
    // What the journey acts on is what the answers gave: a need on accommodation alone, each
    // pathway's status from the core screen (the completion event's pathways), none typed in.
    expect(referred.needs).toEqual(['ACCOMMODATION']);
    expect(referred.pathways?.find((p) => p.pathway === 'ACCOMMODATION')).toMatchObject({
      status: 'SUPPORT_REQUIRED',
      kind: 'CORE_SCREEN',
    });
    expect(
      (referred.pathways ?? []).filter(
        (p) => p.pathway !== 'ACCOMMODATION' && p.status === 'SUPPORT_REQUIRED',
      ),
    ).toEqual([]);
    const assess = (riskOfSeriousHarm: string, mappa: object | null) =>
      http(apps.assessment, 'POST', `/people/${personId}/risk-assessments`, {
        likelihoodOfReoffending: 'MEDIUM',
        riskOfSeriousHarm,
        reasons: 'e2e: risk as staff record it',
        assessedOn: inDaysFromNow(0),
        mappa,
      });
    expect((await assess('MEDIUM', null)).status).toBe(201);
    await eventually('first risk in the plan', async () => {
      const p = await plan(personId);
      return p.body.risk?.version === 1 ? p.body : undefined;
    });
    // Prison staff record a higher risk and a MAPPA case: the journey tells the agency (risk-notice-1).
    expect((await assess('HIGH', { category: 2, level: 2 })).status).toBe(201);
    const agency = await asAgency(referred.agencyId!);
    const told = await eventually('the rise in the agency inbox', async () => {
      const n = await http<{ items: (Notice & { message: string })[] }>(
        apps.referral,
        'GET',
        '/notifications',
        undefined,
        agency,
      );
      const found = n.body.items.filter((i) => i.personId === personId && i.subject === 'RISK_ESCALATED');
      return found.length > 0 ? found : undefined;
    });
    expect(told).toHaveLength(1);
    expect(told[0]!.message).toContain('risk of serious harm HIGH');
    expect(told[0]!.message).toContain('MAPPA category 2 level 2');
    expect(told[0]!.message).not.toContain('e2e: risk as staff record it');
    const after = await eventually('the rise kept in the plan', async () => {
      const p = await plan(personId);
      return p.body.risk?.version === 2 && !p.body.working ? p.body : undefined;
    });
    expect(after.risk).toMatchObject({
      version: 2,
      riskOfSeriousHarm: 'HIGH',
      mappa: { category: 2, level: 2 },
      rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
    });
    expect((after.attention ?? []).filter((a) => a.action.startsWith('risk-rose:'))).toEqual([]);
  });

  it('follows one reception by its trace and correlation id through every hop (HTTP, outbox, bus, bridge, workflow, activity), in the spans and in each app’s JSON log lines, with no personal data in either', async () => {
    const noms = prisonNumber();
    const correlationId = `trace-e2e-${randomUUID()}`;
    const res = await fetch(`${apps.liberation.baseUrl}/receptions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-correlation-id': correlationId,
        ...(await defaultAuth(apps.liberation)),
      },
      body: JSON.stringify({
        prisonNumber: noms,
        establishmentCode: 'BAR',
        jurisdiction: 'SCOTLAND',
        homeLocalAuthority: 'S12000036',
        reason: 'ADMISSION',
        receivedAt: new Date(Date.now() - 60_000).toISOString(),
        sentenceDate: new Date().toISOString().slice(0, 10),
        sentenceLengthDays: 400,
        expectedReleaseDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
      }),
    });
    expect({ status: res.status, body: res.status === 201 ? undefined : await res.text() }).toEqual({
      status: 201,
      body: undefined,
    });
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
    const { workflowId } = (await res.json()) as { workflowId: string };

    // The HTTP span names the correlation; its trace must reach an activity the journey runs in
    // the assessment service (the core screen it asks for).
    const trace = await eventually('the reception trace to reach an assessment activity', async () => {
      const http = otlp.spans.find(
        (s) => s.kind === 2 && s.attributes['throughcare.correlation_id'] === correlationId,
      );
      if (!http) return undefined;
      const spans = otlp.trace(http.traceId);
      return spans.some((s) => s.service === 'assessment' && s.name.startsWith('RunActivity:'))
        ? { http, spans }
        : undefined;
    });
    const { http: server, spans } = trace;
    // The trace as a tree (service, kind, name), shown when a hop is missing.
    const tree = (parent: string | undefined, depth = 0): string =>
      spans
        .filter((s) => s.parentSpanId === parent)
        .map((s) => `${'  '.repeat(depth)}${s.service} ${s.kind} ${s.name}\n${tree(s.spanId, depth + 1)}`)
        .join('');
    const shown = `${tree(server.parentSpanId)}(${spans.length} spans)`;
    const childOf = (parent: { spanId: string }, match: (s: (typeof spans)[number]) => boolean) =>
      spans.filter((s) => s.parentSpanId === parent.spanId && match(s));
    const subject = subjectFor('custody.person.received');

    expect(server).toMatchObject({ service: 'liberation', name: 'POST /receptions' });
    // outbox → bus: the relay publishes the row in the request's trace
    const [publish] = childOf(server, (s) => s.kind === 4 && s.name === `publish ${subject}`);
    expect(publish?.service).toBe('liberation');
    // bus → bridge: the orchestrator's consumers each continue it; the bridge's starts the journey
    const consumers = childOf(publish!, (s) => s.kind === 5 && s.name === `process ${subject}`);
    expect(consumers.length).toBeGreaterThanOrEqual(1);
    const starts = consumers.flatMap((c) =>
      childOf(c, (s) => s.name === 'SignalWithStartWorkflow:throughcareJourney'),
    );
    expect({ starts: starts.length, shown }).toEqual({ starts: 1, shown });
    expect(starts[0]!.service).toBe('orchestrator');
    expect(starts[0]!.attributes['temporalWorkflowId']).toBe(workflowId);
    // bridge → workflow: the journey's spans for its start and for the reception signal
    const inWorkflow = childOf(starts[0]!, (s) => s.service === 'orchestrator' && s.kind === 1);
    expect(inWorkflow.map((s) => s.name).sort()).toEqual([
      'HandleSignal:reception',
      'RunWorkflow:throughcareJourney',
    ]);
    expect(inWorkflow.every((s) => s.attributes['temporal.workflow.id'] === workflowId)).toBe(true);
    // workflow → activity: what the journey scheduled runs in the services' workers in that trace
    const activities = spans.filter(
      (s) => s.name.startsWith('RunActivity:') && inWorkflow.some((w) => w.spanId === s.parentSpanId),
    );
    expect(activities.map((s) => s.service)).toContain('assessment');

    // No personal data in any span of the trace: not the prison number, not a name.
    expect(JSON.stringify(spans)).not.toContain(noms);

    // Each hop's log lines are JSON naming the correlation and the trace.
    const linesOf = (app: AppProcess) =>
      app
        .output()
        .split('\n')
        .flatMap((l) => {
          try {
            return l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : [];
          } catch {
            return []; // a line cut by the start of the kept output
          }
        })
        .filter((l) => l['traceId'] === server.traceId);
    const liberationLines = linesOf(apps.liberation);
    expect(liberationLines).toContainEqual(
      expect.objectContaining({
        service: 'liberation',
        correlationId,
        msg: 'request completed',
        method: 'POST',
        route: '/receptions',
        status: 201,
      }),
    );
    expect(linesOf(apps.orchestrator)).toContainEqual(
      expect.objectContaining({
        correlationId,
        msg: expect.stringContaining(`journey ${workflowId} started or signalled`),
      }),
    );
    for (const app of Object.values(apps)) expect(app.output()).not.toContain(noms);
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

  it('HMPPS domain events re-plan a journey: a transfer moves it to the new prison, a release to follow-up, a recall to the next episode', async () => {
    // NOMIS, and so HMPPS's events, cover England and Wales: Leeds, then Moorland.
    const noms = prisonNumber();
    const reception = await http<{ personId: string }>(apps.liberation, 'POST', '/receptions', {
      prisonNumber: noms,
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      reason: 'ADMISSION',
      receivedAt: new Date(Date.now() - 3_600_000).toISOString(),
      sentenceDate: new Date().toISOString().slice(0, 10),
      sentenceLengthDays: 400,
      expectedReleaseDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
    });
    expect(reception.status).toBe(201);
    const { personId } = reception.body;
    await eventually('journey at its core screen', async () => {
      const p = await plan(personId);
      return p.status === 200 && p.body.stage === 'CORE_SCREEN' ? p.body : undefined;
    });

    // As the MoJ publishes them (hmpps-domain-events): thin, the prison number only.
    const js = jetstream(nc);
    const hmpps = async (
      kind: 'received' | 'released',
      reason: string,
      prisonId: string,
      occurredAt: Date,
      nomisMovementReasonCode?: string,
    ) => {
      const eventType = `prison-offender-events.prisoner.${kind}`;
      const event = {
        eventType,
        version: 1,
        occurredAt: occurredAt.toISOString(),
        description: `A prisoner has been ${kind}`,
        additionalInformation: {
          nomsNumber: noms,
          reason,
          prisonId,
          currentLocation: 'IN_PRISON',
          ...(nomisMovementReasonCode ? { nomisMovementReasonCode } : {}),
        },
        personReference: { identifiers: [{ type: 'NOMS', value: noms }] },
      };
      await js.publish(hmppsInboundSubject(eventType), JSON.stringify(event), { msgID: randomUUID() });
    };
    const transferredAt = new Date(Date.now() - 1_800_000);
    await hmpps('released', 'TRANSFERRED', 'LEI', transferredAt);
    await hmpps('received', 'TRANSFERRED', 'MDI', transferredAt);
    const moved = await eventually('journey at the new prison', async () => {
      const p = await plan(personId);
      return p.body.establishmentCode === 'MDI' ? p.body : undefined;
    });
    expect(moved.stage).toBe('CORE_SCREEN');

    const releasedAt = new Date(Date.now() - 60_000);
    await hmpps('released', 'RELEASED', 'MDI', releasedAt);
    await eventually('journey in follow-up', async () => {
      const p = await plan(personId);
      return p.status === 200 && p.body.stage === 'FOLLOW_UP' ? p.body : undefined;
    });
    const moorland = await bearer(
      { roles: ['prison-staff'], establishments: ['MDI'] },
      'urn:throughcare:liberation',
    );
    const custody = await http<{
      state: string;
      establishmentCode: string;
      release: { establishmentCode: string; releasedAt: string; releasedBy: string };
      movements: { movement: string; fromEstablishmentCode: string; toEstablishmentCode: string | null }[];
    }>(apps.liberation, 'GET', `/people/${personId}/episodes/1`, undefined, moorland);
    expect(custody.status).toBe(200);
    expect(custody.body).toMatchObject({
      state: 'RELEASED',
      establishmentCode: 'MDI',
      release: { establishmentCode: 'MDI', releasedAt: releasedAt.toISOString(), releasedBy: 'bus:upstream' },
    });
    expect(
      custody.body.movements.map((m) => [m.movement, m.fromEstablishmentCode, m.toEstablishmentCode]),
    ).toEqual([
      ['TRANSFER', 'LEI', 'MDI'],
      ['RELEASE', 'MDI', null],
    ]);
    // The journey heard each movement once, from the platform's own events (the pseudonym only).
    const custodyEvents = (await eventsOnBus(personId)).filter((t) => t.startsWith('custody.person.'));
    expect(custodyEvents).toEqual([
      'custody.person.received',
      'custody.person.transferred',
      'custody.person.released',
    ]);
    // Told on hmpps.outbound: the platform's own reception, not HMPPS's own movements told back.
    const told = await toldOutbound(personId);
    expect(told).toContain('throughcare-custody.person.received');
    expect(told.filter((t) => /person\.(transferred|released)$/.test(t))).toEqual([]);

    // Recalled on licence (an admission, NOMIS movement reason L) to Leeds: episode 2 opens as a
    // return to custody with the sentence of episode 1, whose journey closes and hands its history on.
    await hmpps('received', 'ADMISSION', 'LEI', new Date(), 'L');
    const closed = await closedPlan(personId, 1);
    expect(closed).toMatchObject({ closureReason: 'RECALLED', nextEpisode: 2 });
    const second = await eventually('episode 2 at its core screen', async () => {
      const p = await plan(personId, 2);
      return p.status === 200 && p.body.stage === 'CORE_SCREEN' ? p.body : undefined;
    });
    expect(second).toMatchObject({
      establishmentCode: 'LEI',
      carried: { fromEpisode: 1, reason: 'RECALL', recallReasonCode: 'L' },
    });
    // HMPPS's own admission is not told back to it: only episode 1's reception went outbound.
    const toldAfter = await toldOutbound(personId);
    expect(toldAfter.filter((t) => t === 'throughcare-custody.person.received')).toHaveLength(1);
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

    // Each consumer of the subject dead-letters it on its own DLQ subject: the orchestrator's
    // bridge, and the liberation service (which applies upstream movements to its custody record).
    for (const consumer of ['throughcare-bridge', 'liberation-movements']) {
      const dead = await eventually(`dead letter of ${consumer}`, async () => {
        const stream = await js.streams.get(Streams.deadLetter.name).catch(() => undefined);
        const last = await stream
          ?.getMessage({ last_by_subj: `throughcare.dlq.${consumer}` })
          .catch(() => null);
        return last ?? undefined;
      });
      expect(dead.header?.get('Throughcare-Dlq-Code')).toBe('MALFORMED_JSON');
      expect(dead.header?.get('Throughcare-Dlq-Reason')).toMatch(/not JSON/);
    }

    const personId = derivePersonId(secret, noms);
    // (Each service is a lane: the core screen may be requested before the stage's record is in.)
    const started = await eventually('journey of the valid event', async () => {
      const p = await plan(personId);
      return p.status === 200 && p.body.assessmentId && p.body.stage === 'CORE_SCREEN' ? p.body : undefined;
    });
    expect(started).toMatchObject({ personId, episode: 1, stage: 'CORE_SCREEN' });
    // The liberation service heard the same reception: the custody record agrees with the journey.
    const custody = await eventually('custody episode of the valid event', async () => {
      const r = await http<{ state: string; establishmentCode: string }>(
        apps.liberation,
        'GET',
        `/people/${personId}/episodes/1`,
      );
      return r.status === 200 ? r.body : undefined;
    });
    expect(custody).toMatchObject({ state: 'IN_CUSTODY', establishmentCode: 'LEI' });
  });
});
