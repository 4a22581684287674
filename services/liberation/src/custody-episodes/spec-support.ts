import type { LogLevel } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { serviceDataSourceOptions } from '@throughcare/platform-persistence';
import { identifierOf, parseEvent, Streams, subjectFor, type KnownEvent } from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import { addDays } from '@throughcare/domain';
import { bootstrapService, listeningPort, NATS_CONNECTION } from '@throughcare/platform-http';
import { jetstream, jetstreamManager } from '@throughcare/platform-messaging';
import { bearer, withSpecWorker, type TestPrincipal } from '@throughcare/testing';
import { AppModule } from '../app.module';
import { LIBERATION_SCHEMA, loadLiberationConfig, type LiberationConfig } from '../config';
import type { BookingSteps, bookingStepsWorkflow } from './test-workflows/booking-steps.workflow';

// Test support for the liberation integration specs (real Postgres, NATS and Temporal).

export const config = loadLiberationConfig({
  PERSON_ID_SECRET: 'spec-person-id-secret-0123',
  // A movement about an episode not recorded yet is held this long before its dead letter.
  UPSTREAM_EPISODE_LATE_HORIZON_SECONDS: '3',
  // The state after the transition: a parole or early-release decision names its version.
  RELEASE_DECISION_VERSION_REQUIRED: 'true',
  ...process.env,
  PORT: '0',
});

/**
 * Gate pick-up or meeting bookings and cancellations as the journey makes them: a test workflow
 * whose activities run on the service's own worker (task queue "liberation"), one result a step.
 */
export const runBookingSteps = (run: BookingSteps) =>
  withSpecWorker(
    { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
    require.resolve('./test-workflows/booking-steps.workflow'),
    (worker) => worker.execute<typeof bookingStepsWorkflow>('bookingStepsWorkflow', [run]),
  );

const letter = () => String.fromCharCode(65 + randomInt(26));
export const aPrisonNumber = () =>
  `${letter()}${String(randomInt(10_000)).padStart(4, '0')}${letter()}${letter()}`;
export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const ukDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
/**
 * A UK calendar date `days` from today (negative: in the past), counted in calendar days: 24-hour
 * steps from late evening land on the next day across a summer-time change (a flake after 23:00).
 */
export const daysFromToday = (days: number) => addDays(ukDate.format(new Date()), days);
/**
 * Days from a fixed instant, as a UK date: a spec that builds an input and later expects the same
 * date computes both from one base (recomputed, the two differ by a day across midnight).
 */
export const daysFrom =
  (base: number) =>
  (days: number): string =>
    addDays(ukDate.format(new Date(base)), days);

/** A valid reception of a new person; override what a test is about. */
export function aReception(overrides: Record<string, unknown> = {}) {
  return {
    prisonNumber: aPrisonNumber(),
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    reason: 'ADMISSION',
    receivedAt: minutesAgo(60),
    sentenceDate: daysFromToday(-30),
    sentenceLengthDays: 180,
    expectedReleaseDate: daysFromToday(60),
    ...overrides,
  };
}

/** A reception into an English prison (NOMIS, and so HMPPS events, cover England and Wales). */
export const anEnglishReception = (prisonNumber: string) =>
  aReception({
    prisonNumber,
    establishmentCode: 'LEI',
    jurisdiction: 'ENGLAND_AND_WALES',
    homeLocalAuthority: 'E08000035',
    receivedAt: minutesAgo(600),
  });

/** A valid liberation direct from court of a new person, half an hour ago; override what a test is about. */
export function aLiberation(overrides: Record<string, unknown> = {}) {
  return {
    prisonNumber: aPrisonNumber(),
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    legalStatus: 'REMAND',
    releasedAt: minutesAgo(30),
    ...overrides,
  };
}

/**
 * Requests to reverse the record that opened an episode, recorded in error (`segment`:
 * `reception-reversal`, `court-liberation-reversal`), as the int specs send them.
 */
export function openingReversals(lib: () => LiberationHarness, segment: string) {
  return {
    reverse: (
      personId: string,
      body: unknown,
      headers: Record<string, string> = {},
      episode = 1,
      as?: Caller,
    ) => lib().post(`/people/${personId}/episodes/${episode}/${segment}`, body, headers, as),
    /** The body: recorded in error at `reversedAt`, with a note if given. */
    inError: (reversedAt = minutesAgo(10), note?: string) => ({
      reversedAt,
      reason: 'RECEIVED_IN_ERROR',
      ...(note === undefined ? {} : { note }),
    }),
  };
}

export const LIBERATION_AUDIENCE = 'urn:throughcare:liberation';

/** Prison staff (or a prison system) of these establishments: a real client of the identity provider. */
export const prisonStaff = (...establishments: string[]): TestPrincipal => ({
  roles: ['prison-staff'],
  establishments,
});

/**
 * Who the specs call the API as unless a test is about scope: staff of every establishment the
 * specs record in (receptions at BAR, transfers to LEI and GMR).
 */
export const SPEC_STAFF = prisonStaff('BAR', 'LEI', 'GMR');

/** Who a request is made as: a principal (its access token for liberation), or nobody (no token). */
export type Caller = TestPrincipal | 'nobody';

export async function authorizationOf(caller: Caller): Promise<Record<string, string>> {
  return caller === 'nobody' ? {} : bearer(caller, LIBERATION_AUDIENCE);
}

/**
 * What the service records as `received_by`, `released_by`… for a caller: the API client its
 * token was issued to (a client-credentials token's subject is the client).
 */
export async function actorOf(caller: TestPrincipal = SPEC_STAFF): Promise<string> {
  const { authorization = '' } = await bearer(caller, LIBERATION_AUDIENCE);
  const payload = authorization.replace(/^Bearer /, '').split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    sub: string;
    client_id: string;
  };
  return claims.sub === claims.client_id ? `client:${claims.client_id}` : `user:${claims.sub}`;
}

/** The pseudonymous person id the service derives from a prison number. */
export const personIdOf = (prisonNumber: string) => derivePersonId(config.PERSON_ID_SECRET, prisonNumber);

export interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LiberationHarness {
  app: NestFastifyApplication;
  /**
   * The tests' own view of the database, as the owner of the tables (DATABASE_URL): every row,
   * whatever the row-level security scope. The service itself connects as the application role.
   */
  dataSource: DataSource;
  /** The service's own connection (the application role, under row-level security). */
  serviceDataSource: DataSource;
  /** http://127.0.0.1:<port>, for requests the helpers below do not make. */
  base: string;
  /** GET as `as` (by default SPEC_STAFF, with a real access token). */
  get(path: string, as?: Caller): Promise<Response>;
  /** POST a JSON body as `as` (by default SPEC_STAFF, with a real access token). */
  post(path: string, body: unknown, headers?: Record<string, string>, as?: Caller): Promise<Response>;
  /** Outbox rows of one event type for one person (committed with the business change). */
  outboxRows(eventType: string, personId: string): Promise<Array<{ id: string; published: boolean }>>;
  /** Waits for the relay to publish the person's events of that type, then reads them back from the stream. */
  eventsOnBus(eventType: string, personId: string): Promise<KnownEvent[]>;
  close(): Promise<void>;
}

/** Boots the service before a spec file's tests and closes it after them; read `lib` inside the tests. */
export function useLiberation(options: { logLevels?: LogLevel[]; config?: Partial<LiberationConfig> } = {}): {
  readonly lib: LiberationHarness;
} {
  const holder: { lib?: LiberationHarness } = {};
  beforeAll(async () => {
    holder.lib = await startLiberation(options);
  });
  afterAll(async () => {
    await holder.lib?.close();
  });
  return {
    get lib() {
      if (!holder.lib) throw new Error('the liberation service is not started yet (use lib inside a test)');
      return holder.lib;
    },
  };
}

/** Boots the liberation service (HTTP, activity worker, outbox relay) on a free port. */
export async function startLiberation({
  logLevels = ['error'],
  config: overrides = {},
}: { logLevels?: LogLevel[]; config?: Partial<LiberationConfig> } = {}): Promise<LiberationHarness> {
  const app = await bootstrapService({
    module: AppModule.forRoot({ ...config, ...overrides }),
    name: 'liberation',
    port: 0,
    logLevels,
  });
  const base = `http://127.0.0.1:${listeningPort(app)}`;
  const serviceDataSource = app.get(DataSource);
  const dataSource = await new DataSource({
    ...serviceDataSourceOptions({
      url: config.DATABASE_URL,
      schema: LIBERATION_SCHEMA,
      entities: serviceDataSource.options.entities ?? [],
      migrations: [],
    }),
    migrationsRun: false,
  } as DataSourceOptions).initialize();

  const outboxRows = (eventType: string, personId: string) =>
    dataSource.query(
      `SELECT id, published_at IS NOT NULL AS published FROM liberation.outbox
        WHERE subject = $1 AND payload->'personReference'->'identifiers' @> $2::jsonb`,
      [subjectFor(eventType), JSON.stringify([{ type: 'THROUGHCARE_ID', value: personId }])],
    ) as Promise<Array<{ id: string; published: boolean }>>;

  async function eventsOnBus(eventType: string, personId: string): Promise<KnownEvent[]> {
    await eventually(async () => {
      const rows = await outboxRows(eventType, personId);
      return rows.length > 0 && rows.every((r) => r.published) ? true : undefined;
    });
    const js = jetstream(app.get<NatsConnection>(NATS_CONNECTION));
    const reader = await js.consumers.get(Streams.events.name, {
      filter_subjects: [subjectFor(eventType)],
      deliver_policy: DeliverPolicy.All,
    });
    const events: KnownEvent[] = [];
    for (;;) {
      const msg = await reader.next({ expires: 1000 });
      if (!msg) break;
      // The bus is shared with other suites (some publish malformed messages on purpose): only
      // this person's events count, and those must be valid.
      const parsed = parseEvent(msg.data);
      if (!parsed.ok) {
        if (new TextDecoder().decode(msg.data).includes(personId)) {
          throw new Error(`invalid event on the bus: ${parsed.reason}`);
        }
        continue;
      }
      if (identifierOf(parsed.event.personReference, 'THROUGHCARE_ID') === personId)
        events.push(parsed.event);
    }
    return events;
  }

  return {
    app,
    dataSource,
    serviceDataSource,
    base,
    get: async (path, as = SPEC_STAFF) => fetch(`${base}${path}`, { headers: await authorizationOf(as) }),
    post: async (path, body, headers = {}, as = SPEC_STAFF) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await authorizationOf(as)), ...headers },
        body: JSON.stringify(body),
      }),
    outboxRows,
    eventsOnBus,
    close: async () => {
      await app.close();
      await dataSource.destroy();
    },
  };
}

/** Messages on `stream`/`subject` whose body contains `marker`. */
export async function messagesWith(
  nc: NatsConnection,
  stream: string,
  subject: string,
  marker: string,
): Promise<JsMsg[]> {
  const reader = await jetstream(nc).consumers.get(stream, {
    filter_subjects: [subject],
    deliver_policy: DeliverPolicy.All,
  });
  const found: JsMsg[] = [];
  for (;;) {
    const msg = await reader.next({ expires: 1000 });
    if (!msg) return found;
    if (new TextDecoder().decode(msg.data).includes(marker)) found.push(msg);
  }
}

/** Until the durable `consumer` of `stream` has settled everything (acknowledged or dead-lettered). */
export async function consumerCaughtUp(nc: NatsConnection, stream: string, consumer: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(stream, consumer);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  }, 20_000);
}
