import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Committer,
  DataGeneratorSource,
  FsCheckpointStorage,
  KAFKA_SINK_METRICS,
  KafkaClientError,
  type KafkaClientLibrary,
  type KafkaDeliveryGuarantee,
  KafkaSink,
  type KafkaSinkCommittable,
  type PrecommittingSinkWriter,
  type SinkWriterContext,
  SluiceError,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubtaskMetricGroup } from '../../../api/metrics.ts';
import { bootstrap, KafkaSinkKit, unique } from './fixtures/kafka-sink-kit.ts';

const libraries: KafkaClientLibrary[] = ['platformatic', 'kafkajs'];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sorted = (values: readonly string[]) => [...values].sort();

interface Order {
  readonly id: number;
  readonly customer: string;
}

/** Drives one sink subtask by hand, as SinkOperator would (writer, committer, restore context). */
function subtask(sink: KafkaSink<string>, ctx: Partial<SinkWriterContext> = {}) {
  const full: SinkWriterContext = {
    subtaskIndex: 0,
    parallelism: 1,
    operatorUid: 'kafka-out',
    metrics: new SubtaskMetricGroup(ctx.subtaskIndex ?? 0),
    ...ctx,
  };
  const writer = sink.createWriter(full) as PrecommittingSinkWriter<string, KafkaSinkCommittable>;
  const committer = sink.createCommitter(full) as Committer<KafkaSinkCommittable> & { close(): Promise<void> };
  return { writer, committer, metrics: full.metrics as SubtaskMetricGroup };
}

function epoch(sink: KafkaSink<string>, checkpointId: number, values: readonly string[], writer = 0) {
  const { writer: w } = subtask(sink, { subtaskIndex: writer });
  for (const v of values) w.write(v, 0);
  return w.prepareCommit(checkpointId);
}

describe.skipIf(bootstrap.length === 0).each(libraries)('KafkaSink on %s', (library) => {
  let kit: KafkaSinkKit;
  beforeAll(async () => {
    kit = await new KafkaSinkKit(library).open();
  });
  afterAll(() => kit.close());

  it.each<KafkaDeliveryGuarantee>(['none', 'at-least-once', 'exactly-once'])(
    '%s: a checkpointed job delivers every record (keyed, 3 partitions) and counts them',
    async (deliveryGuarantee) => {
      const topic = await kit.topic(3);
      const count = 1_500;
      const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-sink-'));
      dirs.push(dir);
      const env = StreamExecutionEnvironment.create({ parallelism: 2 });
      env.enableCheckpointing(40, { storage: new FsCheckpointStorage({ directory: dir }) });
      env
        .fromSource(
          new DataGeneratorSource<Order>({
            count,
            recordsPerSecond: 6_000,
            generate: (id) => ({ id, customer: `c${id % 17}` }),
          }),
          WatermarkStrategy.noWatermarks<Order>(),
          'orders',
        )
        .sinkTo(
          new KafkaSink<Order>({
            bootstrapServers: bootstrap,
            topic,
            key: (o) => o.customer,
            headers: (o) => ({ parity: o.id % 2 === 0 ? 'even' : 'odd' }),
            deliveryGuarantee,
            transactionalIdPrefix: unique('orders-sink'),
            client: { library },
          }),
          'orders-kafka',
        );
      const client = env.executeAsync('kafka-sink-delivery');
      await client.result;
      const records = await kit.readAtLeast(topic, count);
      expect(sorted(records.map((r) => r.value?.toString() ?? ''))).toEqual(
        sorted(Array.from({ length: count }, (_, id) => JSON.stringify({ id, customer: `c${id % 17}` }))),
      );
      // A key's records share a partition; headers arrive.
      const partitionOf = new Map<string, number>();
      for (const r of records) {
        const key = r.key?.toString() as string;
        expect(partitionOf.get(key) ?? r.partition).toBe(r.partition);
        partitionOf.set(key, r.partition);
        const id = (JSON.parse(r.value?.toString() ?? '{}') as Order).id;
        expect(r.headers.map((h) => `${h.key}=${h.value.toString()}`)).toEqual([
          `parity=${id % 2 === 0 ? 'even' : 'odd'}`,
        ]);
      }
      expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
      const samples = client.metrics().operators.flatMap((o) => o.custom);
      const total = (name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
      expect(total(KAFKA_SINK_METRICS.recordsOut)).toBe(count);
      expect(total(KAFKA_SINK_METRICS.bytesOut)).toBeGreaterThan(count * 20);
      if (deliveryGuarantee === 'exactly-once') {
        expect(total(KAFKA_SINK_METRICS.commits)).toBeGreaterThan(0);
        expect(samples.some((s) => s.name === KAFKA_SINK_METRICS.commitSeconds && s.value > 0)).toBe(true);
      }
    },
  );

  it.each<KafkaDeliveryGuarantee>(['none', 'at-least-once'])(
    '%s: a full buffer pauses the sources (backpressure) and every record still arrives',
    async (deliveryGuarantee) => {
      const topic = await kit.topic(1);
      const count = 5_000;
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      env
        .fromSource(
          new DataGeneratorSource<Order>({ count, generate: (id) => ({ id, customer: `c${id % 17}` }) }),
          WatermarkStrategy.noWatermarks<Order>(),
          'orders',
        )
        .sinkTo(
          new KafkaSink<Order>({
            bootstrapServers: bootstrap,
            topic,
            deliveryGuarantee,
            maxBufferedBytes: 4_096, // ~140 records: the generator outruns the broker at once
            client: { library },
          }),
          'orders-kafka',
        );
      const client = env.executeAsync('kafka-sink-backpressure');
      await client.result;
      const records = await kit.readAtLeast(topic, count);
      expect(records.map((r) => (JSON.parse(r.value?.toString() ?? '{}') as Order).id)).toEqual(
        Array.from({ length: count }, (_, id) => id),
      );
      const samples = client.metrics().operators.flatMap((o) => o.custom);
      const value = (name: string) => samples.find((s) => s.name === name)?.value;
      expect(value(KAFKA_SINK_METRICS.backpressurePauses)).toBeGreaterThan(0);
      expect(value(KAFKA_SINK_METRICS.bufferedBytes)).toBe(0);
    },
  );

  it.each<KafkaDeliveryGuarantee>(['at-least-once', 'exactly-once'])(
    '%s: a backlog of 300-byte records into one partition goes out in requests below the broker limit (regression: MESSAGE_TOO_LARGE)',
    async (deliveryGuarantee) => {
      const topic = await kit.topic(1);
      const count = 12_000; // 5 000 records (the default maxBatchRecords) of 300 bytes exceed 1 MiB
      const value = (i: number) => `${String(i).padStart(8, '0')}${'x'.repeat(292)}`;
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      env
        .fromSource(
          new DataGeneratorSource({ count, generate: value }),
          WatermarkStrategy.noWatermarks<string>(),
          'big',
        )
        .sinkTo(
          new KafkaSink<string>({
            bootstrapServers: bootstrap,
            topic,
            serializer: 'string',
            deliveryGuarantee,
            transactionalIdPrefix: unique('big-sink'),
            client: { library },
          }),
          'big-kafka',
        );
      await env.execute('kafka-sink-big-records');
      const records = await kit.readAtLeast(topic, count);
      expect(records.map((r) => r.value?.toString() ?? '')).toEqual(Array.from({ length: count }, (_, i) => value(i)));
    },
  );

  it('exactly-once: a zombie with the same transactional id is fenced, and its open transaction does not block readers', async () => {
    const topic = await kit.topic(1);
    const prefix = unique('fence');
    const sink = new KafkaSink<string>({
      bootstrapServers: bootstrap,
      topic,
      serializer: 'string',
      deliveryGuarantee: 'exactly-once',
      transactionalIdPrefix: prefix,
      client: { library },
    });
    // A crashed attempt of subtask 0 left a transaction open (and its producer may still be alive).
    const zombie = await kit.openTransaction(`${prefix}-0`, topic, ['zombie-1', 'zombie-2']);
    const restarted = subtask(sink, { restoredCheckpointId: 3, restoredParallelism: 1 });
    try {
      await restarted.committer.recover?.();
      const error = await zombie.commitTransaction().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KafkaClientError);
      expect((error as KafkaClientError).kind).toBe('PRODUCER_FENCED');
      await restarted.committer.commit(epoch(sink, 4, ['a', 'b']));
      // read_committed reaches the new records: the zombie's transaction was aborted, not left open.
      expect(await kit.valuesAtLeast(topic, 2)).toEqual(['a', 'b']);
      expect(await kit.values(topic, 'read_uncommitted')).toEqual(['zombie-1', 'zombie-2', 'a', 'b']);
    } finally {
      await restarted.committer.close();
    }
  });
});

describe.skipIf(bootstrap.length === 0)('KafkaSink at-least-once and none', () => {
  let kit: KafkaSinkKit;
  beforeAll(async () => {
    kit = await new KafkaSinkKit().open();
  });
  afterAll(() => kit.close());

  const writerOf = (sink: KafkaSink<string>) => {
    const ctx = { subtaskIndex: 0, parallelism: 1, operatorUid: 'out', metrics: new SubtaskMetricGroup(0) };
    return sink.createWriter(ctx);
  };

  it('at-least-once: the barrier resolves once every record written before it is acknowledged', async () => {
    const topic = await kit.topic(2);
    const writer = writerOf(
      new KafkaSink<string>({
        bootstrapServers: bootstrap,
        topic,
        serializer: 'string',
        deliveryGuarantee: 'at-least-once',
        maxBatchRecords: 300,
      }),
    );
    const before = Array.from({ length: 2_000 }, (_, i) => `before-${i}`);
    for (const v of before) writer.write(v, 0);
    const barrier = writer.flushAtBarrier?.(1);
    expect(barrier).toBeInstanceOf(Promise);
    for (let i = 0; i < 500; i++) writer.write(`after-${i}`, 0); // keeps flowing meanwhile
    await barrier;
    // Acknowledged by all in-sync replicas = readable now, without waiting.
    const read = await kit.values(topic);
    expect(before.filter((v) => !read.includes(v))).toEqual([]);
    await writer.flush(true);
    expect(writer.flushAtBarrier?.(2)).toBeUndefined(); // nothing unacknowledged
    expect((await kit.values(topic)).length).toBe(2_500);
    await writer.close();
  });

  it('none: does not wait at the barrier, and a failed send fails the next write or flush', async () => {
    const topic = await kit.topic(1);
    const writer = writerOf(
      new KafkaSink<string>({
        bootstrapServers: bootstrap,
        topic,
        serializer: 'string',
        deliveryGuarantee: 'none',
      }),
    );
    writer.write('x'.repeat(3 * 1024 * 1024), 0); // above the broker's message.max.bytes
    expect(writer.flushAtBarrier?.(1)).toBeUndefined();
    const error = await Promise.resolve(writer.flush(true)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('SINK_FAILED');
    expect(() => writer.write('next', 0)).toThrow(/could not write to Kafka/);
    await writer.close();
  });
});

describe.skipIf(bootstrap.length === 0)('KafkaSink exactly-once protocol', () => {
  let kit: KafkaSinkKit;
  beforeAll(async () => {
    kit = await new KafkaSinkKit().open();
  });
  afterAll(() => kit.close());

  async function sinkFor(options: { topic?: string; prefix?: string } = {}) {
    const topic = options.topic ?? (await kit.topic(2));
    const prefix = options.prefix ?? unique('eo');
    const sink = new KafkaSink<string>({
      bootstrapServers: bootstrap,
      topic,
      serializer: 'string',
      deliveryGuarantee: 'exactly-once',
      transactionalIdPrefix: prefix,
      maxBatchRecords: 7, // several sends per transaction
    });
    return { sink, topic, prefix };
  }

  it('writes nothing before the commit; a commit repeated by a recovery or a restart changes nothing', async () => {
    const { sink, topic } = await sinkFor();
    const first = subtask(sink);
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    for (const v of values) first.writer.write(v, 1_000);
    const committables = first.writer.prepareCommit(5);
    await first.committer.recover?.();
    // Pre-committed (in the checkpoint), not yet complete: invisible even to read_uncommitted.
    expect(await kit.values(topic, 'read_uncommitted')).toEqual([]);
    await first.committer.commit(committables);
    expect(sorted(await kit.valuesAtLeast(topic, values.length))).toEqual(sorted(values));
    // The checkpoint-complete bookkeeping was lost (crash after the commit): commit again...
    await first.committer.commit(committables);
    expect(first.metrics.samples().find((s) => s.name === KAFKA_SINK_METRICS.commits)?.value).toBe(1);
    await first.committer.close();
    // ...and the restarted job commits the restored checkpoint's epoch once more, also a no-op.
    const restarted = subtask(sink, { restoredCheckpointId: 5, restoredParallelism: 1 });
    await restarted.committer.recover?.();
    await restarted.committer.commit(committables);
    await restarted.committer.close();
    expect(restarted.metrics.samples().find((s) => s.name === KAFKA_SINK_METRICS.commits)?.value).toBe(0);
    expect(sorted(await kit.values(topic))).toEqual(sorted(values));
    expect((await kit.read(topic)).every((r) => r.timestamp === 1_000)).toBe(true);
  });

  it('recovery commits an epoch whose transaction a crash left open, exactly once', async () => {
    const { sink, topic, prefix } = await sinkFor();
    const committables = epoch(sink, 9, ['x', 'y']);
    // The crashed attempt got as far as sending the epoch (records and marker) but not committing.
    const crashed = await kit.openTransaction(`${prefix}-0`, topic, ['x', 'y']);
    await crashed.sendOffsets(`${prefix}-0`, [{ topic, partition: 0, offset: 9 }]);
    const restarted = subtask(sink, { restoredCheckpointId: 9, restoredParallelism: 1 });
    await restarted.committer.recover?.();
    await restarted.committer.commit(committables);
    await restarted.committer.close();
    expect(sorted(await kit.valuesAtLeast(topic, 2))).toEqual(['x', 'y']);
    expect(await kit.admin.groupOffsets(`${prefix}-0`, [topic])).toEqual([{ topic, partition: 0, offset: 9 }]);
  });

  it('scale-down: recovery fences the removed writers, aborting their open transactions, and commits their epochs', async () => {
    const { sink, topic, prefix } = await sinkFor();
    // Old parallelism 3; writer 2 crashed with an open transaction; its epoch 6 is in the checkpoint.
    const orphan = await kit.openTransaction(`${prefix}-2`, topic, ['orphan']);
    const restored = epoch(sink, 6, ['from-writer-2'], 2);
    const owner = subtask(sink, { subtaskIndex: 0, parallelism: 2, restoredCheckpointId: 6, restoredParallelism: 3 });
    await owner.committer.recover?.();
    const error = await orphan.commitTransaction().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as KafkaClientError).kind).toBe('PRODUCER_FENCED');
    await owner.committer.commit([...restored, ...epoch(sink, 7, ['from-writer-0'], 0)]);
    await owner.committer.commit(restored); // once only
    await owner.committer.close();
    expect(sorted(await kit.valuesAtLeast(topic, 2))).toEqual(['from-writer-0', 'from-writer-2']);
    expect(await kit.admin.groupOffsets(`${prefix}-2`, [topic])).toEqual([{ topic, partition: 0, offset: 6 }]);
    expect(await kit.admin.groupOffsets(`${prefix}-0`, [topic])).toEqual([{ topic, partition: 0, offset: 7 }]);
  });

  it('a fresh start (a new run with the same prefix) does not inherit the old run’s markers', async () => {
    const { sink, topic } = await sinkFor();
    const oldRun = subtask(sink);
    await oldRun.committer.commit(epoch(sink, 40, ['old-run']));
    await oldRun.committer.close();
    const newRun = subtask(sink);
    await newRun.committer.recover?.();
    await newRun.committer.commit(epoch(sink, 1, ['new-run']));
    await newRun.committer.close();
    expect(sorted(await kit.valuesAtLeast(topic, 2))).toEqual(['new-run', 'old-run']);
  });

  it('the end-of-input epoch marks the writer finished: a replay of a finished job writes nothing again', async () => {
    const { sink, topic } = await sinkFor();
    const first = subtask(sink, { restoredCheckpointId: 3, restoredParallelism: 1 });
    await first.committer.recover?.();
    await first.committer.commit(epoch(sink, Number.MAX_SAFE_INTEGER, ['tail-1', 'tail-2']));
    await first.committer.close();
    // Killed before the job reported FINISHED: it restores checkpoint 3 and replays the tail,
    // taking a checkpoint 4 on the way this time.
    const replay = subtask(sink, { restoredCheckpointId: 3, restoredParallelism: 1 });
    await replay.committer.recover?.();
    await replay.committer.commit(epoch(sink, 4, ['tail-1']));
    await replay.committer.commit(epoch(sink, Number.MAX_SAFE_INTEGER, ['tail-2']));
    await replay.committer.close();
    expect(replay.metrics.samples().find((s) => s.name === KAFKA_SINK_METRICS.commits)?.value).toBe(0);
    expect(sorted(await kit.valuesAtLeast(topic, 2))).toEqual(['tail-1', 'tail-2']);
  });
});
