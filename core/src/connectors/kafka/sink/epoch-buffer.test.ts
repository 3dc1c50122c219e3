import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { KafkaProducerRecord } from '../kafka-client.ts';
import { decodeRecords, EpochBuffer, type EncodedRecords } from './epoch-buffer.ts';

const records: KafkaProducerRecord[] = [
  { topic: 'a', key: Buffer.from('k1'), value: Buffer.from('{"n":1}'), timestamp: 1_700_000_000_123 },
  { topic: 'b', key: null, value: null },
  { topic: 'a', partition: 3, key: Buffer.alloc(0), value: Buffer.from('x'), timestamp: 0 },
  {
    topic: 'a',
    key: Buffer.from('k2'),
    value: Buffer.from('é ✓'),
    headers: [
      { key: 'trace', value: Buffer.from('1') },
      { key: 'trace', value: Buffer.from('2') },
      { key: 'ключ', value: Buffer.alloc(0) },
    ],
  },
];

const plain = (list: readonly KafkaProducerRecord[]) =>
  list.map((r) => ({
    ...r,
    key: r.key?.toString('hex') ?? null,
    value: r.value?.toString('hex') ?? null,
    headers: r.headers?.map((h) => `${h.key}=${h.value.toString('hex')}`),
  }));

describe('EpochBuffer', () => {
  it('round-trips topics, partitions, keys, values, tombstones, headers and timestamps', () => {
    const epoch = new EpochBuffer(8); // tiny: forces growth
    for (const r of records) epoch.append(r);
    expect(epoch.count).toBe(4);
    // keys + values + header keys and values
    expect(epoch.payloadBytes).toBe(
      2 + 7 + 0 + 1 + 2 + Buffer.byteLength('é ✓') + (5 + 1) * 2 + Buffer.byteLength('ключ'),
    );
    const sealed = epoch.seal();
    expect(sealed.topics).toEqual(['a', 'b']);
    expect(plain(decodeRecords(sealed))).toEqual(
      plain(records).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
    );
  });

  it('starts a new epoch after seal and survives the checkpoint serializer', () => {
    const epoch = new EpochBuffer();
    epoch.append(records[0] as KafkaProducerRecord);
    epoch.seal();
    expect(epoch.count).toBe(0);
    epoch.append(records[3] as KafkaProducerRecord);
    const copy = deserialize(serialize(epoch.seal())) as EncodedRecords;
    expect(plain(decodeRecords(copy))).toEqual(plain([records[3] as KafkaProducerRecord]));
  });

  it('detects a damaged epoch', () => {
    const epoch = new EpochBuffer();
    epoch.append(records[0] as KafkaProducerRecord);
    const sealed = epoch.seal();
    expect(() => decodeRecords({ ...sealed, bytes: Buffer.concat([sealed.bytes, Buffer.from([0])]) })).toThrow(
      /damaged/,
    );
  });
});
