/**
 * JetStream layout. Every event is published on `throughcare.events.<eventType>` into one
 * stream; rejected events go to the dead-letter stream with the reason in headers and body.
 */
export const Streams = {
  events: { name: 'THROUGHCARE_EVENTS', subjects: ['throughcare.events.>'] },
  deadLetter: { name: 'THROUGHCARE_DLQ', subjects: ['throughcare.dlq.>'] },
} as const;

export function subjectFor(eventType: string): string {
  return `throughcare.events.${eventType}`;
}

export function deadLetterSubjectFor(consumer: string): string {
  return `throughcare.dlq.${consumer}`;
}
