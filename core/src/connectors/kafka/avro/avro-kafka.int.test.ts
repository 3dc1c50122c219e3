import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  avroDeserializer,
  avroSerializer,
  createKafkaClient,
  type KafkaClient,
  type KafkaRecord,
  SchemaRegistryClient,
  SluiceError,
} from '../../../index.ts';
import { FakeSchemaRegistry } from './fixtures/fake-schema-registry.ts';

const bootstrap = process.env['KAFKA_BOOTSTRAP_SERVERS']?.split(',').filter(Boolean) ?? [];

const READING = JSON.stringify({
  type: 'record',
  name: 'Reading',
  namespace: 'iot',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'value', type: ['null', 'double'] },
  ],
});

interface Reading {
  readonly sensor: string;
  readonly at: number;
  readonly value: number | null;
}

describe.skipIf(bootstrap.length === 0)('Avro through a real Kafka broker', () => {
  const registry = new FakeSchemaRegistry();
  let client: KafkaClient;

  beforeAll(async () => {
    await registry.start();
    client = await createKafkaClient({ bootstrapServers: bootstrap, clientId: 'avro-int' });
  });
  afterAll(async () => {
    await registry.stop();
  });

  it('serializes in the wire format, and deserializes each fetched batch after one prepare', async () => {
    const topic = `avro-${randomUUID().slice(0, 8)}`;
    const admin = client.admin();
    const producer = client.producer();
    const consumer = client.consumer();
    try {
      await admin.createTopics([{ topic, partitions: 1 }]);
      const schemaId = await new SchemaRegistryClient({ url: registry.url }).register(`${topic}-value`, READING);
      const serializer = avroSerializer<Reading>({ schema: READING, schemaId });
      const sent: Reading[] = Array.from({ length: 500 }, (_, i) => ({
        sensor: `s-${i % 7}`,
        at: 1_700_000_000_000_000 + i,
        value: i % 5 === 0 ? null : i / 4,
      }));
      await producer.send([
        ...sent.slice(0, 250).map((r) => ({ topic, value: serializer.serialize(r) })),
        { topic, value: Buffer.from('{"sensor":"json by mistake"}') },
        ...sent.slice(250).map((r) => ({ topic, value: serializer.serialize(r) })),
      ]);

      await consumer.assign([{ topic, partition: 0, start: { kind: 'earliest' } }]);
      const deserializer = avroDeserializer<Reading>({ registryUrl: registry.url });
      const good: Reading[] = [];
      const bad: { offset: number; error: unknown }[] = [];
      for (let polls = 0; good.length + bad.length < 501 && polls < 200; polls++) {
        for (const batch of await consumer.poll()) {
          await deserializer.prepare?.(batch.records);
          for (const record of batch.records as KafkaRecord[]) {
            try {
              good.push(deserializer.deserialize(record));
            } catch (error) {
              bad.push({ offset: record.offset, error });
            }
          }
        }
      }
      expect(good).toEqual(sent);
      expect(bad).toHaveLength(1);
      expect(bad[0]?.offset).toBe(250);
      expect(bad[0]?.error).toBeInstanceOf(SluiceError);
      expect((bad[0]?.error as SluiceError).code).toBe('DESERIALIZATION_FAILED');
      expect(registry.requests.filter((r) => r.startsWith('GET'))).toEqual([`GET /schemas/ids/${schemaId}`]);
    } finally {
      await Promise.allSettled([consumer.close(), producer.close()]);
      await admin.close();
    }
  });
});
