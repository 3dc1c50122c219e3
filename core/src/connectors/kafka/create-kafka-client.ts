import type { KafkaClient } from './kafka-client.ts';
import { DEFAULT_KAFKA_CLIENT_LIBRARY, type KafkaClientConfig } from './kafka-client-config.ts';

/**
 * A {@link KafkaClient} on the configured library (default: @platformatic/kafka). The library is
 * imported by this call, never when `@sluice/core` is imported.
 *
 * @example
 * ```ts
 * const client = await createKafkaClient({ bootstrapServers: ['localhost:9092'] });
 * const admin = client.admin();
 * await admin.createTopics([{ topic: 'payments', partitions: 4 }]);
 * await admin.close();
 * ```
 * @experimental
 */
export async function createKafkaClient(config: KafkaClientConfig): Promise<KafkaClient> {
  const library = config.library ?? DEFAULT_KAFKA_CLIENT_LIBRARY;
  if (library === 'kafkajs') {
    const { createKafkaJsKafkaClient } = await import('./kafkajs/kafkajs-kafka-client.ts');
    return createKafkaJsKafkaClient(config);
  }
  const { createPlatformaticKafkaClient } = await import('./platformatic/platformatic-kafka-client.ts');
  return createPlatformaticKafkaClient(config);
}
