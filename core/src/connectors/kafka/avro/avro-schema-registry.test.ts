import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  avroDeserializer,
  avroSerializer,
  type KafkaRecord,
  readSchemaId,
  SchemaRegistryClient,
  SchemaRegistryError,
  schemaRegistryHeader,
  SluiceError,
} from '../../../index.ts';
import { FakeSchemaRegistry } from './fixtures/fake-schema-registry.ts';

const PAYMENT = JSON.stringify({
  type: 'record',
  name: 'Payment',
  namespace: 'fraud',
  fields: [
    { name: 'card', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
});

function record(value: Buffer | null, offset = 0): KafkaRecord {
  return { topic: 't', partition: 0, offset, key: null, value, headers: [], timestamp: 0 };
}

function errorOf(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SluiceError) return e;
    throw e;
  }
  return expect.fail('expected a throw');
}

const registry = new FakeSchemaRegistry();
beforeAll(() => registry.start());
afterAll(() => registry.stop());
beforeEach(() => {
  registry.schemas.clear();
  registry.requests.length = 0;
  registry.auth = undefined;
  registry.failNext = 0;
  registry.delayMs = 0;
});

describe('schema-registry wire format', () => {
  it('is magic byte 0, a 4-byte big-endian id, then the Avro payload', () => {
    const bytes = avroSerializer<string>({ schema: '"string"', schemaId: 0x01020304 }).serialize('foo');
    expect(bytes.toString('hex')).toBe('00010203040666 6f6f'.replace(/ /g, ''));
    expect(readSchemaId(bytes)).toBe(0x01020304);
    expect(schemaRegistryHeader(2 ** 32 - 1).toString('hex')).toBe('00ffffffff');
    expect(() => schemaRegistryHeader(2 ** 32)).toThrow(/\[0, 2\^32\)/);
    expect(() => readSchemaId(Buffer.from('{"a":1}'))).toThrow(/0x7b \('\{'\), not the schema-registry magic byte/);
    expect(() => readSchemaId(Buffer.from([0, 0, 1]))).toThrow(/fewer than the 5-byte/);
  });
});

describe('SchemaRegistryClient', () => {
  it('fetches a schema by id once and serves it from the cache after', async () => {
    registry.schemas.set(3, { schema: PAYMENT });
    const client = new SchemaRegistryClient({ url: `${registry.url}/` });
    const [a, b] = await Promise.all([client.getSchemaById(3), client.getSchemaById(3)]);
    expect(a).toEqual({ id: 3, schemaType: 'AVRO', schema: PAYMENT });
    expect(b).toBe(a);
    await client.getSchemaById(3);
    expect(registry.requests).toEqual(['GET /schemas/ids/3']);
  });

  it('sends basic auth and explains a 401', async () => {
    registry.auth = `Basic ${Buffer.from('key:secret').toString('base64')}`;
    registry.schemas.set(1, { schema: '"int"' });
    await expect(new SchemaRegistryClient({ url: registry.url }).getSchemaById(1)).rejects.toThrow(
      /answered 401.*basicAuth/,
    );
    const ok = new SchemaRegistryClient({ url: registry.url, basicAuth: { username: 'key', password: 'secret' } });
    expect((await ok.getSchemaById(1)).schema).toBe('"int"');
  });

  it('classifies errors: 404 not retriable with the registry error code, 5xx and unreachable retriable, not cached', async () => {
    const client = new SchemaRegistryClient({ url: registry.url });
    const notFound = await client.getSchemaById(99).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(SchemaRegistryError);
    expect(notFound).toMatchObject({
      status: 404,
      registryErrorCode: 40403,
      retriable: false,
      code: 'SCHEMA_REGISTRY_FAILED',
    });
    expect((notFound as Error).message).toMatch(/Schema 99 not found/);

    registry.schemas.set(5, { schema: '"int"' });
    registry.failNext = 1;
    await expect(client.getSchemaById(5)).rejects.toMatchObject({ status: 500, retriable: true });
    expect((await client.getSchemaById(5)).schema).toBe('"int"'); // the failure was not cached

    const down = new FakeSchemaRegistry();
    await down.start();
    await down.stop();
    const unreachable = await new SchemaRegistryClient({ url: down.url }).getSchemaById(1).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ status: undefined, retriable: true });
    expect((unreachable as Error).message).toMatch(/Cannot reach the schema registry/);
    expect(() => new SchemaRegistryClient({ url: 'localhost:8081' })).toThrow(/http:\/\//);
  });

  it('registers a schema under a subject and returns its id', async () => {
    const client = new SchemaRegistryClient({ url: registry.url });
    const id = await client.register('payments-value', PAYMENT);
    expect(await client.register('payments-value', PAYMENT)).toBe(id);
    expect((await client.getSchemaById(id)).schema).toBe(PAYMENT);
    expect(registry.requests[0]).toBe('POST /subjects/payments-value/versions');
  });
});

describe('avroDeserializer', () => {
  it('prepares the ids of a batch with one request each, then decodes synchronously', async () => {
    const client = new SchemaRegistryClient({ url: registry.url });
    const id = await client.register('payments-value', PAYMENT);
    const serializer = avroSerializer<{ card: string; amount: string; at: number }>({ schema: PAYMENT, schemaId: id });
    const records = [0, 1, 2].map((i) =>
      record(serializer.serialize({ card: `c-${i}`, amount: `${i}.5`, at: 1_700_000_000_000 + i }), i),
    );
    const deserializer = avroDeserializer<{ card: string; amount: string; at: number }>({ registryUrl: registry.url });
    registry.requests.length = 0;
    registry.delayMs = 20;
    await Promise.all([deserializer.prepare?.(records), deserializer.prepare?.(records.slice(1))]);
    await deserializer.prepare?.(records);
    expect(registry.requests).toEqual([`GET /schemas/ids/${id}`]);
    expect(records.map((r) => deserializer.deserialize(r))).toEqual([
      { card: 'c-0', amount: '0.50', at: 1_700_000_000_000 },
      { card: 'c-1', amount: '1.50', at: 1_700_000_000_001 },
      { card: 'c-2', amount: '2.50', at: 1_700_000_000_002 },
    ]);
  });

  it('makes bad records throw DESERIALIZATION_FAILED (for the dead-letter topic) without failing prepare', async () => {
    registry.schemas.set(1, { schema: PAYMENT });
    registry.schemas.set(2, { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' });
    registry.schemas.set(3, { schema: '{"type":"record","name":"Broken","fields":[{"name":"x","type":"Missing"}]}' });
    const good = avroSerializer({ schema: PAYMENT, schemaId: 1 }).serialize({ card: 'c', amount: '1.00', at: 1 });
    const cases: [Buffer | null, RegExp][] = [
      [
        Buffer.concat([schemaRegistryHeader(404), good.subarray(5)]),
        /schema id 404 cannot be decoded.*no schema with this id/,
      ],
      [Buffer.concat([schemaRegistryHeader(2), good.subarray(5)]), /PROTOBUF schema, not Avro/],
      [Buffer.concat([schemaRegistryHeader(3), good.subarray(5)]), /unknown type 'Missing'/],
      [good.subarray(0, good.length - 2), /truncated/],
      [Buffer.concat([good, Buffer.from([1])]), /left over/],
      [Buffer.from('{"card":"c"}'), /not the schema-registry magic byte/],
      [Buffer.from([0, 0]), /fewer than the 5-byte/],
      [null, /tombstone.*tombstones: 'null'/],
    ];
    const deserializer = avroDeserializer({ registry: new SchemaRegistryClient({ url: registry.url }) });
    await deserializer.prepare?.(cases.map(([bytes], i) => record(bytes, i)));
    for (const [bytes, message] of cases) {
      const error = errorOf(() => deserializer.deserialize(record(bytes)));
      expect(error.code).toBe('DESERIALIZATION_FAILED');
      expect(error.retriable).toBe(false);
      expect(error.message).toMatch(message);
    }
    expect(deserializer.deserialize(record(good))).toEqual({ card: 'c', amount: '1.00', at: 1 });
    // The unknown id is remembered: no new request for it.
    const before = registry.requests.length;
    await deserializer.prepare?.([record(cases[0]?.[0] ?? null)]);
    expect(registry.requests.length).toBe(before);
  });

  it('fails prepare (retriable) when the registry is down, and recovers once it answers', async () => {
    registry.schemas.set(1, { schema: '"string"' });
    registry.failNext = 1;
    const deserializer = avroDeserializer<string>({ registryUrl: registry.url });
    const bytes = avroSerializer<string>({ schema: '"string"', schemaId: 1 }).serialize('hi');
    await expect(deserializer.prepare?.([record(bytes)])).rejects.toMatchObject({ retriable: true, status: 500 });
    expect(() => deserializer.deserialize(record(bytes))).toThrow(/await deserializer.prepare/);
    await deserializer.prepare?.([record(bytes)]);
    expect(deserializer.deserialize(record(bytes))).toBe('hi');
  });

  it('reads keys, passes tombstones through as null and resolves to a reader schema', async () => {
    registry.schemas.set(7, { schema: PAYMENT });
    const reader = {
      type: 'record',
      name: 'Payment',
      fields: [
        { name: 'card', type: 'string' },
        { name: 'currency', type: 'string', default: 'EUR' },
      ],
    };
    const value = avroSerializer({ schema: PAYMENT, schemaId: 7 }).serialize({ card: 'k', amount: '3.00', at: 5 });
    const deserializer = avroDeserializer<{ card: string; currency: string } | null>({
      registryUrl: registry.url,
      part: 'key',
      tombstones: 'null',
      readerSchema: reader,
    });
    const keyed: KafkaRecord = { ...record(null), key: value };
    await deserializer.prepare?.([keyed]);
    expect(deserializer.deserialize(keyed)).toEqual({ card: 'k', currency: 'EUR' });
    expect(deserializer.deserialize(record(Buffer.from('x')))).toBeNull(); // the key is null
  });

  it('needs a registry', () => {
    expect(() => avroDeserializer({})).toThrow(/registry or registryUrl/);
  });
});
