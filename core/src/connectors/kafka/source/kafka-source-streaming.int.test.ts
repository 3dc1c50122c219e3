import {
  CollectSink,
  type JobClient,
  KafkaDeserializers,
  KafkaSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  bootstrap,
  describeRecord,
  eventually,
  jobsToCancel,
  KafkaKit,
  openForSuite,
  readBounded,
  sourceOptions,
  unique,
} from './fixtures/kafka-source-kit.ts';

const jobs = jobsToCancel();

function start<T>(source: KafkaSource<T>, strategy: WatermarkStrategy<T>, parallelism = 1) {
  const env = StreamExecutionEnvironment.create({ parallelism, autoWatermarkIntervalMs: 20 });
  const sink = new CollectSink<T>();
  env.fromSource(source, strategy, 'kafka').sinkTo(sink);
  const client = env.executeAsync('kafka-streaming');
  jobs.push(client);
  return { client, sink };
}

const sourceWatermark = (client: JobClient) =>
  client.metrics().operators.find((o) => o.uid === 'kafka')?.watermarkMs ?? Number.NEGATIVE_INFINITY;

describe.skipIf(bootstrap.length === 0)('KafkaSource while running', () => {
  const kit = openForSuite(new KafkaKit());

  it('subscribes by pattern and picks up a partition and a topic added while running', async () => {
    const prefix = unique('pattern');
    const first = `${prefix}-a`;
    await kit.admin.createTopics([{ topic: first, partitions: 2 }]);
    await kit.admin.createTopics([{ topic: `other-${prefix}`, partitions: 1 }]);
    await kit.produce([
      { topic: first, partition: 0, value: Buffer.from('a0') },
      { topic: first, partition: 1, value: Buffer.from('a1') },
      { topic: `other-${prefix}`, partition: 0, value: Buffer.from('not-matched') },
    ]);
    const source = new KafkaSource(
      sourceOptions('platformatic', {
        topicPattern: new RegExp(`^${prefix}-`),
        discoveryIntervalMs: 200,
        deserializer: KafkaDeserializers.record((r) => `${r.topic.slice(prefix.length + 1)}/${r.partition}:${r.value}`),
      }),
    );
    expect(source.boundedness).toBe('unbounded');
    const { client, sink } = start(source, WatermarkStrategy.noWatermarks<string>(), 2);
    await eventually('the first topic', () => sink.values.length === 2);

    await kit.admin.createPartitions(first, 3);
    await kit.admin.createTopics([{ topic: `${prefix}-b`, partitions: 1 }]);
    await kit.produce([
      { topic: first, partition: 2, value: Buffer.from('a2') },
      { topic: `${prefix}-b`, partition: 0, value: Buffer.from('b0') },
      { topic: first, partition: 0, value: Buffer.from('a0-again') },
    ]);
    await eventually('the new partition and topic', () => sink.values.length >= 5);
    await client.cancel();
    expect([...sink.values].sort()).toEqual(['a/0:a0', 'a/0:a0-again', 'a/1:a1', 'a/2:a2', 'b/0:b0']);
  });

  it('generates watermarks per partition: the slower partition holds the watermark', async () => {
    const topic = await kit.topic(2);
    const t0 = 1_700_000_000_000;
    await kit.produce([
      { topic, partition: 0, value: Buffer.from('fast'), timestamp: t0 + 10_000 },
      { topic, partition: 1, value: Buffer.from('slow'), timestamp: t0 + 1_000 },
    ]);
    const { client, sink } = start(
      new KafkaSource(sourceOptions('platformatic', { topics: [topic], deserializer: describeRecord })),
      WatermarkStrategy.forBoundedOutOfOrderness<string>(0),
    );
    await eventually('both records', () => sink.values.length === 2);
    // Record timestamps are the Kafka timestamps.
    expect(sink.records.map((r) => r.timestamp).sort()).toEqual([t0 + 1_000, t0 + 10_000]);
    await eventually('a watermark', () => sourceWatermark(client) >= t0);
    // min(p0: t0+10000-1, p1: t0+1000-1); one watermark for the whole source would be t0+9999
    expect(sourceWatermark(client)).toBe(t0 + 999);
    await client.cancel();
  });

  it('with withIdleness, a partition without records does not hold the watermark back', async () => {
    const topic = await kit.topic(2);
    const t0 = 1_700_000_000_000;
    const { client } = start(
      new KafkaSource(sourceOptions('platformatic', { topics: [topic], deserializer: describeRecord })),
      WatermarkStrategy.forBoundedOutOfOrderness<string>(0).withIdleness(300),
    );
    // Keep partition 0 busy (so it stays active) while partition 1 never gets a record.
    let i = 0;
    await eventually('the watermark of partition 0 alone', async () => {
      i++;
      await kit.produce([{ topic, partition: 0, value: Buffer.from(`r${i}`), timestamp: t0 + i * 1_000 }]);
      return sourceWatermark(client) >= t0 + 1_000;
    });
    await client.cancel();
  });

  it('reads committed transactions only (read_committed, the default)', async () => {
    const topic = await kit.topic(1);
    const producer = kit.track(kit.client.transactionalProducer({ transactionalId: unique('tx') }));
    await producer.initTransactions();
    const tx = async (values: string[], commit: boolean) => {
      await producer.beginTransaction();
      await producer.send(values.map((v) => ({ topic, partition: 0, value: Buffer.from(v) })));
      if (commit) await producer.commitTransaction();
      else await producer.abortTransaction();
    };
    await tx(['A1', 'A2'], true);
    await tx(['B1', 'B2'], false);
    await tx(['C1'], true);
    await tx(['D1'], false);
    const text = KafkaDeserializers.string();
    const committed = await readBounded(
      new KafkaSource(
        sourceOptions('platformatic', { topics: [topic], deserializer: text, bounded: 'latest-at-start' }),
      ),
    );
    expect(committed.values).toEqual(['A1', 'A2', 'C1']);
    const uncommitted = await readBounded(
      new KafkaSource(
        sourceOptions('platformatic', {
          topics: [topic],
          deserializer: text,
          bounded: 'latest-at-start',
          isolation: 'read_uncommitted',
        }),
      ),
    );
    expect(uncommitted.values).toEqual(['A1', 'A2', 'B1', 'B2', 'C1', 'D1']);
  });
});
