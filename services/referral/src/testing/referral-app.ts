import type { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { bearer } from '@throughcare/testing';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { AppModule } from '../app.module';
import type { ReferralConfig } from '../config';
import { EventsOnBus } from './events-on-bus';

export interface ReferralApp {
  app: NestFastifyApplication;
  base: string;
  /**
   * The spec's own look at the database: the service's DataSource, with `query` and
   * `transaction` run as the platform (unrestricted row-level security scope), since the service
   * itself connects as the application role, under row-level security.
   */
  dataSource: DataSource;
  /** The service's own DataSource, as its requests use it (no scope unless one is set). */
  serviceDataSource: DataSource;
  bus: EventsOnBus;
}

/** Integration specs: the whole referral app on a free port, and a reader of what it published. */
export async function startReferralApp(
  config: ReferralConfig,
  { logLevels = ['error'] }: { logLevels?: LogLevel[] } = {},
): Promise<ReferralApp> {
  const app = await bootstrapService({
    module: AppModule.forRoot(config),
    name: 'referral',
    port: 0,
    logLevels,
  });
  const serviceDataSource = app.get(DataSource);
  const dataSource = asThePlatform(serviceDataSource);
  return {
    app,
    base: `http://127.0.0.1:${listeningPort(app)}`,
    dataSource,
    serviceDataSource,
    bus: await EventsOnBus.open(config.NATS_URL, dataSource),
  };
}

/**
 * The service with every method run as the platform (unrestricted row-level security scope): how
 * the specs seed referrals, appointments and notices as the journey's activities would.
 */
export function asThePlatformService<T extends object>(service: T): T {
  return new Proxy(service, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        runUnrestricted(() => (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

/** `query` and `transaction` of the DataSource run with the unrestricted scope. */
function asThePlatform(dataSource: DataSource): DataSource {
  return new Proxy(dataSource, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property === 'query' || property === 'transaction') && typeof value === 'function')
        return (...args: unknown[]) =>
          runUnrestricted(() => (value as (...a: unknown[]) => unknown).apply(target, args));
      return value;
    },
  });
}

export const REFERRAL_AUDIENCE = 'urn:throughcare:referral';

/**
 * Headers for a request as an agency's system: a real client-credentials token from the
 * embedded identity provider (a client registered per agency on first use), or no
 * Authorization header when `agencyId` is undefined.
 */
export async function agencyHeaders(agencyId?: string): Promise<Record<string, string>> {
  return agencyId ? bearer({ roles: ['agency-system'], agencyId }, REFERRAL_AUDIENCE) : {};
}

/** GET and POST as an agency (its access token), or as nobody when `agencyId` is undefined. */
export function asAgency(base: () => string) {
  return {
    get: async (path: string, agencyId?: string) =>
      fetch(`${base()}${path}`, { headers: await agencyHeaders(agencyId) }),
    post: async (
      path: string,
      agencyId: string | undefined,
      body: unknown,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${base()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await agencyHeaders(agencyId)), ...headers },
        body: JSON.stringify(body),
      }),
  };
}

/** GET and POST as prison staff of `establishments` (their access token). */
export function asPrisonStaff(base: () => string) {
  const headers = (establishments: string[]) =>
    bearer({ roles: ['prison-staff'], establishments }, REFERRAL_AUDIENCE);
  return {
    get: async (path: string, establishments: string[]) =>
      fetch(`${base()}${path}`, { headers: await headers(establishments) }),
    post: async (path: string, body: unknown, establishments: string[], extra: Record<string, string> = {}) =>
      fetch(`${base()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await headers(establishments)), ...extra },
        body: JSON.stringify(body),
      }),
  };
}

/** problem+json as the specs read it. */
export interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/**
 * The referral app for a describe block: started before its tests, closed after, with GET and
 * POST as an agency. Read the parts inside tests or hooks (they exist once `beforeAll` has run).
 */
export function useReferralApp(config: ReferralConfig) {
  let started: ReferralApp | undefined;
  beforeAll(async () => {
    started = await startReferralApp(config);
  });
  afterAll(async () => {
    await started?.bus.close();
    await started?.app.close();
  });
  const running = (): ReferralApp => {
    if (!started) throw new Error('the referral app is not started (use it inside a test or hook)');
    return started;
  };
  return { running, ...asAgency(() => running().base) };
}
