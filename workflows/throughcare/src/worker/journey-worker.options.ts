export const JOURNEY_WORKER_OPTIONS = Symbol('JOURNEY_WORKER_OPTIONS');
export interface JourneyWorkerOptions {
  bundlePath?: string;
}
