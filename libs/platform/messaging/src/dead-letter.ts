/** Headers set on every dead-lettered message; the body is the original payload, unchanged. */
export const DlqHeaders = {
  reason: 'Throughcare-Dlq-Reason',
  code: 'Throughcare-Dlq-Code',
  consumer: 'Throughcare-Dlq-Consumer',
  originalSubject: 'Throughcare-Dlq-Original-Subject',
  originalStream: 'Throughcare-Dlq-Original-Stream',
  originalSequence: 'Throughcare-Dlq-Original-Seq',
  deliveryCount: 'Throughcare-Dlq-Delivery-Count',
  /** Handler attempts made in the consumer process that gave up (in-process retries). */
  attempts: 'Throughcare-Dlq-Attempts',
  /** The original message's headers (Nats-Msg-Id included), as one line of JSON: `{name: [values]}`. */
  originalHeaders: 'Throughcare-Dlq-Original-Headers',
  deadLetteredAt: 'Throughcare-Dlq-At',
} as const;

/** Codes for rejections decided by the consumer itself (handlers' codes pass through as they are). */
export const DlqCodes = {
  retriesExhausted: 'RETRIES_EXHAUSTED',
  /** A consumer's own parser (`parse`) threw on the body. */
  parseFailed: 'PARSE_FAILED',
} as const;

/** `1 h 2 min`, `40 s`, `250 ms`: how long a message was retried, for reasons operators read. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', !h && rest ? `${rest} s` : ''].filter(Boolean).join(' ');
}

/** NATS header values are single-line; keep reasons readable and bounded. */
export function headerSafe(text: string, max = 1000): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
