/**
 * The canary's journeys: people with marker personal data, driven through the public HTTP APIs and
 * the bus from reception through both screens, the referral and its acknowledgement, a release-date
 * change and the release, so that every service, the orchestrator, Temporal and the bus have seen
 * them.
 *
 * The contracts accept no name and no date of birth (a person is a prison number, plus CRN and PNC
 * identifiers in a bus event's person reference). The canary puts its marker name and date of birth
 * where free text exists: the `description` of a bus reception (as an upstream prison system could
 * write "Received: <name>, born <date>"), and a marker name as the agency worker who acknowledges the
 * referral (`acknowledgedBy`, a member of staff's name: personal data too).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  PersonReceivedV1,
  PersonReleasedV1,
  ReleaseDateChangedV1,
  subjectFor,
  type PlanView,
} from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import { answerForNeeds, bearer, type IdentityTarget } from '@throughcare/testing';
import type { AppName } from '../../chaos/src/platform';
import type { Marker } from './scan';

export interface CanaryPerson {
  via: 'http' | 'bus';
  prisonNumber: string;
  personId: string;
  name: string;
  dateOfBirth: string;
  pnc: string;
  crn: string;
  /** The agency worker who acknowledges the referral. */
  worker: string;
  establishmentCode: string;
  receivedAt: string;
  expectedReleaseDate: string;
  newReleaseDate: string;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const letters = (n: number) => Array.from({ length: n }, () => LETTERS[randomInt(26)]).join('');
const digits = (n: number) => Array.from({ length: n }, () => String(randomInt(10))).join('');
const capitalised = (n: number) => letters(1) + letters(n - 1).toLowerCase();
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DAY = 86_400_000;

/** A prison number (A1234BC shape) random to this run; with the others, unique. */
export function markerPeople(count: number, secret: string): CanaryPerson[] {
  const now = Date.now();
  const seen = new Set<string>();
  return Array.from({ length: count }, (_, i) => {
    let prisonNumber: string;
    do prisonNumber = `${letters(1)}${digits(4)}${letters(2)}`;
    while (seen.has(prisonNumber));
    seen.add(prisonNumber);
    const born = Date.UTC(1950 + randomInt(50), randomInt(12), 1 + randomInt(28));
    return {
      via: i % 2 === 0 ? 'http' : 'bus',
      prisonNumber,
      personId: derivePersonId(secret, prisonNumber),
      name: `${capitalised(7)} ${capitalised(9)}`,
      dateOfBirth: isoDate(born),
      pnc: `${new Date(born + 20 * 365 * DAY).getUTCFullYear()}/${digits(7)}${letters(1)}`,
      crn: `${letters(1)}${digits(6)}`,
      worker: `${capitalised(6)} ${capitalised(8)}`,
      establishmentCode: ['BAR', 'GLE', 'LOW'][i % 3]!,
      receivedAt: new Date(Math.floor((now - 120_000) / 1000) * 1000).toISOString(),
      expectedReleaseDate: isoDate(now + (400 + i) * DAY),
      newReleaseDate: isoDate(now + (360 + i) * DAY),
    };
  });
}

/** Every marker of these people, each form of which the scan looks for. */
export function markersOf(people: CanaryPerson[]): Marker[] {
  return people.flatMap((p) => [
    { kind: 'prison number', value: p.prisonNumber },
    { kind: 'name', value: p.name },
    { kind: 'date of birth', value: p.dateOfBirth },
    { kind: 'date of birth (d/m/y)', value: p.dateOfBirth.split('-').reverse().join('/') },
    { kind: 'PNC number', value: p.pnc },
    { kind: 'CRN', value: p.crn },
    { kind: 'staff name', value: p.worker },
  ]);
}

export interface CanaryDriveOptions {
  urls: Record<AppName, string>;
  identity: IdentityTarget;
  nc: NatsConnection;
  /** Longest wait for any one effect of the platform. */
  waitMs?: number;
  /** The event ids the canary published itself, as an upstream system (they carry the markers). */
  published?: Set<string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function call<T>(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Drives one person's journey to its release; throws naming the step that did not happen. */
export async function driveToRelease(o: CanaryDriveOptions, p: CanaryPerson): Promise<void> {
  const waitMs = o.waitMs ?? 90_000;
  const prison = (service: 'liberation' | 'assessment') =>
    bearer(
      { roles: ['prison-staff'], establishments: [p.establishmentCode] },
      `urn:throughcare:${service}`,
      o.identity,
    );
  const ok = async (step: string, reply: Promise<{ status: number; body: unknown }>) => {
    const r = await reply;
    if (r.status < 200 || r.status > 299) throw new Error(`${p.via} journey, ${step}: HTTP ${r.status}`);
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const giveUp = Date.now() + waitMs;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > giveUp)
        throw new Error(`${p.via} journey: waited ${waitMs / 1000} s in vain for ${what}`);
      await sleep(750);
    }
  };
  const publish = async (event: { eventType: string; eventId: string }) => {
    o.published?.add(event.eventId);
    await jetstream(o.nc).publish(subjectFor(event.eventType), JSON.stringify(event), {
      msgID: event.eventId,
      timeout: 10_000,
    });
  };
  const envelope = (eventType: string, occurredAt: string) => ({
    eventType,
    version: 1,
    eventId: randomUUID(),
    occurredAt,
    correlationId: `canary-${randomUUID()}`,
    personReference: {
      identifiers: [
        { type: 'NOMS', value: p.prisonNumber },
        { type: 'PNC', value: p.pnc },
        { type: 'CRN', value: p.crn },
      ],
    },
  });
  const plan = async () => {
    const r = await call<PlanView>(
      'GET',
      `${o.urls.orchestrator}/journeys/${p.personId}/episodes/1`,
      await bearer({ roles: ['operator'] }, 'urn:throughcare:orchestrator', o.identity),
    );
    return r.status === 200 ? r.body : undefined;
  };
  const assessment = (kind: 'CORE_SCREEN' | 'COMPREHENSIVE_SCREEN') =>
    until(`${kind} requested`, async () => {
      const r = await call<{ items: { id: string }[] }>(
        'GET',
        `${o.urls.assessment}/assessments?personId=${p.personId}&kind=${kind}`,
        await prison('assessment'),
      );
      return r.status === 200 ? r.body.items[0]?.id : undefined;
    });
  /** Answers the screen by pathway so that `needs` follow (never typed in), then completes it from the answers. */
  const complete = async (id: string, needs: string[], body: Record<string, unknown>) => {
    const headers = await prison('assessment');
    await answerForNeeds(
      (method, path, answers) =>
        fetch(`${o.urls.assessment}${path}`, {
          method,
          headers: { ...(answers === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          body: answers === undefined ? undefined : JSON.stringify(answers),
        }),
      id,
      needs,
    );
    return ok(
      'screen completion',
      call('POST', `${o.urls.assessment}/assessments/${id}/completion`, await prison('assessment'), {
        ...body,
        completedAt: new Date().toISOString(),
      }),
    );
  };

  // Reception.
  const reception = {
    prisonNumber: p.prisonNumber,
    establishmentCode: p.establishmentCode,
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    reason: 'ADMISSION',
    receivedAt: p.receivedAt,
    sentenceDate: p.receivedAt.slice(0, 10),
    sentenceLengthDays: 1000,
    expectedReleaseDate: p.expectedReleaseDate,
  };
  if (p.via === 'http') {
    await ok(
      'reception',
      call('POST', `${o.urls.liberation}/receptions`, await prison('liberation'), reception),
    );
  } else {
    await publish(
      PersonReceivedV1.parse({
        ...envelope('custody.person.received', p.receivedAt),
        description: `Received into custody: ${p.name}, born ${p.dateOfBirth.split('-').reverse().join('/')} (${p.dateOfBirth})`,
        data: { ...reception, episode: 1 },
      }),
    );
  }

  // Both screens, then the referral and its acknowledgement by the agency.
  await complete(await assessment('CORE_SCREEN'), ['ACCOMMODATION', 'EDUCATION_SKILLS_AND_WORK'], {
    riskOfSeriousHarm: 'LOW',
    completedBy: 'role:RECEPTION_OFFICER',
  });
  await complete(await assessment('COMPREHENSIVE_SCREEN'), ['ACCOMMODATION'], {});
  const referral = await until('referral sent', async () => {
    const v = await plan();
    return v?.referralId && v.agencyId ? { referralId: v.referralId, agencyId: v.agencyId } : undefined;
  });
  await ok(
    'acknowledgement',
    call(
      'POST',
      `${o.urls.referral}/referrals/${referral.referralId}/acknowledgement`,
      await bearer(
        { roles: ['agency-system'], agencyId: referral.agencyId },
        'urn:throughcare:referral',
        o.identity,
      ),
      { acknowledgedBy: p.worker },
    ),
  );

  // A new release date, then the release.
  const changedAt = new Date().toISOString();
  if (p.via === 'http') {
    await ok(
      'release date',
      call(
        'POST',
        `${o.urls.liberation}/people/${p.personId}/episodes/1/release-date`,
        await prison('liberation'),
        {
          expectedReleaseDate: p.newReleaseDate,
          reason: 'HDC_APPROVED',
        },
      ),
    );
  } else {
    await publish(
      ReleaseDateChangedV1.parse({
        ...envelope('custody.release-date.changed', changedAt),
        data: {
          episode: 1,
          expectedReleaseDate: p.newReleaseDate,
          previousExpectedReleaseDate: p.expectedReleaseDate,
          reason: 'PAROLE',
          changedAt,
        },
      }),
    );
  }
  await until('release date applied', async () =>
    (await plan())?.expectedReleaseDate === p.newReleaseDate ? true : undefined,
  );
  const releasedAt = new Date().toISOString();
  if (p.via === 'http') {
    await ok(
      'release',
      call('POST', `${o.urls.liberation}/releases`, await prison('liberation'), {
        prisonNumber: p.prisonNumber,
        establishmentCode: p.establishmentCode,
        reason: 'RELEASED',
        releasedAt,
      }),
    );
  } else {
    await publish(
      PersonReleasedV1.parse({
        ...envelope('custody.person.released', releasedAt),
        data: { episode: 1, establishmentCode: p.establishmentCode, reason: 'RELEASED', releasedAt },
      }),
    );
  }
  await until('release seen by the journey', async () => {
    const v = await plan();
    return v?.releasedAt || (v?.pendingMovements?.length ?? 0) > 0 ? true : undefined;
  });
}

/** One answer of an operator's or a manager's view, as the canary scans it. */
export interface StaffView {
  place: string;
  status: number;
  text: string;
}

/**
 * What operators and managers see of these people through the orchestrator's API (issue 8:
 * operators "no personal details", managers "no personal details unless their role allows"; no
 * role allows more yet): each person's plan (operator), the attention queue open and resolved
 * (operator), the dead letters (operator), and as both roles the breach list, its summary and the
 * dashboard's data. They may name a person by the THROUGHCARE_ID pseudonym, dates, establishments
 * and council codes, and nothing of the markers.
 */
export async function staffViews(
  o: Pick<CanaryDriveOptions, 'urls' | 'identity'>,
  people: CanaryPerson[],
  deadLetterSeqs: number[],
): Promise<StaffView[]> {
  const base = o.urls.orchestrator;
  const as = (role: 'operator' | 'manager') =>
    bearer({ roles: [role] }, 'urn:throughcare:orchestrator', o.identity);
  const routes: Array<['operator' | 'manager', string]> = [
    ...people.map((p): ['operator', string] => ['operator', `/journeys/${p.personId}/episodes/1`]),
    ['operator', '/attention?status=OPEN&limit=100'],
    ['operator', '/attention?status=RESOLVED&limit=100'],
    ['operator', '/dead-letters?limit=100'],
    ...deadLetterSeqs.map((seq): ['operator', string] => ['operator', `/dead-letters/${seq}`]),
    ...(['operator', 'manager'] as const).flatMap(
      (role): Array<[typeof role, string]> => [
        [role, '/breaches?limit=100'],
        [role, '/breaches/summary'],
        [role, '/dashboard/data'],
      ],
    ),
  ];
  const views: StaffView[] = [];
  for (const [role, route] of routes) {
    const res = await fetch(`${base}${route}`, {
      headers: await as(role),
      signal: AbortSignal.timeout(15_000),
    });
    views.push({
      place: `orchestrator api as ${role}: GET ${route}`,
      status: res.status,
      text: await res.text(),
    });
  }
  return views;
}

/**
 * An upstream reception Throughcare cannot apply (its data lacks the reception's fields), carrying
 * `p`'s markers where an upstream system would put them: the prison number, PNC and CRN in the
 * person reference, the name and date of birth in its description. It is dead-lettered, so the
 * dead letters operators read (list and show) are scanned with something in them. Answers its
 * event id.
 */
export async function publishUnappliable(nc: NatsConnection, p: CanaryPerson): Promise<string> {
  const eventId = randomUUID();
  await jetstream(nc).publish(
    subjectFor('custody.person.received'),
    JSON.stringify({
      eventType: 'custody.person.received',
      version: 1,
      eventId,
      occurredAt: new Date().toISOString(),
      correlationId: `canary-${randomUUID()}`,
      description: `Received into custody: ${p.name}, born ${p.dateOfBirth}`,
      personReference: {
        identifiers: [
          { type: 'NOMS', value: p.prisonNumber },
          { type: 'PNC', value: p.pnc },
          { type: 'CRN', value: p.crn },
        ],
      },
      data: { establishmentCode: p.establishmentCode, note: `${p.name} ${p.prisonNumber}` },
    }),
    { msgID: eventId, timeout: 10_000 },
  );
  return eventId;
}
