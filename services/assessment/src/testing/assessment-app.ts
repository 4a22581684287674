import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { bearer, type TestPrincipal } from '@throughcare/testing';
import { AppModule } from '../app.module';
import { createAssessmentActivities } from '../assessments/assessment.activities';
import { AssessmentsService } from '../assessments/assessments.service';
import { loadAssessmentConfig } from '../config';

export const specConfig = loadAssessmentConfig({ ...process.env, PORT: '0' });

export interface AssessmentApp {
  app: NestFastifyApplication;
  activities: ReturnType<typeof createAssessmentActivities>;
  /** http://127.0.0.1:<port> */
  base: string;
  /** A request with a JSON body (when given) and a real access token for `as`. */
  call(method: string, path: string, as: TestPrincipal, body?: unknown): Promise<Response>;
}

/** Boots the assessment service on a free port for a spec file (beforeAll) and closes it after (afterAll). */
export function useAssessmentApp(): AssessmentApp {
  const harness = {} as AssessmentApp;
  beforeAll(async () => {
    harness.app = await bootstrapService({
      module: AppModule.forRoot(specConfig),
      name: 'assessment',
      port: 0,
      logLevels: ['error'],
    });
    harness.base = `http://127.0.0.1:${listeningPort(harness.app)}`;
    harness.activities = createAssessmentActivities(harness.app.get(AssessmentsService));
  });
  afterAll(async () => {
    await harness.app?.close();
  });
  harness.call = async (method, path, as, body) =>
    fetch(`${harness.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(await bearer(as, 'urn:throughcare:assessment')),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return harness;
}
