import { DEAD_LETTER_HEADERS, KAFKA_SOURCE_METRICS, KafkaDeserializers, KafkaSource, SluiceError } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, KafkaKit, readBounded, samplesOf, sourceOptions } from './fixtures/kafka-source-kit.ts';

interface Reading {
  readonly n: number;
}

describe.skipIf(bootstrap.length === 0)('KafkaSource bad records', () => {
  let kit: KafkaKit;
  let topic: string;
  beforeAll(async () => {
    kit = await new KafkaKit().open();
    topic = await kit.topic(2);
    await kit.produce([
      // (explicit timestamps near each other: @platformatic/kafka garbles one far below its batch's first)
      { topic, partition: 0, value: Buffer.from('{"n":1}'), timestamp: 1_700_000_000_000 },
      {
        topic,
        partition: 0,
        key: Buffer.from('k-bad'),
        value: Buffer.from('not json'),
        headers: [{ key: 'trace', value: Buffer.from('t-1') }],
        timestamp: 1_700_000_000_123,
      },
      { topic, partition: 0, value: Buffer.from('{"n":2}') },
      { topic, partition: 1, value: Buffer.from('{"n":3}') },
      { topic, partition: 1, value: null },
    ]);
  });
  afterAll(() => kit.close());

  it('writes them to the dead-letter topic with where and why, counts them, and keeps going', async () => {
    const dlq = await kit.topic(1, 'dlq');
    const { values, client } = await readBounded(
      new KafkaSource(
        sourceOptions('platformatic', {
          topics: [topic],
          bounded: 'latest-at-start',
          deserializer: KafkaDeserializers.json<Reading>(),
          deadLetterTopic: dlq,
        }),
      ),
      { parallelism: 2 },
    );
    expect(client.status()).toBe('FINISHED');
    expect(values.map((r) => r.n).sort()).toEqual([1, 2, 3]);
    const counted = samplesOf(client, KAFKA_SOURCE_METRICS.deadLetters);
    expect(counted.reduce((n, s) => n + s.value, 0)).toBe(2);

    const letters = await kit.readAll(dlq);
    const bad = letters.find((r) => r.key?.toString() === 'k-bad');
    expect(bad?.value?.toString()).toBe('not json');
    const headers = Object.fromEntries((bad?.headers ?? []).map((h) => [h.key, h.value.toString()]));
    expect(headers).toMatchObject({
      trace: 't-1',
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '1',
      [DEAD_LETTER_HEADERS.timestamp]: '1700000000123',
    });
    expect(headers[DEAD_LETTER_HEADERS.error]).toMatch(/JSON/);
    const tombstone = letters.find((r) => r.value === null);
    const tombstoneHeaders = Object.fromEntries((tombstone?.headers ?? []).map((h) => [h.key, h.value.toString()]));
    expect(tombstoneHeaders[DEAD_LETTER_HEADERS.error]).toMatch(/tombstone/);
    expect(letters).toHaveLength(2);
  });

  it('fails the job without a dead-letter topic, saying where the record is and what to do', async () => {
    const failure = await readBounded(
      new KafkaSource(
        sourceOptions('platformatic', {
          topics: [topic],
          bounded: 'latest-at-start',
          deserializer: KafkaDeserializers.json<Reading>(),
        }),
      ),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SluiceError);
    expect((failure as SluiceError).message).toMatch(
      new RegExp(`topic '${topic}' partition (0 offset 1|1 offset 1).*deadLetterTopic`),
    );
  });
});
