import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as Prettier from 'prettier';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { hmppsInboundSubject, subjectFor, type PlanView } from '@throughcare/contracts';
import { questionSet } from '@throughcare/domain';
import {
  answerForNeeds,
  bearer,
  clientToken,
  registerClient,
  requireEnv,
  startApp,
  testIdentity,
  type AppProcess,
  type IdentityTarget,
  type RegisteredClient,
  type TestPrincipal,
} from '@throughcare/testing';
import { nativeRequire } from '../../infra/src/util';
import { createSuiteDatabase, deleteStreams, eventuallyDefined, startApps } from './e2e.spec-support';

/**
 * The authorisation matrix (issue 8): every operation of every OpenAPI document (plus the identity
 * provider's administration API, which has no document) × every principal × every object, each
 * cell asserted against the policy table below.
 *
 * The table is the independent statement of intended policy: the test fails when a document holds
 * an operation the table does not decide, or the table names one no document has. Expectations:
 * - a broken token (none, expired, wrong audience, wrong issuer, tampered signature): 401
 *   problem+json with `WWW-Authenticate: Bearer` on every non-public route;
 * - a role the route does not admit: the 404 of an unknown route, byte for byte but the path;
 * - an admitted role on an object outside its scope: the 404 of a missing object (same status,
 *   code and body, ids masked), never 403; on a missing object: 404;
 * - an admitted role on its own object: 200 for reads, 2xx for writes (ordered so each is
 *   accepted or repeated idempotently); lists hold the caller's own fixture and none of another
 *   scope's;
 * - never a 5xx.
 *
 * Its own identity provider (short-lived tokens) and its own five apps, which trust only that
 * provider with no clock leeway: an expired token is a real one, used after it lapsed.
 */

const TOKEN_TTL_SECONDS = 10;
/** services/identity verifies its administration API's tokens with platform-auth's default leeway. */
const IDENTITY_ADMIN_LEEWAY_SECONDS = 30;

type AppName = 'assessment' | 'referral' | 'liberation' | 'directory' | 'orchestrator' | 'identity';
type ServiceApp = Exclude<AppName, 'identity'>;
type Role =
  | 'prison-staff'
  | 'policy-admin'
  | 'agency-staff'
  | 'agency-system'
  | 'manager'
  | 'operator'
  | 'auditor'
  | 'administrator'
  | 'service'
  | 'metrics-reader';
type Side = 'A' | 'B';
/** How far an admitted role reaches: its establishments, its agency, or everything. */
type Scope = 'establishment' | 'agency' | 'all';
/** A: the first journey's object (own for principals of side A); B: the second's; missing; n/a: a collection. */
type Column = 'A' | 'B' | 'missing' | 'n/a';
type Broken = 'no token' | 'expired token' | 'wrong audience' | 'wrong issuer' | 'tampered signature';

const ROLES: readonly Role[] = [
  'prison-staff',
  'policy-admin',
  'agency-staff',
  'agency-system',
  'manager',
  'operator',
  'auditor',
  'administrator',
  'service',
  'metrics-reader',
];
/**
 * The directory's readers: every role but policy-admin (the directory admits a role only once
 * someone decides it; a policy administrator proposes re-plans and needs no agency directory) and
 * metrics-reader (a scrape job: /metrics and nothing else).
 */
const DIRECTORY_READERS = Object.fromEntries(
  ROLES.filter((r) => r !== 'policy-admin' && r !== 'metrics-reader').map((r) => [r, 'all']),
) as Partial<Record<Role, Scope>>;
const SERVICE_APPS: readonly ServiceApp[] = [
  'assessment',
  'referral',
  'liberation',
  'directory',
  'orchestrator',
];
const resourceOf = (app: AppName) => `urn:throughcare:${app}`;

interface SideFixtures {
  establishment: string;
  localAuthority: string;
  agencyId: string;
  /** The main journey's person (episode 1): assessments, referral, meetings, notifications, plan. */
  personId: string;
  /** The main journey's person's prison number (the journey lookup). */
  prisonNumber: string;
  coreScreenId: string;
  /** The comprehensive screen, requested and still open. */
  openAssessmentId: string;
  referralId: string;
  bookingId: string;
  notificationId: string;
  /** A person received and released: the release's eventId (a movement). */
  movementEventId: string;
  /** A person received and still in custody, for the release write. */
  releasablePersonId: string;
  /** A person received and still in custody, nothing recorded since: for the reception-reversal write. */
  voidablePersonId: string;
  /** A person liberated from court (episode 1), nothing recorded since: for the court-liberation-reversal write. */
  voidableLiberationPersonId: string;
  /** A person liberated from court: the first appointment of the follow-up. */
  appointmentId: string;
  /** Pending receptions (HMPPS admissions) at the side's prison: one the writes complete, one they dismiss. */
  pendingReception: { completeId: string; dismissId: string };
  /** An appointment the side's agency booked against its referral (captured from the booking write). */
  referralAppointmentId?: string;
  /** A release-point re-plan of the side's prison, its dry run done (issue 10). */
  replanId: string;
  /** The main person's temporary absence (captured from the departure write). */
  absenceId?: string;
  /** A client of the identity provider (not used by any principal), for its administration API. */
  clientId: string;
  /** An API client of the side's agency, registered through the directory (not used by any principal). */
  agencyClientId: string;
  /** A staff account (nobody signs in with it), for the administration API's staff routes. */
  staffId: string;
  /** An agency of the side's area used by nothing else, which the replacement write rewrites as it was. */
  spareAgency: { id: string; body: Record<string, unknown> };
  /**
   * A webhook endpoint of the side's agency (its URL: nothing answers there), and a delivery to
   * it (the main journey's referral, sent once the endpoint was registered).
   */
  webhookEndpoint: { id: string; url: string; deliveryId: string };
  /**
   * Requests to engage made by the side's prison to the side's agency (duty to engage): one the
   * agency answers and engages on, one the prison withdraws.
   */
  engagement: { answeredId: string; withdrawnId: string };
}

interface Fixtures {
  side: Record<Side, SideFixtures>;
  attention: { personId: string; episode: number; itemId: string };
  deadLetters: number[];
}

interface Req {
  path: string;
  body?: unknown;
  /** A text/csv body instead of JSON (the directory's import). */
  csv?: string;
  /** Reads what a 2xx answer created, for a later write (an own-object write that makes the object). */
  capture?(body: unknown): void;
}

interface Policy {
  app: AppName;
  method: 'GET' | 'POST' | 'PUT';
  /** As in the OpenAPI document. */
  path: string;
  /** Why anybody may call it (the route's @PublicRoute). */
  publicReason?: string;
  admitted: Partial<Record<Role, Scope>>;
  write: boolean;
  columns: Column[];
  /** The request for an object column; `side` is the caller's (a missing object is sought in its own scope). */
  request(f: Fixtures, column: Column, side: Side): Req;
  /** Lists: which fixture ids the page must hold (the caller's) and must not (another scope's). */
  list?: { ids(body: unknown): string[]; own(s: SideFixtures): string[] };
  /** Own-object writes run after every read and refusal, in this order (writes change state). */
  writeOrder?: number;
}

const A_B_MISSING: Column[] = ['A', 'B', 'missing'];
const missingUuid = () => randomUUID();
const missingPerson = () => `p${randomBytes(10).toString('hex')}`;
const missingStaff = () => `st-${randomBytes(12).toString('hex')}`;
const now = () => new Date().toISOString();
/**
 * The instant the own-object writes name (set when they start): two roles writing the same fact
 * write it identically, so the second meets the first as a repeat, not as a conflict.
 */
let writeStamp: string | undefined;
const stamp = () => writeStamp ?? now();
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const prisonNumber = () =>
  `A${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}`;
const itemIds = (body: unknown) =>
  ((body as { items?: { id?: string }[] } | undefined)?.items ?? []).map((i) => String(i.id));

function pick<T>(f: Fixtures, column: Column, of: (s: SideFixtures) => T, missing: () => T): T {
  if (column === 'A' || column === 'B') return of(f.side[column]);
  return missing();
}

const PRISON_SCOPE: Partial<Record<Role, Scope>> = {
  'prison-staff': 'establishment',
};
/** Reading release-point re-plans: prison staff, and the policy administrators who propose them. */
const REPLAN_READERS: Partial<Record<Role, Scope>> = {
  'prison-staff': 'establishment',
  'policy-admin': 'establishment',
};
/** Proposing and applying a release-point re-plan (issue 10 review S2): policy administrators only. */
const POLICY_ADMIN_SCOPE: Partial<Record<Role, Scope>> = {
  'policy-admin': 'establishment',
};
const AGENCY_SCOPE: Partial<Record<Role, Scope>> = {
  'agency-staff': 'agency',
  'agency-system': 'agency',
};
const OPERATOR: Partial<Record<Role, Scope>> = { operator: 'all' };
const REPORTING: Partial<Record<Role, Scope>> = {
  manager: 'all',
  operator: 'all',
};

const health = (app: ServiceApp): Policy => ({
  app,
  method: 'GET',
  path: '/health',
  publicReason: 'liveness and readiness; names no person',
  admitted: {},
  write: false,
  columns: ['n/a'],
  request: () => ({ path: '/health' }),
});

/**
 * Every app's Prometheus metrics: a scrape job (metrics-reader, admitted nowhere else) or an
 * operator (aggregate counts, but the dashboard's figures).
 */
const metrics = (app: ServiceApp): Policy => ({
  app,
  method: 'GET',
  path: '/metrics',
  admitted: { operator: 'all', 'metrics-reader': 'all' },
  write: false,
  columns: ['n/a'],
  request: () => ({ path: '/metrics' }),
});

/**
 * A re-plan that moves nobody and, once applied, changes no calculation: it reaches only sentences
 * imposed five years from now (the suite's database is its own, but its journeys run on).
 */
const replanBody = (establishments?: string[]) => ({
  reason: 'authorisation matrix',
  policy: {
    id: `MATRIX_${randomBytes(4).toString('hex').toUpperCase()}`,
    sentenceClass: 'SCOTLAND_SHORT_TERM',
    proportion: { num: 3, den: 10 },
    inForceFrom: inDays(5 * 365),
    appliesTo: { kind: 'SENTENCED_ON_OR_AFTER' },
    source: { citation: 'matrix fixture', url: 'https://www.legislation.gov.uk/ssi' },
  },
  ...(establishments ? { establishments } : {}),
  pauseMs: 0,
});

/** The comprehensive screen's answers: every required question no, but accommodation support wanted (the completion write's needs). */
function comprehensiveAnswers(): Record<string, boolean> {
  const set = questionSet('COMPREHENSIVE_SCREEN');
  return {
    ...Object.fromEntries(
      set.pathways.flatMap((p) => p.questions.filter((q) => q.required).map((q) => [q.id, false])),
    ),
    ACC_NO_ADDRESS: true,
    ACC_WANTS_SUPPORT: true,
  };
}

/** The intended policy, one row per operation. */
const POLICY: Policy[] = [
  ...SERVICE_APPS.map(health),
  ...SERVICE_APPS.map(metrics),
  // ── assessment: prison staff, scoped to the establishment of each assessment ──
  {
    app: 'assessment',
    method: 'GET',
    path: '/assessments',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/assessments?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.coreScreenId, s.openAssessmentId] },
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/assessments/{id}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/assessments/${pick(f, c, (s) => s.coreScreenId, missingUuid)}`,
    }),
  },
  {
    app: 'assessment',
    method: 'POST',
    path: '/assessments/{id}/completion',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 20,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/assessments/${pick(f, c, (s) => s.openAssessmentId, missingUuid)}/completion`,
      // No needs: derived from the answers saved by the PUT (write 15).
      body: { completedAt: stamp() },
    }),
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/assessments/{id}/questions',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({ path: `/assessments/${pick(f, c, (s) => s.coreScreenId, missingUuid)}/questions` }),
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/assessments/{id}/answers',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/assessments/${pick(f, c, (s) => s.openAssessmentId, missingUuid)}/answers`,
    }),
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/assessments/{id}/answers/versions',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/assessments/${pick(f, c, (s) => s.coreScreenId, missingUuid)}/answers/versions`,
    }),
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/assessments/{id}/answers/versions/{version}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    // The core screen's answers were saved when the fixtures completed it (version 1).
    request: (f, c) => ({
      path: `/assessments/${pick(f, c, (s) => s.coreScreenId, missingUuid)}/answers/versions/1`,
    }),
  },
  {
    app: 'assessment',
    method: 'PUT',
    path: '/assessments/{id}/answers',
    admitted: PRISON_SCOPE,
    write: true,
    // Before the completion write (20), which then derives its needs from these answers.
    writeOrder: 15,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/assessments/${pick(f, c, (s) => s.openAssessmentId, missingUuid)}/answers`,
      body: { answers: comprehensiveAnswers() },
    }),
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/people/{personId}/episodes/{episode}/consent',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/consent`,
    }),
  },
  {
    app: 'assessment',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/consent-withdrawal',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 150,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/consent-withdrawal`,
      body: { withdrawnAt: stamp() },
    }),
  },
  // Risk (issue 10): the person's, seen where an assessment of their latest episode is.
  {
    app: 'assessment',
    method: 'GET',
    path: '/people/{personId}/risk-assessments',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/risk-assessments`,
    }),
  },
  {
    app: 'assessment',
    method: 'GET',
    path: '/people/{personId}/risk-assessments/current',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/risk-assessments/current`,
    }),
  },
  {
    app: 'assessment',
    method: 'POST',
    path: '/people/{personId}/risk-assessments',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 16,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/risk-assessments`,
      body: {
        likelihoodOfReoffending: 'MEDIUM',
        riskOfSeriousHarm: 'MEDIUM',
        reasons: 'authorisation matrix',
        assessedOn: stamp().slice(0, 10),
      },
    }),
  },
  // Consent given, a recorded fact (issue 10): the person's, seen where an assessment of their
  // latest episode is, as risk.
  {
    app: 'assessment',
    method: 'GET',
    path: '/people/{personId}/consent',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/consent`,
    }),
  },
  {
    app: 'assessment',
    method: 'POST',
    path: '/people/{personId}/consent',
    admitted: PRISON_SCOPE,
    write: true,
    // Before the withdrawal (150); the fixtures' own consent was given earlier, so this appends a fact.
    writeOrder: 149,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/consent`,
      body: { givenAt: stamp() },
    }),
  },
  // The cut-over's presumed cases (review stop 41, M6): prison staff, their establishments' cases
  // only (the fixtures' episodes began after the cut-over, so neither side has one to list).
  {
    app: 'assessment',
    method: 'GET',
    path: '/consent-presumptions',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/consent-presumptions?limit=100' }),
  },
  // The shared assessment as an agency reads it (issue 10): the pathways its active referrals of
  // the episode cover, while recorded consent stands; any other episode answers as unknown.
  {
    app: 'assessment',
    method: 'GET',
    path: '/agency/people/{personId}/episodes/{episode}/assessment',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/agency/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/assessment`,
    }),
  },
  // ── referral: agencies, scoped to the agency each referral was sent to ──
  {
    app: 'referral',
    method: 'GET',
    path: '/referrals',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/referrals?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.referralId] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/referrals/{id}',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/referrals/{id}/acknowledgement',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 40,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/acknowledgement`,
      body: { acknowledgedBy: 'Justice Social Work duty team' },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/referrals/{id}/outcome',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 50,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/outcome`,
      // After the fixture's acknowledgement; the second role's is a repeat (the lifecycle allows one acceptance).
      body: { decision: 'ACCEPTED', decidedAt: stamp() },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/referrals/{id}/closure',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 55,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/closure`,
      // After the acceptance (writeOrder 50); the second role's is the same closure again (200).
      body: { outcome: 'ACHIEVED', closedBy: 'Justice Social Work duty team' },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/referrals/{id}/notes',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 45,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/notes`,
      body: { text: 'Seen at the visit; housing form done.', audience: 'REFERRER', writtenBy: 'Duty team' },
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/referrals/{id}/notes',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/notes`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/referrals/{id}/appointments',
    admitted: AGENCY_SCOPE,
    write: true,
    // After the acceptance (50), before the closure (55): a referral takes bookings while accepted.
    writeOrder: 52,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/appointments`,
      body: {
        startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        placeKind: 'PRISON',
        place: 'Agents visit room',
        bookedBy: 'Duty team',
      },
      capture: (body) => {
        if (c === 'A' || c === 'B') f.side[c].referralAppointmentId ??= (body as { id: string }).id;
      },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/appointments/{id}/cancellation',
    admitted: AGENCY_SCOPE,
    write: true,
    // After the booking (52), before the closure (55) would cancel it; the second role's is the
    // same cancellation again (200). Refusal cells run before any booking: their B column is an
    // id that does not exist yet, so they prove only that a missing one is 404.
    writeOrder: 53,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/appointments/${pick(f, c, (s) => s.referralAppointmentId ?? missingUuid(), missingUuid)}/cancellation`,
      body: { reasonCode: 'STAFF_UNAVAILABLE', cancelledBy: 'Duty team' },
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/referrals/{id}/appointments',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/appointments`,
    }),
  },
  // ── referral, the prison side: staff of the prison responsible for each referral ──
  {
    app: 'referral',
    method: 'GET',
    path: '/prison/referrals',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/prison/referrals?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.referralId] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/prison/referrals/{id}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/prison/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/prison/referrals/{id}/notes',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/prison/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/notes`,
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/prison/referrals/{id}/appointments',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/prison/referrals/${pick(f, c, (s) => s.referralId, missingUuid)}/appointments`,
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/referrals/lifecycle',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/referrals/lifecycle' }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/notifications',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/notifications?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.notificationId] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/notifications/{id}',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/notifications/${pick(f, c, (s) => s.notificationId, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/notifications/{id}/read',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 60,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/notifications/${pick(f, c, (s) => s.notificationId, missingUuid)}/read`,
      body: { readBy: 'Justice Social Work duty team' },
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/appointments',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/appointments?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.appointmentId] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/appointments/{id}',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/appointments/${pick(f, c, (s) => s.appointmentId, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/appointments/{id}/attendance',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 70,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/appointments/${pick(f, c, (s) => s.appointmentId, missingUuid)}/attendance`,
      body: {
        attendance: 'YES',
        attendedAt: stamp(),
        recordedBy: 'Justice Social Work duty team',
      },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/appointments/{id}/schedule',
    admitted: AGENCY_SCOPE,
    write: true,
    // Before attendance (an attended appointment takes no new time); the second role's is a repeat.
    writeOrder: 65,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/appointments/${pick(f, c, (s) => s.appointmentId, missingUuid)}/schedule`,
      body: {
        startsAt: new Date(Date.parse(stamp()) + 2 * 86_400_000).toISOString(),
        placeKind: 'AGENCY_OFFICE',
        place: 'Justice Social Work office, room 3',
        scheduledBy: 'Justice Social Work duty team',
      },
    }),
  },
  // ── referral: an agency's webhook endpoints and their delivery log ──
  {
    app: 'referral',
    method: 'POST',
    path: '/webhook-endpoints',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 75,
    // The object is the caller's own agency.
    columns: ['n/a'],
    request: () => ({
      path: '/webhook-endpoints',
      body: { url: `https://hooks.example.org/matrix/${randomBytes(4).toString('hex')}` },
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/webhook-endpoints',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/webhook-endpoints?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.webhookEndpoint.id] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/webhook-endpoints/{id}',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/webhook-endpoints/${pick(f, c, (s) => s.webhookEndpoint.id, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'PUT',
    path: '/webhook-endpoints/{id}',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 76,
    columns: A_B_MISSING,
    // As it stands: the second role's is a repeat.
    request: (f, c, side) => ({
      path: `/webhook-endpoints/${pick(f, c, (s) => s.webhookEndpoint.id, missingUuid)}`,
      body: { url: f.side[c === 'B' ? 'B' : c === 'A' ? 'A' : side].webhookEndpoint.url, enabled: true },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/webhook-endpoints/{id}/secret-rotation',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 77,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/webhook-endpoints/${pick(f, c, (s) => s.webhookEndpoint.id, missingUuid)}/secret-rotation`,
      body: {},
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/webhook-endpoints/{id}/deliveries',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/webhook-endpoints/${pick(f, c, (s) => s.webhookEndpoint.id, missingUuid)}/deliveries`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/webhook-endpoints/{id}/deliveries/{deliveryId}/redelivery',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 78,
    columns: A_B_MISSING,
    // Asking again is harmless: the second role's is a repeat.
    request: (f, c) => ({
      path: `/webhook-endpoints/${pick(f, c, (s) => s.webhookEndpoint.id, missingUuid)}/deliveries/${pick(f, c, (s) => s.webhookEndpoint.deliveryId, missingUuid)}/redelivery`,
      body: {},
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/webhook-endpoints/{id}/recovery',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 79,
    columns: A_B_MISSING,
    // Asking twice is harmless: the second role's recovers nothing more.
    request: (f, c) => ({
      path: `/webhook-endpoints/${pick(f, c, (s) => s.webhookEndpoint.id, missingUuid)}/recovery`,
      body: { since: new Date(Date.now() - 86_400_000).toISOString() },
    }),
  },
  // ── referral, duty to engage: the named body (its agency) and the prison responsible ──
  {
    app: 'referral',
    method: 'GET',
    path: '/engagement-requests',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/engagement-requests?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.engagement.answeredId, s.engagement.withdrawnId] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/engagement-requests/{id}',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/engagement-requests/${pick(f, c, (s) => s.engagement.answeredId, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/engagement-requests/{id}/answer',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 80,
    columns: A_B_MISSING,
    // The second role's is a repeat (the same answer, at the same instant).
    request: (f, c) => ({
      path: `/engagement-requests/${pick(f, c, (s) => s.engagement.answeredId, missingUuid)}/answer`,
      body: { answer: 'WILL_ENGAGE', answeredBy: 'Justice Social Work duty team', answeredAt: stamp() },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/engagement-requests/{id}/engagement',
    admitted: AGENCY_SCOPE,
    write: true,
    writeOrder: 81,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/engagement-requests/${pick(f, c, (s) => s.engagement.answeredId, missingUuid)}/engagement`,
      body: {
        engagedAt: stamp(),
        mode: 'CASE_CONFERENCE',
        summary: 'Attended the release planning case conference',
      },
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/prison/engagement-requests',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 82,
    // The object is made at the caller's own prison (its token names one).
    columns: ['n/a'],
    request: (f, _c, side) => ({
      path: '/prison/engagement-requests',
      body: {
        personId: missingPerson(),
        episode: 1,
        agencyId: f.side[side].agencyId,
        bodyKind: 'LOCAL_AUTHORITY',
        purpose: 'Release planning',
        requestedBy: 'Throughcare team',
        respondBy: inDays(7),
      },
    }),
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/prison/engagement-requests',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/prison/engagement-requests?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.engagement.answeredId, s.engagement.withdrawnId] },
  },
  {
    app: 'referral',
    method: 'GET',
    path: '/prison/engagement-requests/{id}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/prison/engagement-requests/${pick(f, c, (s) => s.engagement.answeredId, missingUuid)}`,
    }),
  },
  {
    app: 'referral',
    method: 'POST',
    path: '/prison/engagement-requests/{id}/withdrawal',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 83,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/prison/engagement-requests/${pick(f, c, (s) => s.engagement.withdrawnId, missingUuid)}/withdrawal`,
      body: { reason: 'Plan changed' },
    }),
  },
  // ── liberation: prison staff, scoped to where the person is held (or was released from) ──
  {
    app: 'liberation',
    method: 'POST',
    path: '/receptions',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 110,
    // The object is the establishment the body names.
    columns: ['A', 'B'],
    request: (f, c) => ({
      path: '/receptions',
      body: {
        prisonNumber: prisonNumber(),
        establishmentCode: f.side[c as Side].establishment,
        jurisdiction: 'SCOTLAND',
        homeLocalAuthority: f.side[c as Side].localAuthority,
        reason: 'ADMISSION',
        receivedAt: new Date(Date.now() - 60_000).toISOString(),
        sentenceDate: inDays(0),
        sentenceLengthDays: 365,
        expectedReleaseDate: inDays(200),
      },
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/court-liberations',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 111,
    columns: ['A', 'B'],
    request: (f, c) => ({
      path: '/court-liberations',
      body: {
        prisonNumber: prisonNumber(),
        establishmentCode: f.side[c as Side].establishment,
        jurisdiction: 'SCOTLAND',
        homeLocalAuthority: f.side[c as Side].localAuthority,
        legalStatus: 'SENTENCED',
        releasedAt: new Date(Date.now() - 5_000).toISOString(),
      },
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/releases',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 120,
    columns: A_B_MISSING,
    request: (f, c, side) => ({
      path: '/releases',
      body: {
        personId: pick(f, c, (s) => s.releasablePersonId, missingPerson),
        establishmentCode: pick(
          f,
          c,
          (s) => s.establishment,
          () => f.side[side].establishment,
        ),
        reason: 'RELEASED',
        releasedAt: stamp(),
      },
    }),
  },
  {
    app: 'liberation',
    method: 'GET',
    path: '/people/{personId}/episodes',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes`,
    }),
  },
  {
    app: 'liberation',
    method: 'GET',
    path: '/people/{personId}/episodes/{episode}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1`,
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/release-date',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 30,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/release-date`,
      body: { expectedReleaseDate: inDays(30), reason: 'RECALCULATION' },
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/transfers',
    admitted: PRISON_SCOPE,
    write: true,
    // Last write on the main journey's custody record: afterwards the person is held elsewhere.
    writeOrder: 140,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/transfers`,
      body: { toEstablishmentCode: 'GLE', transferredAt: stamp() },
    }),
  },
  // ── liberation, issue 10: sentence calculations, temporary absences, gate arrangements, release-point re-plans ──
  ...(
    [
      ['POST', '/sentence-calculations/preview'],
      ['GET', '/sentence-calculations'],
      ['GET', '/sentence-calculations/current'],
      ['GET', '/recorded-dates'],
      ['GET', '/recorded-dates/current'],
      ['GET', '/absences'],
      ['GET', '/gate-arrangement'],
      ['GET', '/gate-arrangement/versions'],
    ] as const
  ).map(
    ([method, tail]): Policy => ({
      app: 'liberation',
      method,
      path: `/people/{personId}/episodes/{episode}${tail}`,
      admitted: PRISON_SCOPE,
      write: false,
      columns: A_B_MISSING,
      request: (f, c) => ({
        path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1${tail}`,
        ...(method === 'POST'
          ? { body: { sentences: [{ id: 'charge-1', sentenceDate: inDays(-10), term: { days: 101 } }] } }
          : {}),
      }),
    }),
  ),
  {
    app: 'liberation',
    method: 'GET',
    path: '/people/{personId}/episodes/{episode}/sentence-calculations/{version}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/sentence-calculations/1`,
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/sentence-calculations',
    admitted: PRISON_SCOPE,
    write: true,
    // After the release-date write (30): 101 days from ten days ago is released on day 41, its date.
    writeOrder: 35,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/sentence-calculations`,
      body: { sentences: [{ id: 'charge-1', sentenceDate: inDays(-10), term: { days: 101 } }] },
    }),
  },
  {
    app: 'liberation',
    method: 'GET',
    path: '/people/{personId}/episodes/{episode}/recorded-dates/{version}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/recorded-dates/1`,
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/recorded-dates',
    admitted: PRISON_SCOPE,
    write: true,
    // After the sentence calculation (35): an SED alone gives no release date, so the expected
    // release date the later writes rely on does not move.
    writeOrder: 35.5,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/recorded-dates`,
      body: {
        recordedBecause: 'OFFICIAL_CALCULATION',
        dates: [{ type: 'SED', date: inDays(400), source: 'ESTABLISHMENT_CALCULATION' }],
      },
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/absences',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 36,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/absences`,
      // A minute before the writes' instant: the return write names the instant itself.
      body: { kind: 'COURT', leftAt: new Date(Date.parse(stamp()) - 60_000).toISOString() },
      capture: (body) => {
        if (c === 'A' || c === 'B') f.side[c].absenceId ??= (body as { absenceId: string }).absenceId;
      },
    }),
  },
  {
    app: 'liberation',
    method: 'PUT',
    path: '/people/{personId}/episodes/{episode}/gate-arrangement',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 42,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/gate-arrangement`,
      body: {
        collectedBy: { kind: 'NOBODY' },
        meetingPoint: 'Main gate',
        meetingTime: '09:00',
        transport: { kind: 'PUBLIC_TRANSPORT' },
        travelWarrant: true,
        firstNight: { kind: 'TEMPORARY_ACCOMMODATION' },
      },
    }),
  },
  ...(
    [
      ['return', 37, { returnedAt: 'STAMP' }],
      ['reversal', 38, { part: 'RETURN', reversedAt: 'STAMP' }],
      // Out again after the reversal: its due-back time corrected (the same by every role: repeats, 200).
      ['correction', 39, { dueBackAt: 'STAMP_PLUS_HOUR', reason: 'WRONG_DUE_BACK' }],
    ] as const
  ).map(
    ([tail, writeOrder, body]): Policy => ({
      app: 'liberation',
      method: 'POST',
      path: `/people/{personId}/episodes/{episode}/absences/{absenceId}/${tail}`,
      admitted: PRISON_SCOPE,
      write: true,
      writeOrder,
      columns: A_B_MISSING,
      request: (f, c) => ({
        path: `/people/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/absences/${pick(f, c, (s) => s.absenceId ?? missingUuid(), missingUuid)}/${tail}`,
        body: Object.fromEntries(
          Object.entries(body).map(([k, v]) => [
            k,
            v === 'STAMP'
              ? stamp()
              : v === 'STAMP_PLUS_HOUR'
                ? new Date(Date.parse(stamp()) + 3_600_000).toISOString()
                : v,
          ]),
        ),
      }),
    }),
  ),
  {
    // Who sees whose overdue absences is proven in temporary-absences.int.spec (the fixtures hold
    // no overdue absence during the reads: the matrix's absence is recorded by the writes).
    app: 'liberation',
    method: 'GET',
    path: '/absences/overdue',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/absences/overdue?limit=200' }),
  },
  {
    // Who sees whose arrangements (the caller's establishments only, named or not) is proven in
    // gate-arrangements.int.spec; here the operation's admission.
    app: 'liberation',
    method: 'GET',
    path: '/gate-arrangements',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/gate-arrangements?needsReconfirmation=true&limit=100' }),
  },
  {
    app: 'liberation',
    method: 'GET',
    path: '/release-point-replans',
    admitted: REPLAN_READERS,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/release-point-replans?limit=100' }),
    list: { ids: itemIds, own: (s) => [s.replanId] },
  },
  ...(['', '/items', '/uncalculated'] as const).map(
    (tail): Policy => ({
      app: 'liberation',
      method: 'GET',
      path: `/release-point-replans/{id}${tail}`,
      admitted: REPLAN_READERS,
      write: false,
      columns: A_B_MISSING,
      request: (f, c) => ({
        path: `/release-point-replans/${pick(f, c, (s) => s.replanId, missingUuid)}${tail}`,
      }),
    }),
  ),
  {
    app: 'liberation',
    method: 'POST',
    path: '/release-point-replans',
    admitted: POLICY_ADMIN_SCOPE,
    write: true,
    writeOrder: 39,
    columns: ['n/a'],
    request: () => ({ path: '/release-point-replans', body: replanBody() }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/release-point-replans/{id}/apply',
    admitted: POLICY_ADMIN_SCOPE,
    write: true,
    writeOrder: 41,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/release-point-replans/${pick(f, c, (s) => s.replanId, missingUuid)}/apply`,
      // The other side's people are outside the run's establishment (review stop 45, B1).
      body: { adoptForAllEstablishments: true },
    }),
  },
  // After the apply (41): the run is APPLYING or APPLIED, which a resume answers 200 (already
  // going); only a stopped (FAILED) apply is resumed (replan-interrupted.int.spec.ts).
  {
    app: 'liberation',
    method: 'POST',
    path: '/release-point-replans/{id}/resume',
    admitted: POLICY_ADMIN_SCOPE,
    write: true,
    writeOrder: 42,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/release-point-replans/${pick(f, c, (s) => s.replanId, missingUuid)}/resume`,
      body: {},
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/meetings/{bookingId}/held',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 10,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/meetings/${pick(f, c, (s) => s.bookingId, missingUuid)}/held`,
      body: { heldAt: stamp() },
    }),
  },
  {
    // A person of its own: the reversal voids the episode (a reception recorded in error).
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/reception-reversal',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 131,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.voidablePersonId, missingPerson)}/episodes/1/reception-reversal`,
      body: { reversedAt: stamp(), reason: 'RECEIVED_IN_ERROR' },
    }),
  },
  {
    // A person of its own: the reversal voids the episode (a liberation from court recorded in error).
    app: 'liberation',
    method: 'POST',
    path: '/people/{personId}/episodes/{episode}/court-liberation-reversal',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 132,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/people/${pick(f, c, (s) => s.voidableLiberationPersonId, missingPerson)}/episodes/1/court-liberation-reversal`,
      body: { reversedAt: stamp(), reason: 'RECEIVED_IN_ERROR' },
    }),
  },
  {
    // Before the reversal (130): a correction of a reversed movement is refused. Every admitted
    // role names the same instant (the write stamp): the first corrects, the others repeat it (200).
    app: 'liberation',
    method: 'POST',
    path: '/movements/{eventId}/correction',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 129,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/movements/${pick(f, c, (s) => s.movementEventId, missingUuid)}/correction`,
      body: { occurredAt: stamp(), reason: 'WRONG_TIME' },
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/movements/{eventId}/reversal',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 130,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/movements/${pick(f, c, (s) => s.movementEventId, missingUuid)}/reversal`,
      body: { reversedAt: stamp() },
    }),
  },
  // ── liberation: pending receptions (HMPPS admissions), the receiving prison's staff only ──
  {
    app: 'liberation',
    method: 'GET',
    path: '/receptions/pending',
    admitted: PRISON_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/receptions/pending?limit=100' }),
    list: {
      ids: itemIds,
      own: (s) => [s.pendingReception.completeId, s.pendingReception.dismissId],
    },
  },
  {
    app: 'liberation',
    method: 'GET',
    path: '/receptions/pending/{id}',
    admitted: PRISON_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/receptions/pending/${pick(f, c, (s) => s.pendingReception.completeId, missingUuid)}`,
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/receptions/pending/{id}/completion',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 112,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/receptions/pending/${pick(f, c, (s) => s.pendingReception.completeId, missingUuid)}/completion`,
      body: {
        homeLocalAuthority: 'E08000035',
        sentenceDate: inDays(0),
        sentenceLengthDays: 365,
        expectedReleaseDate: inDays(200),
      },
    }),
  },
  {
    app: 'liberation',
    method: 'POST',
    path: '/receptions/pending/{id}/dismissal',
    admitted: PRISON_SCOPE,
    write: true,
    writeOrder: 113,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/receptions/pending/${pick(f, c, (s) => s.pendingReception.dismissId, missingUuid)}/dismissal`,
      body: { reason: 'a NOMIS correction: not received here' },
    }),
  },
  // ── liberation, the agency side: the custody visits and meetings an agency takes part in ──
  {
    app: 'liberation',
    method: 'GET',
    path: '/agency/meetings',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/agency/meetings?limit=100' }),
    list: {
      ids: (body) =>
        ((body as { items?: { bookingId?: string }[] } | undefined)?.items ?? []).map((i) =>
          String(i.bookingId),
        ),
      own: (s) => [s.bookingId],
    },
  },
  {
    app: 'liberation',
    method: 'GET',
    path: '/agency/meetings/{bookingId}',
    admitted: AGENCY_SCOPE,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/agency/meetings/${pick(f, c, (s) => s.bookingId, missingUuid)}`,
    }),
  },
  // ── directory: names organisations only, every role reads; administrators add ──
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies',
    admitted: DIRECTORY_READERS,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/agencies?limit=100' }),
  },
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies/{id}',
    admitted: DIRECTORY_READERS,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/agencies/${pick(f, c, (s) => s.agencyId, missingUuid)}`,
    }),
  },
  // ── directory: an agency's API clients, administrators only (registered at the provider) ──
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies/{id}/clients',
    admitted: { administrator: 'all' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/agencies/${pick(f, c, (s) => s.agencyId, missingUuid)}/clients?limit=200`,
    }),
  },
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies/{id}/clients/{clientId}',
    admitted: { administrator: 'all' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c, side) =>
      c === 'A' || c === 'B'
        ? { path: `/agencies/${f.side[c].agencyId}/clients/${f.side[c].agencyClientId}` }
        : // A missing client of the caller's own agency.
          { path: `/agencies/${f.side[side].agencyId}/clients/tc-${randomBytes(12).toString('hex')}` },
  },
  {
    app: 'directory',
    method: 'POST',
    path: '/agencies/{id}/clients',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 101,
    columns: ['A', 'B', 'missing'],
    request: (f, c) => ({
      path: `/agencies/${pick(f, c, (s) => s.agencyId, missingUuid)}/clients`,
      body: { name: 'authz matrix: agency system' },
    }),
  },
  {
    app: 'directory',
    method: 'POST',
    path: '/agencies/{id}/clients/{clientId}/revocation',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 102,
    columns: ['A', 'missing'],
    request: (f, c) => ({
      path:
        c === 'A'
          ? `/agencies/${f.side.A.agencyId}/clients/${f.side.A.agencyClientId}/revocation`
          : `/agencies/${f.side.A.agencyId}/clients/tc-${randomBytes(12).toString('hex')}/revocation`,
      body: { reason: 'authorisation matrix test' },
    }),
  },
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies/search',
    admitted: DIRECTORY_READERS,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/agencies/search?pathway=ACCOMMODATION&area=S12000036&limit=10' }),
  },
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies/eligible',
    admitted: DIRECTORY_READERS,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/agencies/eligible?pathway=ACCOMMODATION&area=S12000036&sentenceMonths=18' }),
  },
  {
    app: 'directory',
    method: 'GET',
    path: '/agencies/export',
    admitted: DIRECTORY_READERS,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/agencies/export' }),
  },
  {
    app: 'directory',
    method: 'POST',
    path: '/agencies/import',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 101,
    columns: ['n/a'],
    // A dry run: the file is checked, and nothing in the directory changes.
    request: () => ({
      path: '/agencies/import?dryRun=true',
      csv: `agency_name,kind,local_authority,contact_point\nMatrix import check,MENTORING,S12000036,Duty team\n`,
    }),
  },
  {
    app: 'directory',
    method: 'POST',
    path: '/agencies',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 100,
    columns: ['n/a'],
    request: () => ({
      path: '/agencies',
      body: {
        name: `Matrix mentoring service ${randomBytes(4).toString('hex')}`,
        kind: 'MENTORING',
        localAuthority: 'S12000036',
        contactPoint: 'Duty team',
      },
    }),
  },
  {
    app: 'directory',
    method: 'PUT',
    path: '/agencies/{id}',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 100,
    columns: A_B_MISSING,
    // Each side's spare agency, written back exactly as it was created (a repeat changes nothing).
    request: (f, c, side) =>
      c === 'A' || c === 'B'
        ? { path: `/agencies/${f.side[c].spareAgency.id}`, body: f.side[c].spareAgency.body }
        : { path: `/agencies/${missingUuid()}`, body: f.side[side].spareAgency.body },
  },
  // ── orchestrator ──
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/journeys',
    admitted: { operator: 'all', 'prison-staff': 'establishment' },
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/journeys?limit=200' }),
    list: {
      ids: (body) =>
        ((body as { items?: { personId?: string }[] }).items ?? []).map((i) => String(i.personId)),
      own: (s) => [s.personId],
    },
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/journeys/lookup',
    admitted: { operator: 'all', 'prison-staff': 'establishment' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: '/journeys/lookup',
      body: { prisonNumber: pick(f, c, (s) => s.prisonNumber, prisonNumber) },
    }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/journeys/{personId}/episodes/{episode}',
    admitted: { operator: 'all', 'prison-staff': 'establishment' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/journeys/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1`,
    }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/journeys/{personId}/episodes/{episode}/involvement',
    admitted: { operator: 'all', 'prison-staff': 'establishment' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/journeys/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/involvement`,
    }),
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/journeys/{personId}/episodes/{episode}/needs/{pathway}/keep',
    admitted: { operator: 'all', 'prison-staff': 'establishment' },
    write: true,
    // Before the stop (85): nothing is held, so keeping answers the need as it stands (200).
    writeOrder: 84,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/journeys/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/needs/DRUGS_AND_ALCOHOL/keep`,
      body: { reason: 'authorisation matrix test: the person asked for the support' },
    }),
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/journeys/{personId}/episodes/{episode}/needs/{pathway}/stop',
    admitted: { operator: 'all', 'prison-staff': 'establishment' },
    write: true,
    writeOrder: 85,
    columns: A_B_MISSING,
    // The same reason each time: a repeat answers as the need stands (200), whoever repeats it.
    request: (f, c) => ({
      path: `/journeys/${pick(f, c, (s) => s.personId, missingPerson)}/episodes/1/needs/DRUGS_AND_ALCOHOL/stop`,
      body: { reason: 'authorisation matrix test: arranged outside the platform' },
    }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/breaches',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/breaches' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/breaches/summary',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/breaches/summary' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/ledger/clocks',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/ledger/clocks' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/ledger/clocks.csv',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/ledger/clocks.csv' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/ledger/summary',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/ledger/summary' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/funnel',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/funnel' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/outcomes/reconviction',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/outcomes/reconviction' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/funnel/time-to-step',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/funnel/time-to-step' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/funnel/cases',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/funnel/cases?step=RECEIVED' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/dashboard/data',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/dashboard/data' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/dashboard/cases',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/dashboard/cases?view=journeys&step=RECEIVED' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/dashboard',
    admitted: REPORTING,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/dashboard' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/attention',
    admitted: OPERATOR,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/attention?limit=100' }),
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/journeys/{personId}/episodes/{episode}/attention/{itemId}/resolution',
    admitted: OPERATOR,
    write: true,
    writeOrder: 80,
    // One attention item exists (operators are not scoped): own, and a journey that does not exist.
    columns: ['A', 'missing'],
    request: (f, c) => ({
      path: `/journeys/${c === 'A' ? f.attention.personId : missingPerson()}/episodes/1/attention/${f.attention.itemId}/resolution`,
      body: {
        option: 'SKIP',
        by: 'operator:authz-matrix',
        reason: 'authorisation matrix test',
      },
    }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/journey-repairs',
    admitted: OPERATOR,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/journey-repairs?limit=100' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/dead-letters',
    admitted: OPERATOR,
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/dead-letters?limit=100' }),
  },
  {
    app: 'orchestrator',
    method: 'GET',
    path: '/dead-letters/{seq}',
    admitted: OPERATOR,
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/dead-letters/${c === 'A' ? f.deadLetters[0] : c === 'B' ? f.deadLetters[1] : 999_999_999}`,
    }),
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/dead-letters/{seq}/replay',
    admitted: OPERATOR,
    write: true,
    writeOrder: 90,
    columns: ['A', 'missing'],
    request: (f, c) => ({
      path: `/dead-letters/${c === 'A' ? f.deadLetters[0] : 999_999_999}/replay`,
      body: { by: 'operator:authz-matrix' },
    }),
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/dead-letters/{seq}/discard',
    admitted: OPERATOR,
    write: true,
    writeOrder: 91,
    columns: ['B', 'missing'],
    request: (f, c) => ({
      path: `/dead-letters/${c === 'B' ? f.deadLetters[1] : 999_999_999}/discard`,
      body: {
        by: 'operator:authz-matrix',
        reason: 'authorisation matrix test',
      },
    }),
  },
  {
    app: 'orchestrator',
    method: 'POST',
    path: '/dead-letters/replay',
    admitted: OPERATOR,
    write: true,
    writeOrder: 92,
    columns: ['n/a'],
    request: () => ({
      path: '/dead-letters/replay',
      body: { by: 'operator:authz-matrix' },
    }),
  },
  // Temporal's remote codec protocol (the Temporal UI): operators. It changes nothing: a read.
  ...(['decode', 'encode'] as const).map(
    (direction): Policy => ({
      app: 'orchestrator',
      method: 'POST',
      path: `/codec/${direction}`,
      admitted: OPERATOR,
      write: false,
      columns: ['n/a'],
      request: () => ({
        path: `/codec/${direction}`,
        body: {
          payloads: [
            {
              metadata: {
                encoding: Buffer.from('json/plain').toString('base64'),
              },
              data: Buffer.from('"authorisation matrix"').toString('base64'),
            },
          ],
        },
      }),
    }),
  ),
  // ── identity: the provider's administration API (no OpenAPI document: listed from admin-api.ts) ──
  {
    app: 'identity',
    method: 'GET',
    path: '/admin/clients',
    admitted: { administrator: 'all' },
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/admin/clients?limit=200' }),
  },
  {
    app: 'identity',
    method: 'POST',
    path: '/admin/clients',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 160,
    columns: ['n/a'],
    request: () => ({
      path: '/admin/clients',
      body: { name: 'authz matrix: registered', roles: ['manager'] },
    }),
  },
  {
    app: 'identity',
    method: 'GET',
    path: '/admin/clients/{clientId}',
    admitted: { administrator: 'all' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/admin/clients/${pick(
        f,
        c,
        (s) => s.clientId,
        () => `tc-${randomBytes(12).toString('hex')}`,
      )}`,
    }),
  },
  {
    app: 'identity',
    method: 'POST',
    path: '/admin/clients/{clientId}/revocation',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 161,
    columns: ['A', 'missing'],
    request: (f, c) => ({
      path: `/admin/clients/${pick(
        f,
        c,
        (s) => s.clientId,
        () => `tc-${randomBytes(12).toString('hex')}`,
      )}/revocation`,
      body: { reason: 'authorisation matrix test' },
    }),
  },
  // Staff accounts (people who sign in): administrators.
  {
    app: 'identity',
    method: 'GET',
    path: '/admin/staff',
    admitted: { administrator: 'all' },
    write: false,
    columns: ['n/a'],
    request: () => ({ path: '/admin/staff?limit=200' }),
  },
  {
    app: 'identity',
    method: 'POST',
    path: '/admin/staff',
    admitted: { administrator: 'all' },
    write: true,
    writeOrder: 162,
    columns: ['n/a'],
    request: () => ({
      path: '/admin/staff',
      body: {
        username: `matrix-${randomBytes(6).toString('hex')}`,
        displayName: 'Authorisation matrix',
        roles: ['manager'],
      },
    }),
  },
  {
    app: 'identity',
    method: 'GET',
    path: '/admin/staff/{userId}',
    admitted: { administrator: 'all' },
    write: false,
    columns: A_B_MISSING,
    request: (f, c) => ({
      path: `/admin/staff/${pick(f, c, (s) => s.staffId, missingStaff)}`,
    }),
  },
  ...(['password-reset', 'disabling'] as const).map(
    (step, i): Policy => ({
      app: 'identity',
      method: 'POST',
      path: `/admin/staff/{userId}/${step}`,
      admitted: { administrator: 'all' },
      write: true,
      writeOrder: 163 + i,
      columns: ['A', 'missing'],
      request: (f, c) => ({
        path: `/admin/staff/${pick(f, c, (s) => s.staffId, missingStaff)}/${step}`,
        body: { reason: 'authorisation matrix test' },
      }),
    }),
  ),
  // The auditor's API: who looked at a person.
  {
    app: 'identity',
    method: 'GET',
    path: '/audit/records',
    admitted: { auditor: 'all' },
    write: false,
    columns: ['n/a'],
    request: (f) => ({ path: `/audit/records?subject=${f.side.A.personId}&limit=50` }),
  },
];

/** The identity provider's administration API has no OpenAPI document; every other app's operations are read from /docs-json. */
const UNDOCUMENTED_APPS: readonly AppName[] = ['identity'];

// ─────────────────────────── principals ───────────────────────────

interface MatrixPrincipal {
  name: string;
  role?: Role;
  side?: Side;
  broken?: Broken;
}

const PRINCIPALS: MatrixPrincipal[] = [
  ...ROLES.map((role) => ({
    name: role,
    role,
    ...(role === 'prison-staff' ||
    role === 'policy-admin' ||
    role === 'agency-staff' ||
    role === 'agency-system'
      ? { side: 'A' as const }
      : {}),
  })),
  {
    name: 'prison-staff of another establishment',
    role: 'prison-staff',
    side: 'B',
  },
  { name: 'agency-system of another agency', role: 'agency-system', side: 'B' },
  { name: 'no token', broken: 'no token' },
  { name: 'expired token', broken: 'expired token' },
  { name: 'wrong audience', broken: 'wrong audience' },
  { name: 'wrong issuer', broken: 'wrong issuer' },
  { name: 'tampered signature', broken: 'tampered signature' },
];

/** Why each broken token must be refused (the 401's detail): each cell proves its own defect. */
const REJECTION: Record<Broken, RegExp> = {
  'no token': /bearer access token is required/,
  'expired token': /token expired/,
  'wrong audience': /claim "aud" check failed/,
  // Another issuer signs with its own key: the suite provider's key set has no key for it.
  'wrong issuer': /no key in the issuer's key set matches the token|claim "iss" check failed/,
  'tampered signature': /signature verification failed/,
};

const SIDES: Record<Side, { establishment: string; localAuthority: string }> = {
  A: { establishment: 'BAR', localAuthority: 'S12000036' },
  B: { establishment: 'LOW', localAuthority: 'S12000049' },
};

// ─────────────────────────── the platform of this suite ───────────────────────────

const secret = randomBytes(24).toString('hex');
let identity: AppProcess;
let apps: Record<ServiceApp, AppProcess>;
let suiteIdp: IdentityTarget;
let nc: NatsConnection;
let jsm: JetStreamManager;
let fixtures: Fixtures;
const agencyIds: Partial<Record<Side, string>> = {};

const baseUrlOf = (app: AppName) => (app === 'identity' ? identity.baseUrl : apps[app].baseUrl);

function testPrincipalOf(p: { role: Role; side?: Side }): TestPrincipal {
  const side = p.side ?? 'A';
  if (p.role === 'prison-staff')
    return {
      roles: [p.role],
      establishments: [SIDES[side].establishment],
      label: `matrix ${p.role} ${side}`,
    };
  if (p.role === 'policy-admin')
    return {
      roles: [p.role],
      establishments: [SIDES[side].establishment],
      label: `matrix ${p.role} ${side}`,
    };
  if (p.role === 'agency-staff' || p.role === 'agency-system') {
    const agencyId = agencyIds[side];
    if (!agencyId) throw new Error(`agency of side ${side} not known yet`);
    return { roles: [p.role], agencyId, label: `matrix ${p.role} ${side}` };
  }
  return { roles: [p.role], label: `matrix ${p.role}` };
}

const registered = new Map<string, Promise<RegisteredClient>>();
function clientOf(tp: TestPrincipal): Promise<RegisteredClient> {
  const key = JSON.stringify(tp);
  let client = registered.get(key);
  if (!client) {
    client = registerClient(tp, suiteIdp);
    registered.set(key, client);
  }
  return client;
}

/** A valid token from the suite's provider, reused while it has more than 4 s to live. */
const fresh = new Map<string, { token: string; at: number }>();
async function validToken(tp: TestPrincipal, app: AppName): Promise<string> {
  const key = `${JSON.stringify(tp)} ${app}`;
  const hit = fresh.get(key);
  if (hit && Date.now() - hit.at < (TOKEN_TTL_SECONDS - 4) * 1000) return hit.token;
  const at = Date.now();
  const token = await clientToken(await clientOf(tp), resourceOf(app), suiteIdp);
  fresh.set(key, { token, at });
  return token;
}

/** Tokens fetched early and used after they lapsed, per (role, app). */
const expired = new Map<string, { token: string; at: number }>();

interface Answer {
  status: number;
  contentType: string;
  wwwAuthenticate: string | null;
  text: string;
  body: unknown;
}

async function send(
  app: AppName,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body: unknown,
  headers: Record<string, string>,
  csv?: string,
): Promise<Answer> {
  const res = await fetch(`${baseUrlOf(app)}${url}`, {
    method,
    headers: {
      ...(csv !== undefined
        ? { 'content-type': 'text/csv' }
        : body === undefined
          ? {}
          : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: csv ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let parsed: unknown;
  if (/json/.test(contentType) && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return {
    status: res.status,
    contentType,
    wwwAuthenticate: res.headers.get('www-authenticate'),
    text,
    body: parsed,
  };
}

/** A fixture-building call as `tp` (a valid token of the suite's provider). */
async function api<T>(
  app: AppName,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  tp: TestPrincipal,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const answer = await send(app, method, url, body, {
    authorization: `Bearer ${await validToken(tp, app)}`,
  });
  return { status: answer.status, body: answer.body as T };
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  eventuallyDefined(what, probe, { apps: () => Object.values(apps), timeoutMs: 90_000, intervalMs: 300 });

function expect2xx(what: string, answer: { status: number; body: unknown }): void {
  if (answer.status < 200 || answer.status > 299) {
    const logs =
      answer.status >= 500
        ? Object.values(apps)
            .map((a) => `--- ${a.name}\n${a.output().slice(-2000)}`)
            .join('\n')
        : '';
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}\n${logs}`);
  }
}

// ─────────────────────────── fixtures, through the real platform ───────────────────────────

const DRIVER: TestPrincipal = {
  // policy-admin: the fixtures' re-plans (review S2).
  roles: ['prison-staff', 'policy-admin'],
  establishments: ['BAR', 'LOW', 'LEI', 'GLE'],
  label: 'matrix fixture driver',
};
const OPERATOR_DRIVER: TestPrincipal = {
  roles: ['operator'],
  label: 'matrix fixture operator',
};
const ADMIN_DRIVER: TestPrincipal = {
  roles: ['administrator'],
  label: 'matrix fixture administrator',
};

async function receive(
  establishment: string,
  localAuthority: string,
  jurisdiction: 'SCOTLAND' | 'ENGLAND_AND_WALES',
  sentenceLengthDays: number,
  expectedReleaseDate: string,
  number = prisonNumber(),
): Promise<string> {
  const r = await api<{ personId: string }>('liberation', 'POST', '/receptions', DRIVER, {
    prisonNumber: number,
    establishmentCode: establishment,
    jurisdiction,
    homeLocalAuthority: localAuthority,
    reason: 'ADMISSION',
    receivedAt: new Date(Date.now() - 60_000).toISOString(),
    sentenceDate: inDays(0),
    sentenceLengthDays,
    expectedReleaseDate,
  });
  expect2xx('reception', r);
  return r.body.personId;
}

const plan = async (personId: string, ok: (p: PlanView) => boolean) =>
  eventually(`plan of ${personId}`, async () => {
    const p = await api<PlanView>('orchestrator', 'GET', `/journeys/${personId}/episodes/1`, OPERATOR_DRIVER);
    return p.status === 200 && ok(p.body) ? p.body : undefined;
  });

/** Answers the core screen so that accommodation and drugs and alcohol are needs, then completes it from the answers. */
async function completeCoreScreen(assessmentId: string): Promise<void> {
  await answerForNeeds(
    async (method, path, body) =>
      fetch(`${apps.assessment.baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          authorization: `Bearer ${await validToken(DRIVER, 'assessment')}`,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    assessmentId,
    ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
  );
  const done = await api('assessment', 'POST', `/assessments/${assessmentId}/completion`, DRIVER, {
    riskOfSeriousHarm: 'LOW',
    completedBy: 'role:RECEPTION_OFFICER',
  });
  expect2xx('core screen completion', done);
}

async function buildSide(side: Side): Promise<SideFixtures> {
  const { establishment, localAuthority } = SIDES[side];
  const agencyId = agencyIds[side]!;
  const agency: TestPrincipal = {
    roles: ['agency-system'],
    agencyId,
    label: `matrix fixture agency ${side}`,
  };

  // Registered before the main journey refers its person to the agency: that referral is delivered to it.
  const hookUrl = `https://hooks.example.org/matrix-${side.toLowerCase()}/${randomBytes(4).toString('hex')}`;
  const registered = await api<{ id?: string }>('referral', 'POST', '/webhook-endpoints', agency, {
    url: hookUrl,
  });
  if (registered.status !== 201 || !registered.body.id)
    throw new Error(
      `registering side ${side}'s webhook endpoint: ${registered.status} ${JSON.stringify(registered.body)}`,
    );
  const hookId = registered.body.id;

  const main = (async () => {
    const mainPrisonNumber = prisonNumber();
    const personId = await receive(
      establishment,
      localAuthority,
      'SCOTLAND',
      90,
      inDays(45),
      mainPrisonNumber,
    );
    const screening = await plan(personId, (p) => !!p.assessmentId);
    await completeCoreScreen(screening.assessmentId!);
    const referred = await plan(personId, (p) => !!p.referralId && !!p.gatePickup);
    if (referred.agencyId !== agencyId)
      throw new Error(`side ${side}: referral went to ${referred.agencyId}, not ${agencyId}`);
    // The custody visits are booked once the agency has acknowledged the referral.
    const ack = await api('referral', 'POST', `/referrals/${referred.referralId}/acknowledgement`, agency, {
      acknowledgedBy: 'Justice Social Work duty team',
    });
    expect2xx('acknowledgement', ack);
    const bookingId = await eventually(`side ${side}: a custody visit booked`, async () => {
      const e = await api<{
        meetings: { bookingId: string; kind: string; status: string }[];
      }>('liberation', 'GET', `/people/${personId}/episodes/1`, DRIVER);
      return e.body.meetings?.find((m) => m.kind === 'CJSW_VISIT' && m.status === 'BOOKED')?.bookingId;
    });
    const openAssessmentId = await eventually(`side ${side}: comprehensive screen requested`, async () => {
      const page = await api<{ items: { id: string }[] }>(
        'assessment',
        'GET',
        `/assessments?personId=${personId}&kind=COMPREHENSIVE_SCREEN`,
        DRIVER,
      );
      return page.body.items?.[0]?.id;
    });
    // Issue 10: a sentence recorded (138 days from ten days ago: released on day 56 at 40%, the
    // reception's date), so the current calculation and its versions exist for the reads.
    const sentenced = await api(
      'liberation',
      'POST',
      `/people/${personId}/episodes/1/sentence-calculations`,
      DRIVER,
      {
        sentences: [{ id: 'charge-1', sentenceDate: inDays(-10), term: { days: 138 } }],
      },
    );
    expect2xx('sentence calculation', sentenced);
    // And recorded official dates (an SED: no release date, nothing moves), for the reads.
    const recordedDates = await api(
      'liberation',
      'POST',
      `/people/${personId}/episodes/1/recorded-dates`,
      DRIVER,
      {
        recordedBecause: 'OFFICIAL_CALCULATION',
        dates: [{ type: 'SED', date: inDays(400), source: 'ESTABLISHMENT_CALCULATION' }],
      },
    );
    expect2xx('recorded dates', recordedDates);
    // And a gate arrangement, so the current one and its versions exist for the reads.
    const arranged = await api(
      'liberation',
      'PUT',
      `/people/${personId}/episodes/1/gate-arrangement`,
      DRIVER,
      {
        collectedBy: { kind: 'FAMILY_OR_FRIEND', name: 'A friend' },
        meetingPoint: 'Visitor centre',
        meetingTime: '10:00',
        transport: { kind: 'CAR' },
        travelWarrant: false,
        firstNight: { kind: 'FAMILY_OR_FRIENDS' },
      },
    );
    expect2xx('gate arrangement', arranged);
    // Issue 10: a risk assessment, so the current one and its versions exist for the reads.
    const assessedRisk = await api('assessment', 'POST', `/people/${personId}/risk-assessments`, DRIVER, {
      likelihoodOfReoffending: 'MEDIUM',
      riskOfSeriousHarm: 'LOW',
      reasons: 'authorisation matrix fixture',
      assessedOn: inDays(-1),
    });
    expect2xx('risk assessment', assessedRisk);
    // Issue 10: the person's consent is recorded, and the assessment service has taken the
    // referral from the bus, so the agency reads the pathways it covers.
    const consented = await api('assessment', 'POST', `/people/${personId}/consent`, DRIVER, {
      // After the core screen was requested (consent before the episode began is 422, review stop 41 M1).
      givenAt: new Date(Date.now() - 1_000).toISOString(),
    });
    expect2xx('consent given', consented);
    await eventually(`side ${side}: the agency reads the assessment`, async () => {
      const r = await api('assessment', 'GET', `/agency/people/${personId}/episodes/1/assessment`, agency);
      return r.status === 200 ? true : undefined;
    });
    // A change of plan tells the agency: a notification.
    const changed = await api('liberation', 'POST', `/people/${personId}/episodes/1/release-date`, DRIVER, {
      expectedReleaseDate: inDays(40),
      reason: 'HDC_APPROVED',
    });
    expect2xx('release-date change', changed);
    const notificationId = await eventually(`side ${side}: notification`, async () => {
      const page = await api<{ items: { id: string; personId: string }[] }>(
        'referral',
        'GET',
        '/notifications?limit=100',
        agency,
      );
      return page.body.items?.find((n) => n.personId === personId)?.id;
    });
    return {
      personId,
      prisonNumber: mainPrisonNumber,
      coreScreenId: screening.assessmentId!,
      openAssessmentId,
      referralId: referred.referralId!,
      bookingId,
      notificationId,
    };
  })();

  const movement = (async () => {
    const personId = await receive(establishment, localAuthority, 'SCOTLAND', 365, inDays(200));
    const released = await api<{ eventId: string }>('liberation', 'POST', '/releases', DRIVER, {
      personId,
      establishmentCode: establishment,
      reason: 'RELEASED',
      releasedAt: now(),
    });
    expect2xx('release', released);
    return released.body.eventId;
  })();

  const releasable = receive(establishment, localAuthority, 'SCOTLAND', 365, inDays(200));
  const voidable = receive(establishment, localAuthority, 'SCOTLAND', 365, inDays(200));
  const voidableLiberation = (async () => {
    const court = await api<{ personId: string }>('liberation', 'POST', '/court-liberations', DRIVER, {
      prisonNumber: prisonNumber(),
      establishmentCode: establishment,
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: localAuthority,
      legalStatus: 'REMAND',
      releasedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect2xx('court liberation to reverse', court);
    return court.body.personId;
  })();

  // Issue 10: a re-plan of the side's prison alone, its dry run done (the apply write needs that).
  const replan = (async () => {
    const created = await api<{ id: string }>(
      'liberation',
      'POST',
      '/release-point-replans',
      DRIVER,
      replanBody([establishment]),
    );
    expect2xx('re-plan', created);
    await eventually(`side ${side}: re-plan dry run`, async () => {
      const run = await api<{ status: string }>(
        'liberation',
        'GET',
        `/release-point-replans/${created.body.id}`,
        DRIVER,
      );
      return run.body.status === 'DRY_RUN_DONE' ? true : undefined;
    });
    return created.body.id;
  })();

  const appointment = (async () => {
    const court = await api<{ personId: string }>('liberation', 'POST', '/court-liberations', DRIVER, {
      prisonNumber: prisonNumber(),
      establishmentCode: establishment,
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: localAuthority,
      legalStatus: 'SENTENCED',
      releasedAt: new Date(Date.now() - 5_000).toISOString(),
    });
    expect2xx('court liberation', court);
    const followUp = await plan(court.body.personId, (p) => p.stage === 'FOLLOW_UP' && !!p.appointmentId);
    return followUp.appointmentId!;
  })();

  const client = registerClient({ roles: ['manager'], label: `matrix throwaway ${side}` }, suiteIdp);
  const agencyClient = (async () => {
    const r = await api<{ clientId?: string }>(
      'directory',
      'POST',
      `/agencies/${agencyId}/clients`,
      ADMIN_DRIVER,
      { name: `matrix agency system ${side}` },
    );
    if (r.status !== 201 || !r.body.clientId)
      throw new Error(`registering side ${side}'s agency client: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.clientId;
  })();

  const staff = (async () => {
    const r = await api<{ userId?: string }>('identity', 'POST', '/admin/staff', ADMIN_DRIVER, {
      username: `matrix-staff-${side.toLowerCase()}-${randomBytes(4).toString('hex')}`,
      displayName: `Matrix staff ${side}`,
      roles: ['manager'],
    });
    if (r.status !== 201 || !r.body.userId)
      throw new Error(`creating side ${side}'s staff account: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.userId;
  })();

  const spareAgency = (async () => {
    const body = {
      name: `Matrix spare agency ${side} ${randomBytes(4).toString('hex')}`,
      kind: 'MENTORING',
      localAuthority,
      contactPoint: 'Duty team',
      services: [{ pathway: 'ATTITUDES_THINKING_AND_BEHAVIOUR', name: 'Mentoring' }],
    };
    const r = await api<{ id?: string }>('directory', 'POST', '/agencies', ADMIN_DRIVER, body);
    if (r.status !== 201 || !r.body.id)
      throw new Error(`adding side ${side}'s spare agency: ${r.status} ${JSON.stringify(r.body)}`);
    return { id: r.body.id, body };
  })();

  const webhookEndpoint = (async () => {
    await main;
    const deliveryId = await eventually(
      `side ${side}: the referral queued for the webhook endpoint`,
      async () => {
        const log = await api<{ items?: { id: string; eventType: string }[] }>(
          'referral',
          'GET',
          `/webhook-endpoints/${hookId}/deliveries?limit=100`,
          agency,
        );
        return log.body.items?.find((d) => d.eventType === 'referral.referral.sent')?.id;
      },
    );
    return { id: hookId, url: hookUrl, deliveryId };
  })();

  const engagement = (async () => {
    const ask = async (purpose: string) => {
      const r = await api<{ id?: string }>(
        'referral',
        'POST',
        '/prison/engagement-requests',
        { roles: ['prison-staff'], establishments: [establishment], label: `matrix fixture prison ${side}` },
        {
          personId: missingPerson(),
          episode: 1,
          agencyId,
          bodyKind: 'LOCAL_AUTHORITY',
          purpose,
          requestedBy: 'Throughcare team',
          respondBy: inDays(10),
        },
      );
      if (r.status !== 201 || !r.body.id)
        throw new Error(`side ${side}: a request to engage: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    };
    return { answeredId: await ask('Release planning'), withdrawnId: await ask('Housing on release') };
  })();

  // HMPPS admissions at the side's prison, kept by the adapter as pending receptions.
  const pendingReception = (async () => {
    const admitted = async () => {
      const noms = prisonNumber();
      const event = {
        eventType: 'prison-offender-events.prisoner.received',
        version: 1,
        occurredAt: new Date(Date.now() - 120_000).toISOString(),
        description: 'A prisoner has been received',
        additionalInformation: { nomsNumber: noms, reason: 'ADMISSION', prisonId: establishment },
        personReference: { identifiers: [{ type: 'NOMS', value: noms }] },
      };
      await jetstream(nc).publish(hmppsInboundSubject(event.eventType), JSON.stringify(event), {
        msgID: randomUUID(),
      });
      return eventually(`side ${side}: a pending reception of ${noms}`, async () => {
        const page = await api<{ items?: { id: string; prisonNumber: string }[] }>(
          'liberation',
          'GET',
          `/receptions/pending?establishmentCode=${establishment}&limit=100`,
          DRIVER,
        );
        return page.body.items?.find((p) => p.prisonNumber === noms)?.id;
      });
    };
    return { completeId: await admitted(), dismissId: await admitted() };
  })();

  const [
    m,
    movementEventId,
    releasablePersonId,
    voidablePersonId,
    voidableLiberationPersonId,
    appointmentId,
    c,
    agencyClientId,
    staffId,
    spare,
    hook,
    engaged,
  ] = await Promise.all([
    main,
    movement,
    releasable,
    voidable,
    voidableLiberation,
    appointment,
    client,
    agencyClient,
    staff,
    spareAgency,
    webhookEndpoint,
    engagement,
  ]);
  const pending = await pendingReception;
  const replanId = await replan;
  return {
    establishment,
    localAuthority,
    agencyId,
    ...m,
    movementEventId,
    releasablePersonId,
    voidablePersonId,
    voidableLiberationPersonId,
    appointmentId,
    clientId: c.clientId,
    agencyClientId,
    staffId,
    spareAgency: spare,
    webhookEndpoint: hook,
    engagement: engaged,
    pendingReception: pending,
    replanId,
  };
}

/** A reception for an area no agency serves: the journey raises an attention item for operators. */
async function buildAttention(): Promise<Fixtures['attention']> {
  const personId = await receive('LEI', 'E09000001', 'ENGLAND_AND_WALES', 365, inDays(200));
  const screening = await plan(personId, (p) => !!p.assessmentId);
  await completeCoreScreen(screening.assessmentId!);
  const item = await plan(personId, (p) => !!p.attention?.some((a) => a.status === 'OPEN'));
  return {
    personId,
    episode: 1,
    itemId: item.attention!.find((a) => a.status === 'OPEN')!.id,
  };
}

/** A malformed event on the bus: dead-lettered by each consumer of the subject. */
async function buildDeadLetters(): Promise<number[]> {
  await jetstream(nc).publish(
    subjectFor('custody.person.received'),
    '{"eventType": "custody.person.received", "oops"',
  );
  return eventually('two dead letters', async () => {
    const page = await api<{ items: { seq: number }[] }>(
      'orchestrator',
      'GET',
      '/dead-letters',
      OPERATOR_DRIVER,
    );
    const seqs = (page.body.items ?? []).map((i) => i.seq);
    return seqs.length >= 2 ? seqs.slice(0, 2) : undefined;
  });
}

beforeAll(async () => {
  const url = await createSuiteDatabase('authz');

  nc = await connect({ servers: requireEnv('NATS_URL') });
  jsm = await jetstreamManager(nc);
  await deleteStreams(jsm);

  // The suite's own identity provider: short-lived tokens, its own key and issuer. It shares the
  // client store (the test database) with the test infrastructure's provider.
  const key = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  }).privateKey.export({ format: 'jwk' });
  identity = await startApp('identity-matrix', 'services/identity/src/main.ts', {
    IDENTITY_JWKS: JSON.stringify({
      keys: [{ ...key, kid: 'authz-matrix', alg: 'ES256', use: 'sig' }],
    }),
    IDENTITY_COOKIE_SECRET: randomBytes(32).toString('base64url'),
    IDENTITY_ADMIN_CLIENT_SECRET: testIdentity().adminSecret,
    IDENTITY_ACCESS_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
    LOG_LEVEL: 'error',
  });
  suiteIdp = {
    issuer: identity.baseUrl,
    adminSecret: testIdentity().adminSecret,
  };

  const env = {
    DATABASE_URL: url,
    NATS_URL: requireEnv('NATS_URL'),
    TEMPORAL_ADDRESS: requireEnv('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    PERSON_ID_SECRET: secret,
    LOG_LEVEL: 'warn',
    MOVEMENT_SETTLE_SECONDS: '1',
    AUTH_ISSUER: identity.baseUrl,
    AUTH_CLOCK_TOLERANCE_SECONDS: '0',
  };
  apps = await startApps(env);

  for (const side of ['A', 'B'] as const) {
    const page = await api<{ items: { id: string }[] }>(
      'directory',
      'GET',
      `/agencies?localAuthority=${SIDES[side].localAuthority}&kind=CJSW`,
      DRIVER,
    );
    agencyIds[side] = page.body.items[0]!.id;
  }

  // Tokens that will have lapsed by the time the cells run: one per (role, app) a broken cell uses.
  await Promise.all(
    [...new Set(POLICY.map((p) => `${baseRoleOf(p)} ${p.app}`))].map(async (k) => {
      const [role, app] = k.split(' ') as [Role, AppName];
      const at = Date.now();
      const tp = testPrincipalOf({ role, side: 'A' });
      expired.set(k, {
        token: await clientToken(await clientOf(tp), resourceOf(app), suiteIdp),
        at,
      });
    }),
  );

  const [a, b, attention, deadLetters] = await Promise.all([
    buildSide('A'),
    buildSide('B'),
    buildAttention(),
    buildDeadLetters(),
  ]);
  fixtures = { side: { A: a, B: b }, attention, deadLetters };
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(apps ?? {}).map((app) => app.stop()));
  await identity?.stop();
  await deleteStreams(jsm);
  await nc?.drain();
}, 60_000);

// ─────────────────────────── the matrix ───────────────────────────

/** The role a broken token carries: one the operation admits (so only the broken part is wrong). */
function baseRoleOf(op: Policy): Role {
  const admitted = ROLES.filter((r) => op.admitted[r]);
  return admitted[0] ?? 'manager';
}

const opKey = (op: Pick<Policy, 'app' | 'method' | 'path'>) => `${op.app} ${op.method} ${op.path}`;

type Expectation = 'public' | 'unauthenticated' | 'unknown-route' | 'hidden' | 'missing' | 'allowed';

function expectationOf(op: Policy, p: MatrixPrincipal, column: Column): Expectation {
  if (op.publicReason) return 'public';
  if (p.broken) return 'unauthenticated';
  const scope = op.admitted[p.role!];
  if (!scope) return 'unknown-route';
  if (column === 'missing') return 'missing';
  if (column === 'n/a' || scope === 'all') return 'allowed';
  return column === (p.side ?? 'A') ? 'allowed' : 'hidden';
}

interface Cell {
  op: Policy;
  principal: MatrixPrincipal;
  column: Column;
  expectation: Expectation;
  request?: Req;
  answer?: Answer;
  problems: string[];
}

async function headersFor(op: Policy, p: MatrixPrincipal): Promise<Record<string, string>> {
  if (p.role)
    return {
      authorization: `Bearer ${await validToken(testPrincipalOf({ role: p.role, side: p.side }), op.app)}`,
    };
  const role = baseRoleOf(op);
  const tp = testPrincipalOf({ role, side: 'A' });
  switch (p.broken!) {
    case 'no token':
      return {};
    case 'expired token': {
      const e = expired.get(`${role} ${op.app}`);
      if (!e) throw new Error(`no expired token for ${role} ${op.app}`);
      return { authorization: `Bearer ${e.token}` };
    }
    case 'wrong audience': {
      const other: AppName = op.app === 'directory' ? 'assessment' : 'directory';
      return { authorization: `Bearer ${await validToken(tp, other)}` };
    }
    case 'wrong issuer':
      return bearer(tp, resourceOf(op.app));
    case 'tampered signature': {
      const [h, payload, signature] = (await validToken(tp, op.app)).split('.') as [string, string, string];
      const i = Math.floor(signature.length / 2);
      const flipped = signature[i] === 'A' ? 'B' : 'A';
      return {
        authorization: `Bearer ${h}.${payload}.${signature.slice(0, i)}${flipped}${signature.slice(i + 1)}`,
      };
    }
  }
}

/** Ids and paths masked, so two 404s compare on everything else. */
function masked(text: string, url: string): string {
  return text
    .split(url)
    .join('<url>')
    .split(url.split('?')[0]!)
    .join('<url>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/p[0-9a-f]{20}/g, '<person>')
    .replace(/tc-[0-9a-f]{24}/g, '<client>');
}

const isProblem = (a: Answer) => a.contentType.startsWith('application/problem+json');

/** What the app answers this principal for a route that does not exist, per (app, method, principal). */
const unknownRoutes = new Map<string, Promise<{ url: string; answer: Answer }>>();
function unknownRoute(op: Policy, p: MatrixPrincipal): Promise<{ url: string; answer: Answer }> {
  const key = `${op.app} ${op.method} ${p.name}`;
  let hit = unknownRoutes.get(key);
  if (!hit) {
    const url = op.app === 'identity' ? '/admin/authz-matrix-no-such-route' : '/authz-matrix/no-such-route';
    hit = headersFor(op, p).then(async (headers) => ({
      url,
      answer: await send(op.app, op.method, url, op.method === 'GET' ? undefined : {}, headers),
    }));
    unknownRoutes.set(key, hit);
  }
  return hit;
}

async function runCell(cell: Cell): Promise<void> {
  const { op, principal, column } = cell;
  const request = op.request(fixtures, column, principal.side ?? 'A');
  cell.request = request;
  const answer = await send(
    op.app,
    op.method,
    request.path,
    request.body,
    await headersFor(op, principal),
    request.csv,
  );
  cell.answer = answer;
  if (answer.status >= 200 && answer.status < 300) request.capture?.(answer.body);
  const problems = cell.problems;
  if (answer.status >= 500) problems.push(`5xx: ${answer.status} ${answer.text.slice(0, 300)}`);
  switch (cell.expectation) {
    case 'public':
      if (answer.status !== 200) problems.push(`public route: expected 200, got ${answer.status}`);
      break;
    case 'unauthenticated':
      if (answer.status !== 401)
        problems.push(`expected 401, got ${answer.status} ${answer.text.slice(0, 200)}`);
      else {
        if (!isProblem(answer)) problems.push(`401 is not problem+json (${answer.contentType})`);
        if (!/^Bearer /.test(answer.wwwAuthenticate ?? ''))
          problems.push('401 without WWW-Authenticate: Bearer');
        const detail = String((answer.body as { detail?: unknown } | undefined)?.detail ?? '');
        const why = REJECTION[principal.broken!];
        if (!why.test(detail)) problems.push(`401 for another reason than ${why}: "${detail}"`);
      }
      break;
    case 'unknown-route': {
      const reference = await unknownRoute(op, principal);
      const got = `${answer.status} ${answer.contentType} ${masked(answer.text, request.path)}`;
      const want = `${reference.answer.status} ${reference.answer.contentType} ${masked(reference.answer.text, reference.url)}`;
      if (reference.answer.status !== 404)
        problems.push(`the unknown route itself answered ${reference.answer.status}`);
      if (got !== want)
        problems.push(`role not admitted: expected the unknown route's 404 (${want}), got ${got}`);
      break;
    }
    case 'missing':
    case 'hidden':
      if (answer.status !== 404)
        problems.push(`expected 404, got ${answer.status} ${answer.text.slice(0, 200)}`);
      else if (!isProblem(answer)) problems.push(`404 is not problem+json (${answer.contentType})`);
      break;
    case 'allowed': {
      // Own-object writes are ordered and share one timestamp so that each is accepted (or
      // accepted again, idempotently): a refusal here is a wrongly refused own write.
      const ok = op.write ? [200, 201, 202, 204].includes(answer.status) : answer.status === 200;
      if (!ok)
        problems.push(
          `expected ${op.write ? '2xx' : '200'}, got ${answer.status} ${answer.text.slice(0, 300)}`,
        );
      if (ok && op.list && answer.status === 200) {
        const scoped = op.admitted[principal.role!] !== 'all';
        const ids = op.list.ids(answer.body);
        const side = principal.side ?? 'A';
        const own = op.list.own(fixtures.side[side]);
        const foreign = op.list.own(fixtures.side[side === 'A' ? 'B' : 'A']);
        const absent = own.filter((id) => !ids.includes(id));
        if (absent.length) problems.push(`list lacks the caller's own ${absent.join(', ')}`);
        if (scoped) {
          const leaked = foreign.filter((id) => ids.includes(id));
          if (leaked.length) problems.push(`list shows another scope's ${leaked.join(', ')}`);
        }
      }
      break;
    }
  }
}

/** The 404 of an object outside the caller's scope must equal the 404 of a missing one. */
function compareHidden(cells: Cell[]): void {
  const missing = new Map<string, Cell>();
  for (const c of cells)
    if (c.expectation === 'missing' && c.answer) missing.set(`${opKey(c.op)} ${c.principal.name}`, c);
  for (const c of cells) {
    if (c.expectation !== 'hidden' || !c.answer || c.answer.status !== 404) continue;
    const m = missing.get(`${opKey(c.op)} ${c.principal.name}`);
    if (!m?.answer) continue;
    const a = `${c.answer.contentType} ${masked(c.answer.text, c.request!.path)}`;
    const b = `${m.answer.contentType} ${masked(m.answer.text, m.request!.path)}`;
    if (a !== b) c.problems.push(`another's object answers unlike a missing one: ${a} vs ${b}`);
  }
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await work(item);
      }
    }),
  );
}

async function documentedOperations(): Promise<Set<string>> {
  const found = new Set<string>();
  for (const app of SERVICE_APPS) {
    const res = await fetch(`${apps[app].baseUrl}/docs-json`);
    if (res.status !== 200) throw new Error(`${app} /docs-json answered ${res.status}`);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [p, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item))
        if (['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(method))
          found.add(`${app} ${method.toUpperCase()} ${p}`);
  }
  return found;
}

describe('authorisation matrix, generated from the OpenAPI documents', () => {
  let documented: Set<string>;

  beforeAll(async () => {
    documented = await documentedOperations();
  });

  it('the policy table decides every documented operation, and names none the documents lack', () => {
    const table = new Set(POLICY.filter((p) => !UNDOCUMENTED_APPS.includes(p.app)).map(opKey));
    expect({
      undecided: [...documented].filter((k) => !table.has(k)).sort(),
      undocumented: [...table].filter((k) => !documented.has(k)).sort(),
    }).toEqual({ undecided: [], undocumented: [] });
  });

  it('answers every operation × principal × object cell as the policy says', async () => {
    const started = Date.now();
    const ops = POLICY.filter((p) => UNDOCUMENTED_APPS.includes(p.app) || documented.has(opKey(p)));
    const cells: Cell[] = ops.flatMap((op) =>
      PRINCIPALS.flatMap((principal) =>
        op.columns.map((column) => ({
          op,
          principal,
          column,
          expectation: expectationOf(op, principal, column),
          problems: [],
        })),
      ),
    );
    const ownWrite = (c: Cell) => c.op.write && c.expectation === 'allowed';

    // Expired tokens: every one of them must have lapsed (the provider's own API keeps a leeway).
    const lapsed = Math.max(
      ...[...expired.entries()].map(
        ([k, e]) =>
          e.at +
          (TOKEN_TTL_SECONDS + (k.endsWith(' identity') ? IDENTITY_ADMIN_LEEWAY_SECONDS : 0)) * 1000 +
          1500,
      ),
    );
    if (Date.now() < lapsed) await new Promise((r) => setTimeout(r, lapsed - Date.now()));

    // Reads and refusals first, side by side; then the own-object writes, in their order.
    await pool(
      cells.filter((c) => !ownWrite(c)),
      6,
      runCell,
    );
    const writes = cells.filter(ownWrite).sort((a, b) => (a.op.writeOrder ?? 0) - (b.op.writeOrder ?? 0));
    writeStamp = new Date(Date.now() - 1_000).toISOString();
    for (const cell of writes) await runCell(cell);
    compareHidden(cells);

    const failed = cells.filter((c) => c.problems.length > 0);
    const summary = `authorisation matrix: ${ops.length} operations, ${PRINCIPALS.length} principals, objects own/another's/missing (${cells.length} cells), ${failed.length} failures, ${Math.round((Date.now() - started) / 1000)} s`;
    console.log(summary);
    await writeReport(summary, ops, cells, documented);
    expect(
      failed.map(
        (c) =>
          `${opKey(c.op)} | ${c.principal.name} | ${c.column} | ${c.expectation}: ${c.problems.join('; ')}`,
      ),
    ).toEqual([]);
  }, 240_000);
});

async function writeReport(
  summary: string,
  ops: Policy[],
  cells: Cell[],
  documented: Set<string>,
): Promise<void> {
  const lines = [
    '# Authorisation matrix',
    '',
    'Generated by `test/e2e/authz-matrix.e2e.spec.ts` (run: `THROUGHCARE_INSTANCE=matrix ./throughcare test --selectProjects e2e --testPathPatterns authz-matrix`).',
    '',
    `**${summary}**`,
    '',
    `Operations: ${documented.size} from the five services' OpenAPI documents, ${ops.filter((o) => UNDOCUMENTED_APPS.includes(o.app)).length} of the identity provider's administration and auditor APIs (no document; listed by hand). ` +
      `Principals: ${PRINCIPALS.map((p) => p.name).join(', ')}. ` +
      "Objects: A = the first journey's (BAR, City of Edinburgh CJSW: own for prison-staff and the agency roles), B = the second's (LOW, Glasgow CJSW: own for the other establishment and agency), missing = a well-formed id that does not exist; n/a for collections.",
    '',
    '| operation | admitted (scope) | objects | cells | own-object answers | failures |',
    '| --- | --- | --- | ---: | --- | ---: |',
  ];
  for (const op of ops) {
    const mine = cells.filter((c) => c.op === op);
    const admitted = op.publicReason
      ? 'public'
      : Object.entries(op.admitted)
          .map(([r, s]) => `${r} (${s})`)
          .join(', ');
    const allowed = [
      ...new Set(
        mine
          .filter((c) => c.expectation === 'allowed' || c.expectation === 'public')
          .map((c) => c.answer?.status ?? '-'),
      ),
    ].join('/');
    lines.push(
      `| \`${op.app} ${op.method} ${op.path}\` | ${admitted} | ${op.columns.join(' ')} | ${mine.length} | ${allowed} | ${mine.filter((c) => c.problems.length).length} |`,
    );
  }
  const failed = cells.filter((c) => c.problems.length);
  lines.push('', '## Failures', '');
  if (!failed.length) lines.push('None.');
  for (const c of failed)
    lines.push(
      `- \`${opKey(c.op)}\` as ${c.principal.name}, object ${c.column} (expected ${c.expectation}): ${c.problems.join('; ').replace(/\n/g, ' ')}`,
    );
  const file = path.join(__dirname, 'results', 'authz-matrix.md');
  mkdirSync(path.dirname(file), { recursive: true });
  // Formatted as the repository's Prettier settings want it, so the committed report passes lint.
  // Node's own require: prettier loads its plugins with import(), which Jest's registry refuses.
  const prettier = nativeRequire('prettier') as typeof Prettier;
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(`${lines.join('\n')}\n`, {
      ...options,
      filepath: file,
    }),
  );
}
