import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectSink,
  type Collector,
  FsCheckpointStorage,
  type JobClient,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  QueueSource,
  type QueueSplit,
  RestartStrategies,
  type ReaderOutput,
  type RestoreFrom,
  SluiceError,
  type SourceReaderContext,
  startJob,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-queue-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Running total per key in keyed state: the last total shows whether each value counted exactly once. */
class RunningTotal implements KeyedProcessFunction<string, number, number> {
  private total!: ValueState<number>;
  private readonly failOn: { value: number | undefined };
  constructor(failOn: { value: number | undefined } = { value: undefined }) {
    this.failOn = failOn;
  }
  open(ctx: KeyedRuntimeContext): void {
    this.total = ctx.getState(new ValueStateDescriptor<number>('total'));
  }
  processElement(value: number, _ctx: KeyedProcessContext<string>, out: Collector<number>): void {
    if (value === this.failOn.value) {
      this.failOn.value = undefined; // once
      throw new SluiceError('USER_FUNCTION_FAILED', `injected failure at ${value}`);
    }
    const total = (this.total.value() ?? 0) + value;
    this.total.update(total);
    out.collect(total);
  }
}

function totals(
  queue: QueueSource<number>,
  options: { storage?: string; restoreFrom?: RestoreFrom; failOn?: { value: number | undefined } } = {},
): { client: JobClient; sink: CollectSink<number> } {
  const env = StreamExecutionEnvironment.create();
  if (options.storage !== undefined) {
    env
      .enableCheckpointing(20, { storage: new FsCheckpointStorage({ directory: options.storage }) })
      .setRestartStrategy(RestartStrategies.fixedDelay(2, 10));
    if (options.restoreFrom !== undefined) env.setRestoreFrom(options.restoreFrom);
  }
  const sink = new CollectSink<number>();
  env
    .fromSource(queue, WatermarkStrategy.noWatermarks<number>(), 'numbers')
    .keyBy(() => 'all')
    .process('total', new RunningTotal(options.failOn))
    .uid('total')
    .sinkTo(sink, 'totals');
  return { client: env.executeAsync('queue-totals'), sink };
}

const readerContext = (checkpointing: boolean): SourceReaderContext => ({
  subtaskIndex: 0,
  parallelism: 1,
  now: () => 0,
  sleepUntil: () => new Promise(() => {}),
  metrics: { counter: () => ({ inc() {}, value: 0 }), gauge() {} },
  checkpointing,
});

function collectingOutput(into: number[]): ReaderOutput<number> {
  const split = { collect: (v: number) => into.push(v) };
  return { ...split, forSplit: () => split, releaseSplit() {} };
}

describe('QueueSource', () => {
  it('delivers pushed values to the running job in push order; end() finishes it', async () => {
    const queue = new QueueSource<number>();
    const { client, sink } = totals(queue);
    queue.push(1);
    queue.push(2);
    await vi.waitFor(() => expect(sink.values).toEqual([1, 3]));
    expect(client.status()).toBe('RUNNING');
    queue.push(3);
    queue.end();
    await client.result;
    expect(sink.values).toEqual([1, 3, 6]);
    expect(queue.backlog).toBe(0);
    expect(() => queue.push(4)).toThrow(SluiceError);
  });

  it('pushed values drive event time: windows fire while the source runs, without withIdleness', async () => {
    const queue = new QueueSource<{ sensor: string; t: number }>();
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    env
      .fromSource(
        queue,
        WatermarkStrategy.forMonotonousTimestamps<{ sensor: string; t: number }>().withTimestampAssigner((r) => r.t),
        'readings',
      )
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(1000))
      .process<string>('count-per-second', {
        process(key, ctx, readings, out) {
          out.collect(`${key} ${ctx.window.start} ${[...readings].length}`);
        },
      })
      .sinkTo(sink, 'counts');
    const client = env.executeAsync('queue-event-time');
    for (const t of [10, 400, 999, 1500]) queue.push({ sensor: 'a', t });
    // The reading at 1500 moves the watermark to 1499: the first window fires with the source still open.
    await vi.waitFor(() => expect(sink.values).toEqual(['a 0 3']));
    expect(client.status()).toBe('RUNNING');
    queue.end();
    await client.result;
    expect(sink.values).toEqual(['a 0 3', 'a 1000 1']);
  });

  it('keeps pushed-but-not-emitted values in the reader snapshot; a restored reader emits them first', () => {
    const source = new QueueSource<number>();
    const reader = source.createReader(readerContext(true));
    reader.addSplits([{ splitId: 'queue', logId: 'earlier-process', nextSeq: 7, pending: [] }]);
    const first: number[] = [];
    source.push(1);
    expect(reader.pollNext(collectingOutput(first))).toBe('nothing-available');
    source.push(2);
    source.push(3);
    expect(source.backlog).toBe(2);
    const [split] = reader.snapshotState(1) as QueueSplit<number>[];
    expect(split?.pending).toEqual([2, 3]);
    expect(first).toEqual([1]);

    // A new process: a new QueueSource, values pushed before the restore come after the restored ones.
    const next = new QueueSource<number>();
    next.push(4);
    const restored = next.createReader(readerContext(true));
    restored.addSplits([split as QueueSplit<number>]);
    const out: number[] = [];
    restored.pollNext(collectingOutput(out));
    expect(out).toEqual([2, 3, 4]);
  });

  it('a job stopped with a savepoint resumes from it with the values pushed meanwhile, nothing twice', async () => {
    const storage = tempDir();
    const queue = new QueueSource<number>();
    const first = totals(queue, { storage });
    for (const n of [1, 2, 3]) queue.push(n);
    await vi.waitFor(() => expect(first.sink.values.at(-1)).toBe(6));
    const savepoint = await first.client.stopWithSavepoint();
    expect(first.client.status()).toBe('FINISHED');

    const next = new QueueSource<number>();
    next.push(10); // before the job even started: kept
    const resumed = totals(next, { storage, restoreFrom: 'latest' });
    next.push(20);
    next.end();
    await resumed.client.result;
    expect(resumed.client.metrics().checkpoints.restoredFrom).toBe(savepoint.checkpointId);
    expect(resumed.sink.values).toEqual([16, 36]);
  });

  it('after a failure in the same process, replays what was pushed after the restored checkpoint exactly once', async () => {
    const queue = new QueueSource<number>();
    const failOn = { value: 1_000 as number | undefined };
    const { client, sink } = totals(queue, { storage: tempDir(), failOn });
    for (let n = 1; n <= 100; n++) queue.push(n);
    await vi.waitFor(() => expect(client.metrics().checkpoints.completed).toBeGreaterThan(0));
    for (let n = 101; n <= 200; n++) queue.push(n);
    queue.push(1_000); // fails the job once; it restarts from its latest checkpoint
    for (let n = 201; n <= 300; n++) queue.push(n);
    queue.end();
    await client.result;
    expect(client.metrics().checkpoints.restoredFrom).toBeGreaterThan(0);
    expect(sink.values.at(-1)).toBe((300 * 301) / 2 + 1_000);
    expect(queue.backlog).toBe(0);
  });

  it('without checkpointing, drops what the job emitted', () => {
    const source = new QueueSource<number>();
    const reader = source.createReader(readerContext(false));
    for (const split of [{ splitId: 'queue', logId: 'x', nextSeq: 0, pending: [] }]) reader.addSplits([split]);
    for (let n = 0; n < 5_000; n++) source.push(n);
    const out: number[] = [];
    while (reader.pollNext(collectingOutput(out)) === 'more-available');
    expect(out).toHaveLength(5_000);
    expect(source.backlog).toBe(0);
    expect(reader.snapshotState(1)).toEqual([
      { splitId: 'queue', logId: expect.any(String), nextSeq: 5_000, pending: [] },
    ]);
  });

  it('is rejected on worker threads, saying to use slots: 1', async () => {
    await expect(
      startJob(new URL('./fixtures/queue.job.ts', import.meta.url), { parallelism: 2, slots: 2 }),
    ).rejects.toThrow(/QueueSource.*slots: 1/);
    const job = await startJob<{ queue: QueueSource<number>; sink: CollectSink<number> }>(
      new URL('./fixtures/queue.job.ts', import.meta.url),
      { slots: 1 },
    );
    job.built.queue.push(42);
    job.built.queue.end();
    await job.result;
    expect(job.built.sink.values).toEqual([42]);
  });
});
