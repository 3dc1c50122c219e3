import { SluiceTestingError } from '../../errors.ts';
import { waitUntil, type WaitUntilOptions } from '../wait-until.ts';

/**
 * Polls the broker with a kafkajs admin `describeCluster` until it answers with at least one
 * broker and a controller.
 *
 * @example
 * ```ts
 * await waitForKafka('127.0.0.1:40123', { what: 'Kafka broker', timeoutMs: 90_000 });
 * ```
 */
export async function waitForKafka(bootstrapServers: string, options: WaitUntilOptions): Promise<void> {
  // Loaded here: importing @sluice/testing must not load every client library.
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: 'sluice-testing-readiness',
    brokers: bootstrapServers.split(','),
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  await waitUntil(async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0 || cluster.controller === null) {
        throw new SluiceTestingError(
          'SERVICE_UNAVAILABLE',
          'The broker answered but has no registered broker or controller yet; keep polling.',
          {
            domain: 'external',
            retriable: true,
          },
        );
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }, options);
}
