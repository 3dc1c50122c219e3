import { Admin } from '@platformatic/kafka';
import {
  CollectSink,
  KAFKA_SOURCE_METRICS,
  KafkaClientError,
  type KafkaClientLibrary,
  type KafkaConsumerOptions,
  type KafkaRecord,
  KafkaSource,
  type KafkaSourceOptions,
  SluiceError,
  StreamExecutionEnvironment,
  type TopicPartition,
  WatermarkStrategy,
} from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrap,
  describeRecord,
  eventually,
  jobsToCancel,
  KafkaKit,
  openForSuite,
  readBounded,
  samplesOf,
  sourceOptions,
} from './fixtures/kafka-source-kit.ts';

// Topic names come from the kit (`unique`): core may not import @sluice/testing (module boundaries).

const libraries: KafkaClientLibrary[] = ['platformatic', 'kafkajs'];
type Reset = TopicPartition & { readonly from: number; readonly to: number };

/** `partition:offset:value` of records `from` (inclusive) to `to` (exclusive) of partition 0, as `kit.fill` writes them. */
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `0:${from + i}:v${from + i}`).sort();

const jobs = jobsToCancel();

/** Settles `promise`, or fails the test after `ms`: an out-of-range position must never hang. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe.skipIf(bootstrap.length === 0).each(libraries)('offsets out of range on %s', (library) => {
  const kit = openForSuite(new KafkaKit(library));
  let deleter: Admin;

  beforeAll(() => {
    deleter = new Admin({ clientId: 'sluice-offset-reset-test', bootstrapBrokers: bootstrap });
  });
  afterAll(() => deleter.close());

  /** A 1-partition topic with records 0..99 of which 0..59 are deleted: the log starts at 60. */
  async function truncatedTopic(): Promise<string> {
    const topic = await kit.topic(1, 'reset');
    await kit.fill(topic, 1, 100);
    const [deleted] = await deleter.deleteRecords({
      topics: [{ name: topic, partitions: [{ partition: 0, offset: 60n }] }],
    });
    expect(deleted?.partitions[0]?.lowWatermark).toBe(60n);
    return topic;
  }

  describe('the consumer', () => {
    /** Polls from `start` until `enough` records came or it threw; at most 20 s. */
    async function consume(topic: string, start: number, options: KafkaConsumerOptions, enough: number) {
      const resets: Reset[] = [];
      const consumer = kit.client.consumer({ ...options, onOffsetReset: (r) => resets.push(r) });
      try {
        await consumer.assign([{ topic, partition: 0, start: { kind: 'offset', offset: start } }]);
        const records: KafkaRecord[] = [];
        const deadline = performance.now() + 20_000;
        while (records.length < enough && performance.now() < deadline) {
          for (const batch of await consumer.poll()) {
            // the reset is reported before any record from the new position
            if (batch.records.length > 0) expect(resets).toHaveLength(1);
            records.push(...batch.records);
          }
        }
        return { records, resets, position: consumer.position({ topic, partition: 0 }) };
      } finally {
        await consumer.close();
      }
    }

    it("'earliest' (the default) moves a position before the log start to it and reports the reset", async () => {
      const topic = await truncatedTopic();
      const { records, resets, position } = await consume(topic, 10, {}, 40);
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
      expect(resets).toEqual([{ topic, partition: 0, from: 10, to: 60 }]);
      expect(position).toBe(100);
    });

    it("'earliest' moves a position past the end back to the log start", async () => {
      const topic = await truncatedTopic();
      const { records, resets } = await consume(topic, 500, { offsetReset: 'earliest' }, 40);
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
      expect(resets).toEqual([{ topic, partition: 0, from: 500, to: 60 }]);
    });

    it("'fail' throws OFFSET_OUT_OF_RANGE naming the partition, the position and the valid offsets", async () => {
      const topic = await truncatedTopic();
      const failure = await within(
        20_000,
        'poll',
        consume(topic, 10, { offsetReset: 'fail' }, 1).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(failure).toBeInstanceOf(KafkaClientError);
      expect((failure as KafkaClientError).kind).toBe('OFFSET_OUT_OF_RANGE');
      expect((failure as KafkaClientError).retriable).toBe(false);
      expect((failure as Error).message).toContain(`Offset 10 of ${topic}:0 is out of range`);
      expect((failure as Error).message).toContain('60 to 100');
    });
  });

  describe('KafkaSource', () => {
    const options = (topic: string, extra: Partial<KafkaSourceOptions<string>>, log: string[]) =>
      sourceOptions(library, {
        topics: [topic],
        deserializer: describeRecord,
        startingOffsets: { kind: 'specific', offsets: [{ topic, partition: 0, offset: 10 }] },
        log: (line) => log.push(line),
        ...extra,
      });

    it("'earliest' (the default) reads exactly the records left, logs and counts the reset", async () => {
      const topic = await truncatedTopic();
      const log: string[] = [];
      const { values, client } = await within(
        30_000,
        'the job',
        readBounded(new KafkaSource(options(topic, { bounded: 'latest-at-start' }, log))),
      );
      expect(values).toEqual(range(60, 100));
      const resets = log.filter((line) => line.includes('out of range'));
      expect(resets).toEqual([
        `KafkaSource: offset 10 of ${topic}:0 is out of range; offsetReset 'earliest' moved it to 60, skipping 50 offsets.`,
      ]);
      const counted = samplesOf(client, KAFKA_SOURCE_METRICS.offsetResets);
      expect(counted.reduce((n, s) => n + s.value, 0)).toBe(1);
      expect(counted[0]?.labels).toMatchObject({ topic, partition: '0' });
    });

    it("'latest' reads nothing old but what is written afterwards", async () => {
      const topic = await truncatedTopic();
      const log: string[] = [];
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      const sink = new CollectSink<string>();
      env
        .fromSource(
          new KafkaSource(options(topic, { offsetReset: 'latest' }, log)),
          WatermarkStrategy.noWatermarks<string>(),
          'kafka',
        )
        .sinkTo(sink);
      const client = env.executeAsync('offset-reset-latest');
      jobs.push(client);
      // kafkajs shows its reset only with the first new record: write until records arrive.
      let written = 0;
      await eventually(
        'new records',
        async () => {
          if (sink.values.length >= 3) return true;
          await kit.produce([{ topic, partition: 0, value: Buffer.from(`new${written++}`) }]);
          await new Promise((r) => setTimeout(r, 200));
          return false;
        },
        40_000,
      );
      await client.cancel();
      const offsets = sink.values.map((v) => Number(v.split(':')[1]));
      const resets = log.filter((line) => line.includes('out of range'));
      expect(resets).toHaveLength(1);
      const to = Number(/moved it to (\d+)/.exec(resets[0] ?? '')?.[1]);
      expect(resets[0]).toContain(`offset 10 of ${topic}:0 is out of range; offsetReset 'latest' moved it to ${to}`);
      // nothing before the end at the reset; everything from there on, in order
      expect(to).toBeGreaterThanOrEqual(100);
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => to + i));
      expect(sink.values.every((v) => /:new\d+$/.test(v))).toBe(true);
      expect(samplesOf(client, KAFKA_SOURCE_METRICS.offsetResets).reduce((n, s) => n + s.value, 0)).toBe(1);
    });

    it("'fail' fails the job with OFFSET_OUT_OF_RANGE instead of hanging", async () => {
      const topic = await truncatedTopic();
      const log: string[] = [];
      const started = performance.now();
      const failure = await within(
        30_000,
        'the job',
        readBounded(new KafkaSource(options(topic, { offsetReset: 'fail', bounded: 'latest-at-start' }, log))).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(failure).toBeInstanceOf(SluiceError);
      expect((failure as Error).message).toMatch(
        new RegExp(`Offset 10 of ${topic}:0 is out of range: it holds offsets 60 to 100 .*offsetReset is 'fail'`),
      );
      // not retried: no "fetch failed ... retrying" lines
      expect(log.filter((line) => line.includes('retrying'))).toEqual([]);
      expect(performance.now() - started).toBeLessThan(30_000);
    });
  });
});
