/** Headers set on every dead-lettered message; the body is the original payload, unchanged. */
export const DlqHeaders = {
  reason: 'Throughcare-Dlq-Reason',
  code: 'Throughcare-Dlq-Code',
  consumer: 'Throughcare-Dlq-Consumer',
  originalSubject: 'Throughcare-Dlq-Original-Subject',
  originalStream: 'Throughcare-Dlq-Original-Stream',
  originalSequence: 'Throughcare-Dlq-Original-Seq',
  deliveryCount: 'Throughcare-Dlq-Delivery-Count',
} as const;

/** Codes for rejections decided by the consumer itself (handlers' codes pass through as they are). */
export const DlqCodes = {
  retriesExhausted: 'RETRIES_EXHAUSTED',
} as const;

/** NATS header values are single-line; keep reasons readable and bounded. */
export function headerSafe(text: string, max = 1000): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
