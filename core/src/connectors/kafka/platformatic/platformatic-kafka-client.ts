import type {
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaConsumerOptions,
  KafkaProducer,
  KafkaProducerOptions,
  KafkaTransactionalProducer,
  KafkaTransactionalProducerOptions,
} from '../kafka-client.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { PlatformaticAdmin } from './platformatic-admin.ts';
import { PlatformaticConsumer } from './platformatic-consumer.ts';
import type { PlatformaticModule } from './platformatic-options.ts';
import { PlatformaticProducer, PlatformaticTransactionalProducer } from './platformatic-producer.ts';

/** {@link KafkaClient} on @platformatic/kafka; the library is imported here, on first use only. */
export async function createPlatformaticKafkaClient(config: KafkaClientConfig): Promise<KafkaClient> {
  const lib: PlatformaticModule = await import('@platformatic/kafka');
  return {
    library: 'platformatic',
    consumer: (options?: KafkaConsumerOptions): KafkaConsumer =>
      new PlatformaticConsumer(lib, config, new PlatformaticAdmin(lib, config), options),
    producer: (options?: KafkaProducerOptions): KafkaProducer => new PlatformaticProducer(lib, config, options),
    transactionalProducer: (options: KafkaTransactionalProducerOptions): KafkaTransactionalProducer =>
      new PlatformaticTransactionalProducer(lib, config, options),
    admin: (): KafkaAdmin => new PlatformaticAdmin(lib, config),
  };
}
