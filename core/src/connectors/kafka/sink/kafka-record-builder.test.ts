import { NO_TIMESTAMP } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  KafkaRecordBuilder,
  MAX_SEND_BYTES,
  RECORD_OVERHEAD_BYTES,
  recordBytes,
  sendEnd,
} from './kafka-record-builder.ts';
import type { KafkaSinkOptions } from './kafka-sink-options.ts';

const base = { bootstrapServers: 'localhost:9092', topic: 'out', deliveryGuarantee: 'none' } as const;
const build = <T>(options: Partial<KafkaSinkOptions<T>>) =>
  new KafkaRecordBuilder<T>({ ...base, ...options } as KafkaSinkOptions<T>);

describe('KafkaRecordBuilder', () => {
  it('serializes values as JSON by default, null as a tombstone', () => {
    const b = build<unknown>({});
    expect(b.record({ a: 1 }, NO_TIMESTAMP).value?.toString()).toBe('{"a":1}');
    expect(b.record('s', NO_TIMESTAMP).value?.toString()).toBe('"s"');
    expect(b.record(null, NO_TIMESTAMP).value).toBeNull();
    expect(() => b.record(undefined, NO_TIMESTAMP)).toThrow(/cannot write undefined as JSON/);
  });

  it('has string, bytes and function serializers', () => {
    expect(build<number>({ serializer: 'string' }).record(42, 0).value?.toString()).toBe('42');
    const bytes = build<Uint8Array>({ serializer: 'bytes' });
    expect(bytes.record(new Uint8Array([1, 2]), 0).value).toEqual(Buffer.from([1, 2]));
    expect(() => build<unknown>({ serializer: 'bytes' }).record('text', 0)).toThrow(/needs Buffer or Uint8Array/);
    expect(
      build<number>({ serializer: (n) => `n=${n}` })
        .record(7, 0)
        .value?.toString(),
    ).toBe('n=7');
  });

  it('takes keys as strings, numbers, bytes or none', () => {
    expect(
      build<string>({ key: (v) => v })
        .record('k', 0)
        .key?.toString(),
    ).toBe('k');
    expect(
      build<number>({ key: (v) => v })
        .record(12, 0)
        .key?.toString(),
    ).toBe('12');
    expect(build<string>({ key: () => new Uint8Array([9]) }).record('k', 0).key).toEqual(Buffer.from([9]));
    expect(build<string>({ key: () => undefined }).record('k', 0).key).toBeNull();
    expect(build<string>({}).record('k', 0).key).toBeNull();
  });

  it('picks a fixed partition, a computed one, or leaves it to the key', () => {
    expect(build<string>({ partition: 2 }).record('v', 0).partition).toBe(2);
    const byKey = build<string>({ key: (v) => v, partition: (_v, key) => (key?.toString() === 'x' ? 1 : undefined) });
    expect(byKey.record('x', 0).partition).toBe(1);
    expect(byKey.record('y', 0)).not.toHaveProperty('partition');
    expect(() => build<string>({ partition: () => -1 }).record('v', 0)).toThrow(/integer >= 0/);
  });

  it('routes by topic selector and adds headers from a map or a list', () => {
    const b = build<{ t: string }>({
      topic: undefined,
      topicSelector: (v) => `topic-${v.t}`,
      headers: (v) =>
        v.t === 'a'
          ? { source: 'x', raw: Buffer.from([1]) }
          : [
              { key: 'h', value: Buffer.from('1') },
              { key: 'h', value: Buffer.from('2') },
            ],
    });
    const a = b.record({ t: 'a' }, 0);
    expect(a.topic).toBe('topic-a');
    expect(a.headers?.map((h) => [h.key, [...h.value]])).toEqual([
      ['source', [...Buffer.from('x')]],
      ['raw', [1]],
    ]);
    expect(b.record({ t: 'b' }, 0).headers?.map((h) => `${h.key}=${h.value}`)).toEqual(['h=1', 'h=2']);
    expect(recordBytes(a)).toBe((a.value?.length as number) + 'source'.length + 1 + 'raw'.length + 1);
  });

  it('writes the event timestamp unless told to leave it to the broker', () => {
    expect(build<string>({}).record('v', 1_000).timestamp).toBe(1_000);
    expect(build<string>({}).record('v', NO_TIMESTAMP)).not.toHaveProperty('timestamp');
    expect(build<string>({ timestamp: 'broker' }).record('v', 1_000)).not.toHaveProperty('timestamp');
  });

  it('sendEnd cuts a send at maxRecords or before the record that passes the byte limit, never below one record', () => {
    const of = (bytes: number) => ({ topic: 'out', value: Buffer.alloc(bytes) });
    const small = Array.from({ length: 10 }, () => of(10));
    expect(sendEnd(small, 0, 4)).toBe(4);
    expect(sendEnd(small, 8, 4)).toBe(10);
    const per = 100 + RECORD_OVERHEAD_BYTES;
    const hundred = Array.from({ length: 50 }, () => of(100));
    expect(sendEnd(hundred, 0, 5_000, 10 * per)).toBe(10);
    expect(sendEnd(hundred, 45, 5_000, 10 * per)).toBe(50);
    // One record larger than the limit still goes (alone): the broker decides about it.
    expect(sendEnd([of(MAX_SEND_BYTES * 2), of(1)], 0, 5_000)).toBe(1);
    // 5 000 records of 300 bytes (the default maxBatchRecords) would pass the broker's 1 MiB.
    const big = Array.from({ length: 5_000 }, () => of(300));
    const end = sendEnd(big, 0, 5_000);
    expect(end).toBeLessThan(5_000);
    expect(end * (300 + RECORD_OVERHEAD_BYTES)).toBeLessThanOrEqual(MAX_SEND_BYTES);
  });
});
