import { type CollectSink, type JobClient, SluiceError, startJob } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const keyedSum = new URL('./fixtures/keyed-sum.job.ts', import.meta.url);
const sorted = (values: [number, number][]) => values.map((v) => v.join(':')).sort();

describe('worker-thread slots', () => {
  it('gives the same results on 1, 2 and 3 threads as in-process', async () => {
    const inProcess = await startJob<{ sink: CollectSink<[number, number]> }>(keyedSum, { parallelism: 4 });
    await inProcess.result;
    const expected = sorted(inProcess.built.sink.values);
    expect(expected.length).toBeGreaterThan(500);
    for (const [slots, crossThreadCodec] of [
      [2, 'structured-clone'],
      [3, 'structured-clone'],
      [2, 'json'],
    ] as const) {
      const job = await startJob<{ sink: CollectSink<[number, number]> }>(keyedSum, {
        parallelism: 4,
        slots,
        crossThreadCodec,
      });
      await job.result;
      expect(job.status()).toBe('FINISHED');
      expect(sorted(job.built.sink.values)).toEqual(expected);
    }
  }, 60_000);

  it('really runs subtasks on separate worker threads (and in the caller with one slot)', async () => {
    const threadsOf = async (slots: number) => {
      const job = await startJob<{ sink: CollectSink<string> }>(
        new URL('./fixtures/thread-ids.job.ts', import.meta.url),
        {
          parallelism: 2,
          slots,
        },
      );
      await job.result;
      return new Set(job.built.sink.values.map((v) => v.split('@')[1]));
    };
    const { threadId } = await import('node:worker_threads');
    expect(await threadsOf(1)).toEqual(new Set([String(threadId)]));
    const onTwo = await threadsOf(2);
    expect(onTwo.size).toBe(2);
    expect(onTwo.has(String(threadId))).toBe(false);
  }, 30_000);

  it('fails the job with the classified error of a worker', async () => {
    const job = await startJob(new URL('./fixtures/failing.job.ts', import.meta.url), { parallelism: 2, slots: 2 });
    await expect(job.result).rejects.toMatchObject({
      code: 'USER_FUNCTION_FAILED',
      message: expect.stringContaining('explode-on-two'),
    });
    expect(job.status()).toBe('FAILED');
  }, 60_000);

  it('cancels an unbounded job running on worker threads', async () => {
    const job = await startJob(new URL('./fixtures/unbounded.job.ts', import.meta.url), { parallelism: 2, slots: 2 });
    await new Promise((r) => setTimeout(r, 300));
    expect(job.status()).toBe('RUNNING');
    await job.cancel();
    expect(job.status()).toBe('CANCELED');
    await expect(job.result).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
  }, 30_000);

  it('refuses a module without a job', async () => {
    await expect(startJob(new URL('./remote-link.ts', import.meta.url))).rejects.toBeInstanceOf(SluiceError);
  });
});

describe('backpressure from a sink writer', () => {
  const slowSink = new URL('./fixtures/slow-sink.job.ts', import.meta.url);
  const gauge = (job: Pick<JobClient, 'metrics'>, name: string) =>
    job
      .metrics()
      .operators.flatMap((o) => o.custom)
      .filter((s) => s.name === name)
      .map((s) => s.value);

  // Without backpressure the generator (millions of records/s) would fill the writers' buffers
  // with most of the 100,000 records, since they drain about 100 records per ms.
  it.each([
    [1, 1, 2_000],
    [2, 2, 40_000],
  ])(
    'parallelism %i on %i thread(s): the writer stays near its limit (most buffered < %i) and every record arrives',
    async (parallelism, slots, bound) => {
      const job = await startJob(slowSink, { parallelism, slots, params: { count: 100_000 } });
      await job.result;
      const acked = gauge(job, 'slow_sink_acked');
      expect(acked).toHaveLength(parallelism);
      expect(acked.reduce((a, b) => a + b, 0)).toBe(100_000);
      const most = Math.max(...gauge(job, 'slow_sink_max_buffered'));
      expect(most).toBeGreaterThanOrEqual(500);
      expect(most).toBeLessThan(bound);
    },
    60_000,
  );
});
