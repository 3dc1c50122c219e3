import { type KafkaService, skipWithoutService, startKafka, uniqueGroupId, uniqueTopic } from '@sluice/testing';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe.skipIf(skipWithoutService('kafka'))('startKafka', () => {
  let service: KafkaService;
  let kafka: Kafka;

  beforeAll(async () => {
    service = await startKafka();
    kafka = new Kafka({ clientId: 'kafka-int-test', brokers: service.brokers, logLevel: logLevel.NOTHING });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('shares the run-wide broker published by the global setup', () => {
    // The global setup publishes its broker through env vars; test workers must see them.
    if ((process.env['SLUICE_TESTING_SHARED'] ?? '').split(',').includes('kafka')) {
      expect(service.mode).toBe('external');
      expect(service.bootstrapServers).toBe(process.env['KAFKA_BOOTSTRAP_SERVERS']);
    }
    expect(service.brokers.length).toBeGreaterThan(0);
  });

  it('produces and consumes through the broker', async () => {
    const topic = uniqueTopic('orders');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `order-${i}` }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const received: string[] = [];
    const consumer = kafka.consumer({ groupId: uniqueGroupId('orders-reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value?.toString() ?? '');
      },
    });
    try {
      await vi.waitFor(() => expect(received).toHaveLength(sent.length), { timeout: 30_000, interval: 50 });
    } finally {
      await consumer.disconnect();
    }
    expect([...received].sort()).toEqual(sent.map((message) => message.value).sort());
  });
});
