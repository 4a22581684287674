import { parsePrometheusText, sampleSum, sampleValue } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads samples with escaped label values, skips comments, and sums or picks by labels', () => {
    const samples = parsePrometheusText(
      [
        '# HELP x_total a counter',
        '# TYPE x_total counter',
        'x_total{source="outbox"} 2',
        'x_total{source="a \\"quoted\\" \\\\ value",other="b"} 3',
        'up 1 1700000000000',
        'h_bucket{le="+Inf"} 7',
        'g NaN',
        'g_prom_client Nan',
        'g_neg -Inf',
        'g_inf +Inf',
        '',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'x_total', labels: { source: 'outbox' }, value: 2 },
      { name: 'x_total', labels: { source: 'a "quoted" \\ value', other: 'b' }, value: 3 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'g', labels: {}, value: NaN },
      { name: 'g_prom_client', labels: {}, value: NaN },
      { name: 'g_neg', labels: {}, value: -Infinity },
      { name: 'g_inf', labels: {}, value: Infinity },
    ]);
    expect(sampleSum(samples, 'x_total')).toBe(5);
    expect(sampleValue(samples, 'x_total', { source: 'outbox' })).toBe(2);
    expect(sampleValue(samples, 'x_total', { source: 'none' })).toBeUndefined();
    expect(() => sampleValue(samples, 'x_total')).toThrow('2 samples');
  });

  it('refuses a line that is not a sample', () => {
    expect(() => parsePrometheusText('x_total{source="a} 1')).toThrow('malformed labels');
    expect(() => parsePrometheusText('{source="a"} 1')).toThrow('not a sample line');
    expect(() => parsePrometheusText('x_total{source=a} 1')).toThrow('malformed labels');
    expect(() => parsePrometheusText('x_total one')).toThrow('not a number');
  });
});
