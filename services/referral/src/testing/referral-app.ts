import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
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

/** GET and POST as an agency (the `x-agency-id` header), or as nobody when `agencyId` is undefined. */
export function asAgency(base: () => string) {
  const agency = (agencyId?: string): Record<string, string> => (agencyId ? { 'x-agency-id': agencyId } : {});
  return {
    get: (path: string, agencyId?: string) => fetch(`${base()}${path}`, { headers: agency(agencyId) }),
    post: (path: string, agencyId: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...agency(agencyId), ...headers },
        body: JSON.stringify(body),
      }),
  };
}
