export { requireEnv } from './env';
export { createScratchDatabase, type ScratchDatabase } from './databases';
export { createTimeSkippingTestEnv, mockActivityEnvironment } from './temporal';
export { freePort, startApp, type AppProcess } from './app-processes';
export { testDataConverter, withSpecWorker, type SpecWorker, type SpecWorkflowTarget } from './spec-worker';
export {
  adminClient,
  bearer,
  clientToken,
  testIdentity,
  type IdentityTarget,
  registerClient,
  type RegisteredClient,
  type TestPrincipal,
} from './identity';
export {
  browse,
  CookieJar,
  createStaff,
  follow,
  formAction,
  hiddenInputs,
  type StaffAccount,
} from './browser';
export { oddValues } from './fuzz-values';
export { seededRandom } from './seeded-random';
export { launchChromium } from './chromium';
export {
  verifyWebhook,
  WebhookReceiver,
  type ReceivedWebhook,
  type VerifiedWebhook,
} from './webhook-receiver';
export * from './openapi-examples';
export {
  answerForNeeds,
  answersGiving,
  answersNeeding,
  type AssessmentCall,
  type ServedQuestions,
  type WantedStatus,
} from './assessment-answers';
export { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export {
  parsePrometheusText,
  PERSON_ID_PATTERN,
  sampleSum,
  samplesOf,
  sampleValue,
  type PromSample,
} from './prometheus-text';
