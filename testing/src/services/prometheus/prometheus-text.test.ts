import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';

const TEXT = `# HELP http_requests_total Requests, by "code".
# TYPE http_requests_total counter
http_requests_total{code="200",path="/a \\"b\\"\\\\c"} 1027 1395066363000
http_requests_total{code="400"} 3
# HELP lag_seconds Lag.
# TYPE lag_seconds gauge
lag_seconds NaN
lag_seconds_max{x="y",} +Inf
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="+Inf"} 2
latency_seconds_sum 0.35
latency_seconds_count 2
untyped_thing -1.5e3
`;

describe('parsePrometheusText', () => {
  const families = parsePrometheusText(TEXT);

  it('reads types, help, labels (with escapes), values and timestamps', () => {
    const requests = families.get('http_requests_total');
    expect(requests).toMatchObject({ type: 'counter', help: 'Requests, by "code".' });
    expect(requests?.samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { code: '200', path: '/a "b"\\c' },
      value: 1027,
      timestampMs: 1395066363000,
    });
    expect(sampleValue(families, 'http_requests_total', { code: '400' })).toBe(3);
    expect(Number.isNaN(sampleValue(families, 'lag_seconds'))).toBe(true);
    expect(sampleValue(families, 'lag_seconds_max', { x: 'y' })).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(families, 'untyped_thing')).toBe(-1500);
    expect(families.get('untyped_thing')?.type).toBe('untyped');
  });

  it('groups histogram samples under their family', () => {
    const latency = families.get('latency_seconds');
    expect(latency?.type).toBe('histogram');
    expect(latency?.samples.map((s) => s.name)).toEqual([
      'latency_seconds_bucket',
      'latency_seconds_bucket',
      'latency_seconds_sum',
      'latency_seconds_count',
    ]);
    expect(families.has('latency_seconds_sum')).toBe(false);
  });

  it('refuses ambiguous lookups and malformed lines', () => {
    expect(() => sampleValue(families, 'http_requests_total')).toThrow(/2 samples/);
    expect(() => parsePrometheusText('x{a="1"} one')).toThrow(/bad value/);
    expect(() => parsePrometheusText('x{a=1} 1')).toThrow(/="value"/);
    expect(() => parsePrometheusText('x{a="1} 1')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('# TYPE x meter')).toThrow(/unknown type/);
    expect(() => parsePrometheusText('x 1\n# TYPE x gauge')).toThrow(/TYPE after samples/);
  });
});
