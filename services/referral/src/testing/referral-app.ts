import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { bearer } from '@throughcare/testing';
import { AppModule } from '../app.module';
import type { ReferralConfig } from '../config';
import { EventsOnBus } from './events-on-bus';

export interface ReferralApp {
  app: NestFastifyApplication;
  base: string;
  dataSource: DataSource;
  bus: EventsOnBus;
}

/** Integration specs: the whole referral app on a free port, and a reader of what it published. */
export async function startReferralApp(config: ReferralConfig): Promise<ReferralApp> {
  const app = await bootstrapService({
    module: AppModule.forRoot(config),
    name: 'referral',
    port: 0,
    logLevels: ['error'],
  });
  const dataSource = app.get(DataSource);
  return {
    app,
    base: `http://127.0.0.1:${listeningPort(app)}`,
    dataSource,
    bus: await EventsOnBus.open(config.NATS_URL, dataSource),
  };
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
