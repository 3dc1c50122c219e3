import {
  CollectSink,
  KAFKA_SOURCE_METRICS,
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
  KafkaKit,
  openForSuite,
  readBounded,
  samplesOf,
  sourceOptions,
  unique,
} from './fixtures/kafka-source-kit.ts';

describe.skipIf(bootstrap.length === 0)('KafkaSource start offsets', () => {
  const kit = openForSuite(new KafkaKit());

  const read = (options: Parameters<typeof sourceOptions<string>>[1]) =>
    readBounded(new KafkaSource(sourceOptions('platformatic', { bounded: 'latest-at-start', ...options })));

  it('earliest (the default) reads from the log start', async () => {
    const topic = await kit.topic(2);
    const expected = await kit.fill(topic, 2, 5);
    expect((await read({ topics: [topic], deserializer: describeRecord })).values).toEqual(expected);
    expect((await read({ topics: [topic], deserializer: describeRecord, startingOffsets: 'earliest' })).values).toEqual(
      expected,
    );
  });

  it('latest skips what was written before the job started and reads what comes after', async () => {
    const topic = await kit.topic(2);
    await kit.fill(topic, 2, 5);
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const sink = new CollectSink<string>();
    const source = new KafkaSource(
      sourceOptions('platformatic', {
        topics: [topic],
        deserializer: describeRecord,
        startingOffsets: 'latest',
        // stop after 2 more records per partition
        bounded: { kind: 'specific', offsets: [0, 1].map((partition) => ({ topic, partition, offset: 7 })) },
      }),
    );
    env.fromSource(source, WatermarkStrategy.noWatermarks<string>(), 'kafka').sinkTo(sink);
    const client = env.executeAsync('latest');
    // Splits are assigned (their start offsets resolved) once the readers registered their metrics.
    await eventually('both partitions assigned', () => samplesOf(client, KAFKA_SOURCE_METRICS.recordsIn).length === 2);
    await kit.produce(
      [0, 1].flatMap((partition) => ['new-a', 'new-b'].map((v) => ({ topic, partition, value: Buffer.from(v) }))),
    );
    await client.result;
    expect([...sink.values].sort()).toEqual(['0:5:new-a', '0:6:new-b', '1:5:new-a', '1:6:new-b']);
  });

  it('timestamp starts at the first record at or after it, per partition', async () => {
    const topic = await kit.topic(2);
    const t0 = 1_700_000_000_000;
    await kit.produce(
      [0, 1].flatMap((partition) =>
        [0, 1, 2, 3].map((i) => ({
          topic,
          partition,
          value: Buffer.from(`t${i}`),
          timestamp: t0 + i * 1000 + partition * 500,
        })),
      ),
    );
    // p0 records at t0, +1000, +2000, +3000; p1 at +500, +1500, +2500, +3500
    const { values } = await read({
      topics: [topic],
      deserializer: describeRecord,
      startingOffsets: { kind: 'timestamp', timestamp: t0 + 2000 },
    });
    expect(values).toEqual(['0:2:t2', '0:3:t3', '1:2:t2', '1:3:t3']);
  });

  it("committed starts at the group's commits, and partitions without one at the fallback", async () => {
    const topic = await kit.topic(3);
    await kit.fill(topic, 3, 4);
    const groupId = unique('committed');
    await kit.admin.commitGroupOffsets(groupId, [{ topic, partition: 0, offset: 3 }]);
    const latest = await read({
      topics: [topic],
      groupId,
      commitOffsetsOnCheckpoint: false,
      deserializer: describeRecord,
      startingOffsets: { kind: 'committed', fallback: 'latest' },
    });
    expect(latest.values).toEqual(['0:3:v3']);
    const earliest = await read({
      topics: [topic],
      groupId,
      deserializer: describeRecord,
      startingOffsets: { kind: 'committed' },
    });
    expect(earliest.values).toEqual([
      '0:3:v3',
      '1:0:v0',
      '1:1:v1',
      '1:2:v2',
      '1:3:v3',
      '2:0:v0',
      '2:1:v1',
      '2:2:v2',
      '2:3:v3',
    ]);
  });

  it('specific starts listed partitions at their offset, the others at the fallback', async () => {
    const topic = await kit.topic(2);
    await kit.fill(topic, 2, 4);
    const { values } = await read({
      topics: [topic],
      deserializer: KafkaDeserializers.record((r) => `${r.partition}:${r.offset}`),
      startingOffsets: { kind: 'specific', offsets: [{ topic, partition: 1, offset: 2 }], fallback: 'latest' },
    });
    expect(values).toEqual(['1:2', '1:3']);
  });

  it('specific stop offsets end each partition there', async () => {
    const topic = await kit.topic(2);
    await kit.fill(topic, 2, 6);
    const { values } = await read({
      topics: [topic],
      deserializer: KafkaDeserializers.record((r) => `${r.partition}:${r.offset}`),
      bounded: { kind: 'specific', offsets: [{ topic, partition: 0, offset: 2 }] },
    });
    // partition 1 is not listed: it stops at the latest offset at start
    expect(values).toEqual(['0:0', '0:1', '1:0', '1:1', '1:2', '1:3', '1:4', '1:5']);
  });

  it('fails the job with a clear error when a topic does not exist', async () => {
    const missing = unique('missing');
    await expect(read({ topics: [missing], deserializer: describeRecord })).rejects.toThrow(
      new RegExp(`'${missing}' do not exist`),
    );
  });
});
