import { DEAD_LETTER_HEADERS, KAFKA_SOURCE_METRICS, KafkaDeserializers, KafkaSource } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, eventually, KafkaKit, sourceOptions, unique } from './fixtures/kafka-source-kit.ts';
import { TestOutput, testReader } from './fixtures/reader-harness.ts';

/** One reader driven by hand: poll exactly as often as the test wants. */
describe.skipIf(bootstrap.length === 0)('KafkaSource reader', () => {
  let kit: KafkaKit;
  beforeAll(async () => {
    kit = await new KafkaKit().open();
  });
  afterAll(() => kit.close());

  it('reports lag as end offset minus position, and commits the checkpointed position to the group', async () => {
    const topic = await kit.topic(1);
    await kit.fill(topic, 1, 100);
    const groupId = unique('lag');
    const { reader, metrics } = testReader(
      new KafkaSource(
        sourceOptions('platformatic', {
          topics: [topic],
          groupId,
          deserializer: KafkaDeserializers.string(),
          maxRecordsPerPoll: 10,
          lagRefreshIntervalMs: 20,
        }),
      ),
    );
    const labels = { topic, partition: '0' };
    try {
      reader.start();
      reader.addSplits([{ splitId: `${topic}:0`, topic, partition: 0, offset: 0 }]);
      await reader.isAvailable();
      const output = new TestOutput();
      expect(reader.pollNext(output)).toBe('more-available');
      expect(output.values).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
      expect(metrics.read(KAFKA_SOURCE_METRICS.recordsIn, labels)).toBe(10);

      await eventually('the lag gauge', async () => {
        await reader.isAvailable(); // refreshes end offsets when due
        return metrics.read(KAFKA_SOURCE_METRICS.lag, labels) !== undefined;
      });
      expect(metrics.read(KAFKA_SOURCE_METRICS.lag, labels)).toBe(90);

      const [split] = reader.snapshotState(1);
      expect(split).toEqual({ splitId: `${topic}:0`, topic, partition: 0, offset: 10 });
      reader.notifyCheckpointComplete?.(1);
      await eventually('the commit', async () => (await kit.admin.groupOffsets(groupId, [topic]))[0]?.offset === 10);
      const [end] = await kit.admin.listOffsets([{ topic, partition: 0 }], { kind: 'latest' });
      const [committed] = await kit.admin.groupOffsets(groupId, [topic]);
      // The broker's view of the lag equals the gauge.
      expect((end?.offset ?? 0) - (committed?.offset ?? 0)).toBe(metrics.read(KAFKA_SOURCE_METRICS.lag, labels));
      expect(metrics.read(KAFKA_SOURCE_METRICS.commitSeconds)).toBeGreaterThanOrEqual(0);
      expect(metrics.read(KAFKA_SOURCE_METRICS.commitFailures)).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it('keeps an unacknowledged dead letter in the snapshot and writes it again after a restore', async () => {
    const topic = await kit.topic(1);
    const dlq = await kit.topic(1, 'dlq');
    await kit.produce(['good-1', 'BAD', 'good-2'].map((v) => ({ topic, partition: 0, value: Buffer.from(v) })));
    const options = sourceOptions('platformatic', {
      topics: [topic],
      deadLetterTopic: dlq,
      deserializer: KafkaDeserializers.record((r) => {
        const text = r.value?.toString() ?? '';
        if (text === 'BAD') throw new RangeError('refusing BAD');
        return text;
      }),
    });
    const first = testReader(new KafkaSource(options));
    first.reader.start();
    first.reader.addSplits([{ splitId: `${topic}:0`, topic, partition: 0, offset: 0 }]);
    await first.reader.isAvailable();
    const output = new TestOutput();
    first.reader.pollNext(output);
    expect(output.values).toEqual(['good-1', 'good-2']);
    // The dead letter's send is in flight: the snapshot carries it.
    const snapshot = first.reader.snapshotState(1);
    expect(snapshot).toHaveLength(1);
    expect(snapshot[0]?.offset).toBe(3);
    expect(snapshot[0]?.pendingDeadLetters).toHaveLength(1);
    expect(Buffer.from(snapshot[0]?.pendingDeadLetters?.[0]?.value ?? '', 'base64').toString()).toBe('BAD');
    expect(first.metrics.read(KAFKA_SOURCE_METRICS.deadLetters, { topic, partition: '0' })).toBe(1);
    await first.reader.close(); // waits for the send
    expect(first.reader.snapshotState(2)[0]?.pendingDeadLetters).toBeUndefined();

    // A restore from the first snapshot writes the letter again and emits nothing twice.
    const second = testReader(new KafkaSource(options));
    second.reader.start();
    second.reader.addSplits(snapshot);
    const again = new TestOutput();
    await eventually('the re-sent letter', () => {
      second.reader.pollNext(again);
      return second.reader.snapshotState(3)[0]?.pendingDeadLetters === undefined;
    });
    await second.reader.close();
    expect(again.values).toEqual([]);

    const letters = await kit.readAll(dlq);
    expect(letters.map((r) => r.value?.toString())).toEqual(['BAD', 'BAD']);
    const headers = Object.fromEntries((letters[0]?.headers ?? []).map((h) => [h.key, h.value.toString()]));
    expect(headers).toMatchObject({
      [DEAD_LETTER_HEADERS.error]: 'refusing BAD',
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '1',
    });
  });

  it('pauses a partition whose buffer is full and still reads everything', async () => {
    const topic = await kit.topic(2);
    const expected = await kit.fill(topic, 2, 3_000);
    const { reader } = testReader(
      new KafkaSource(
        sourceOptions('platformatic', {
          topics: [topic],
          deserializer: KafkaDeserializers.record((r) => `${r.partition}:${r.offset}:${r.value?.toString() ?? ''}`),
          maxBufferedBytesPerPartition: 1,
          maxRecordsPerPoll: 100,
          bounded: 'latest-at-start',
        }),
      ),
    );
    const output = new TestOutput();
    try {
      reader.start();
      reader.addSplits(
        [0, 1].map((partition) => ({
          splitId: `${topic}:${partition}`,
          topic,
          partition,
          offset: 0,
          stopOffset: 3_000,
        })),
      );
      reader.notifyNoMoreSplits();
      for (;;) {
        await reader.isAvailable();
        if (reader.pollNext(output) === 'end-of-input') break;
      }
    } finally {
      await reader.close();
    }
    expect([...output.values].sort()).toEqual(expected);
    expect(output.released.sort()).toEqual([`${topic}:0`, `${topic}:1`]);
  });
});
