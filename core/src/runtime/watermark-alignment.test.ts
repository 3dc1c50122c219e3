import { type CollectSink, SluiceError, startJob, WatermarkStrategy } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const job = new URL('./threads/fixtures/aligned-sources.job.ts', import.meta.url);
const COUNT = 40_000;

/** Runs the fixture; returns the largest event-time lead of the fast subtask seen downstream. */
async function maxSkew(slots: number, align: boolean): Promise<number> {
  const client = await startJob<{ sink: CollectSink<number> }>(job, {
    parallelism: 2,
    slots,
    crossThreadCodec: 'json',
    params: { align, count: COUNT },
  });
  await client.result;
  const skews = client.built.sink.values;
  // Alignment changes when records are read, never which: every record reaches the consumer.
  expect(skews).toHaveLength(COUNT);
  return skews.reduce((a, b) => Math.max(a, b), 0);
}

describe('watermark alignment (WatermarkStrategy.withWatermarkAlignment)', () => {
  // Without alignment the fast subtask ends ~49 × 20,000 ms ahead; with it, at most the drift
  // (1,000) plus one poll of the fast subtask (64 records × 100 ms). Across threads the slow
  // subtask's records and reports share one ordered link, so the consumer sees the same bound.
  it.each([
    ['in one task loop', 1],
    ['on different worker threads, through reports', 2],
  ])(
    'keeps a fast source subtask within the drift of the slow one %s',
    async (_where, slots) => {
      const unaligned = await maxSkew(slots, false);
      const aligned = await maxSkew(slots, true);
      expect(unaligned).toBeGreaterThan(500_000);
      expect(aligned).toBeLessThanOrEqual(10_000);
    },
    60_000,
  );

  it('rejects settings that cannot work, and keeps them through the other with-methods', () => {
    const base = WatermarkStrategy.forMonotonousTimestamps<{ t: number }>();
    expect(() => base.withWatermarkAlignment('', 1_000)).toThrow(SluiceError);
    expect(() => base.withWatermarkAlignment('g', -1)).toThrow(/maxAllowedDriftMs/);
    expect(() => base.withWatermarkAlignment('g', 1_000, 0)).toThrow(/updateIntervalMs/);
    const aligned = base
      .withWatermarkAlignment('g', 2_000)
      .withTimestampAssigner((e) => e.t)
      .withIdleness(5_000);
    expect(aligned.alignment).toEqual({ group: 'g', maxAllowedDriftMs: 2_000, updateIntervalMs: 1_000 });
    expect(aligned.idleTimeoutMs).toBe(5_000);
    expect(base.alignment).toBeUndefined();
  });
});
