/**
 * A span a workflow finished, handed to its worker through the `journeyTracing` sink as plain
 * data (it crosses out of the workflow isolate); the worker exports it like any other span
 * (platform-observability's `exportFinishedSpan`).
 */
export interface FinishedSpanRecord {
  name: string;
  /** W3C ids, lower-case hex: 32 and 16 digits. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceFlags: number;
  /** Epoch milliseconds (workflow time inside a workflow). */
  startMs: number;
  endMs: number;
  failed: boolean;
  attributes: Record<string, string | number | boolean>;
}
