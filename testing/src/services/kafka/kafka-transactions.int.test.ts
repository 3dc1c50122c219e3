import {
  type KafkaService,
  skipWithoutService,
  startKafka,
  uniqueGroupId,
  uniqueTopic,
  uniqueTransactionalId,
} from '@sluice/testing';
import { type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** A running consumer that records every value it receives and counts its completed fetches. */
async function startRecordingConsumer(kafka: Kafka, topic: string, readUncommitted: boolean) {
  const values: string[] = [];
  let fetches = 0;
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueGroupId('tx-reader'),
    readUncommitted,
    maxWaitTimeInMs: 50,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.FETCH, () => {
    fetches += 1;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? '');
    },
  });
  await vi.waitFor(() => expect(joined).toBe(true), { timeout: 30_000, interval: 20 });
  return { consumer, values, fetchCount: () => fetches };
}

describe.skipIf(skipWithoutService('kafka'))('Kafka transactions', () => {
  let service: KafkaService;
  let kafka: Kafka;

  beforeAll(async () => {
    service = await startKafka();
    kafka = new Kafka({ clientId: 'kafka-tx-int-test', brokers: service.brokers, logLevel: logLevel.NOTHING });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('shows a read_committed consumer only committed records, and only after the commit', async () => {
    const topic = uniqueTopic('payments');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const committedReader = await startRecordingConsumer(kafka, topic, false);
    const uncommittedReader = await startRecordingConsumer(kafka, topic, true);
    const producer = kafka.producer({
      transactionalId: uniqueTransactionalId('payments-writer'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      // Batch A: written, then aborted.
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ value: 'A1' }, { value: 'A2' }] });
      await aborted.abort();

      // Batch B: written, transaction still open.
      const open = await producer.transaction();
      await open.send({ topic, messages: [{ value: 'B1' }, { value: 'B2' }, { value: 'B3' }] });

      // The records are in the log: a read_uncommitted consumer sees all of them...
      await vi.waitFor(() => expect(uncommittedReader.values).toEqual(['A1', 'A2', 'B1', 'B2', 'B3']), {
        timeout: 30_000,
        interval: 20,
      });
      // ...while the read_committed consumer keeps fetching (several completed fetches after the
      // records landed) and still gets nothing: neither the aborted nor the open transaction.
      const fetchesBefore = committedReader.fetchCount();
      await vi.waitFor(() => expect(committedReader.fetchCount()).toBeGreaterThanOrEqual(fetchesBefore + 5), {
        timeout: 30_000,
        interval: 20,
      });
      expect(committedReader.values).toEqual([]);

      await open.commit();

      // After the commit it gets exactly batch B, never batch A.
      await vi.waitFor(() => expect(committedReader.values).toHaveLength(3), { timeout: 30_000, interval: 20 });
      expect(committedReader.values).toEqual(['B1', 'B2', 'B3']);
    } finally {
      await producer.disconnect();
      await committedReader.consumer.disconnect();
      await uncommittedReader.consumer.disconnect();
    }
  });
});
