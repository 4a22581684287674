import { defaultPayloadConverter } from '@temporalio/common';
import { causeOf, correlationOfBaggage, deterministicSpanId, TRACE_HEADER } from './tracing.interceptors';

describe('the journeys’ replay-safe trace interceptor', () => {
  it('derives span ids from the run and the message’s place alone: the same on replay, distinct otherwise, never zero', () => {
    const ids = new Set<string>();
    for (const run of ['a1b2', 'c3d4', '00000000-0000-4000-8000-000000000000'])
      for (let seq = 1; seq <= 200; seq++) {
        const id = deterministicSpanId(`${run}:${seq}`);
        expect(id).toMatch(/^[0-9a-f]{16}$/);
        expect(id).not.toBe('0000000000000000');
        expect(deterministicSpanId(`${run}:${seq}`)).toBe(id);
        ids.add(id);
      }
    expect(ids.size).toBe(600);
  });

  it('reads the W3C trace context and baggage the OpenTelemetry client interceptor puts in the header, and nothing else', () => {
    const header = (carrier: unknown) => ({ [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier)! });
    expect(
      causeOf(
        header({
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          baggage: 'throughcare.correlation_id=case-42',
        }),
      ),
    ).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      baggage: 'throughcare.correlation_id=case-42',
    });
    expect(causeOf(undefined)).toBeUndefined();
    expect(causeOf({})).toBeUndefined();
    expect(causeOf(header({ traceparent: 'not-a-traceparent' }))).toBeUndefined();
    expect(causeOf(header('a string'))).toBeUndefined();
    expect(
      causeOf({ [TRACE_HEADER]: { metadata: { encoding: new TextEncoder().encode('binary/garbage') } } }),
    ).toBeUndefined();
  });

  it('reads the correlation id out of the baggage it carries, and nothing else', () => {
    expect(correlationOfBaggage('throughcare.correlation_id=case-42')).toBe('case-42');
    expect(correlationOfBaggage('a=1, throughcare.correlation_id = hmpps%3Aabc ;prop, b=2')).toBe(
      'hmpps:abc',
    );
    expect(correlationOfBaggage('user.email=x%40y, a=1')).toBeUndefined();
    expect(correlationOfBaggage('xthroughcare.correlation_id=nope')).toBeUndefined();
    expect(correlationOfBaggage('throughcare.correlation_id=%E0%A4%A')).toBeUndefined();
    expect(correlationOfBaggage(undefined)).toBeUndefined();
  });
});
