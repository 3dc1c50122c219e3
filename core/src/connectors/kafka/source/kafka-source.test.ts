import { KafkaDeserializers, type KafkaRecord, KafkaSource, SluiceError } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { ownerOf } from './kafka-partition-split.ts';

const record = (value: string | null, extra: Partial<KafkaRecord> = {}): KafkaRecord => ({
  topic: 't',
  partition: 0,
  offset: 0,
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers: [],
  timestamp: 0,
  ...extra,
});

describe('KafkaDeserializers', () => {
  it('json, string and bytes read the value; a tombstone or bad JSON throws (a bad record)', () => {
    expect(KafkaDeserializers.json<{ a: number }>().deserialize(record('{"a":1}'))).toEqual({ a: 1 });
    expect(() => KafkaDeserializers.json().deserialize(record('{'))).toThrow(SyntaxError);
    expect(KafkaDeserializers.string().deserialize(record('héllo'))).toBe('héllo');
    expect(KafkaDeserializers.bytes().deserialize(record('ab'))).toEqual(Buffer.from('ab'));
    for (const d of [KafkaDeserializers.json(), KafkaDeserializers.string(), KafkaDeserializers.bytes()]) {
      expect(() => d.deserialize(record(null))).toThrow(/tombstone/);
    }
  });

  it('record gives a function the key, headers and the rest', () => {
    const d = KafkaDeserializers.record((r) => `${r.key?.toString()}|${r.headers[0]?.key}|${r.offset}`);
    expect(
      d.deserialize(record('v', { key: Buffer.from('k'), headers: [{ key: 'h', value: Buffer.alloc(0) }], offset: 7 })),
    ).toBe('k|h|7');
  });
});

describe('KafkaSource options', () => {
  const base = { bootstrapServers: 'localhost:9092', deserializer: KafkaDeserializers.string() };

  it('is unbounded unless bounded is set', () => {
    expect(new KafkaSource({ ...base, topics: 'a' }).boundedness).toBe('unbounded');
    expect(new KafkaSource({ ...base, topics: ['a'], bounded: 'latest-at-start' }).boundedness).toBe('bounded');
  });

  it.each([
    [{ ...base }, /exactly one of `topics`/],
    [{ ...base, topics: ['a'], topicPattern: /a/ }, /exactly one of `topics`/],
    [{ ...base, topics: [] }, /exactly one of `topics`/],
    [{ ...base, bootstrapServers: '', topics: 'a' }, /bootstrapServers/],
    [{ ...base, topics: 'a', startingOffsets: { kind: 'committed' } as const }, /set groupId/],
    [{ ...base, topics: 'a', commitOffsetsOnCheckpoint: true }, /set groupId/],
    [{ ...base, topics: 'a', discoveryIntervalMs: -1 }, /discoveryIntervalMs/],
    [{ ...base, topics: 'a', maxRecordsPerPoll: 0 }, /maxRecordsPerPoll/],
    [{ ...base, topics: 'a', deadLetterTopic: ' ' }, /deadLetterTopic/],
  ])('rejects %o with INVALID_ARGUMENT', (options, message) => {
    expect(() => new KafkaSource(options)).toThrow(message);
    expect(() => new KafkaSource(options)).toThrow(SluiceError);
  });
});

describe('partition ownership', () => {
  it('spreads the partitions of a topic evenly, the same way every time', () => {
    for (const parallelism of [1, 2, 3, 4, 7]) {
      const counts = new Array<number>(parallelism).fill(0);
      for (let partition = 0; partition < 4 * parallelism; partition++) {
        const owner = ownerOf({ topic: 'payments', partition }, parallelism);
        expect(owner).toBe(ownerOf({ topic: 'payments', partition }, parallelism));
        expect(owner).toBeGreaterThanOrEqual(0);
        expect(owner).toBeLessThan(parallelism);
        counts[owner] = (counts[owner] ?? 0) + 1;
      }
      expect(counts.every((c) => c === 4)).toBe(true);
    }
  });

  it('does not start every topic at subtask 0', () => {
    const firstOwners = new Set(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((topic) => ownerOf({ topic, partition: 0 }, 4)),
    );
    expect(firstOwners.size).toBeGreaterThan(1);
  });
});
