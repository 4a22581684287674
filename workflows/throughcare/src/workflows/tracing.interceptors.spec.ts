import { defaultPayloadConverter } from '@temporalio/common';
import { causeOf, deterministicSpanId, TRACE_HEADER } from './tracing.interceptors';

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
});
