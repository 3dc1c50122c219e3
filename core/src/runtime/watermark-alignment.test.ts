import { CollectSink, SluiceError, StreamExecutionEnvironment, startJob, WatermarkStrategy } from '@sluice/core';
import { describe, expect, it, vi } from 'vitest';
import { unboundedSplitSource } from '../connectors/fixtures/unbounded-split-source.ts';

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

  it('does not hold a group back for a subtask that has no split (more subtasks than partitions)', async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const sink = new CollectSink<number>();
    env
      .fromSource(
        // One split, for subtask 0; subtask 1 gets none and is never told there are no more
        // (as a Kafka source with more subtasks than partitions).
        unboundedSplitSource({
          splitsOf: (subtask) => (subtask === 0 ? ['only'] : []),
          recordsOf: () => Array.from({ length: 1_000 }, (_, i) => i * 100),
          batch: 64,
        }),
        WatermarkStrategy.forMonotonousTimestamps<number>()
          .withTimestampAssigner((t) => t)
          .withWatermarkAlignment('one-split', 1_000, 1),
        'one-split',
      )
      .sinkTo(sink, 'collect');
    const client = env.executeAsync('split-less subtask');
    try {
      // 1,000 records span 100,000 ms of event time: a group held at the split-less subtask's
      // MIN_WATERMARK would stop subtask 0 after its first poll past the 1,000 ms drift.
      await vi.waitFor(() => expect(sink.values).toHaveLength(1_000), { timeout: 10_000 });
    } finally {
      await client.cancel();
    }
  });

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
