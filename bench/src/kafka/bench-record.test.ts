import { describe, expect, it } from 'vitest';
import { BENCH_RECORD_BYTES, type BenchPayment, benchValue } from './bench-record.ts';

describe('benchValue', () => {
  it('is the JSON of the payment, padded to exactly 200 bytes', () => {
    for (const [id, ts] of [
      [0, 1],
      [7, 1_764_000_000_000.123],
      [97_331, 1_764_000_000_000.5],
      [123_456_789, 1_764_000_001_234.0625],
    ] as const) {
      const bytes = benchValue(id, ts);
      expect(bytes.length).toBe(BENCH_RECORD_BYTES);
      const parsed = JSON.parse(bytes.toString('utf8')) as BenchPayment;
      expect(parsed).toEqual({
        id,
        card: `card-${id % 10_000}`,
        amount: (id % 97_331) / 100,
        currency: 'EUR',
        ts,
        pad: 'x'.repeat(parsed.pad.length),
      });
    }
  });
});
