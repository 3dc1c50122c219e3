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
import { KafkaJsAdmin } from './kafkajs-admin.ts';
import { KafkaJsConsumer } from './kafkajs-consumer.ts';
import { createKafkaJs, type KafkaJsModule } from './kafkajs-options.ts';
import { KafkaJsProducer, KafkaJsTransactionalProducer } from './kafkajs-producer.ts';

/** {@link KafkaClient} on kafkajs; the library is imported here, on first use only. */
export async function createKafkaJsKafkaClient(config: KafkaClientConfig): Promise<KafkaClient> {
  const loaded = (await import('kafkajs')) as KafkaJsModule & { default?: KafkaJsModule };
  const lib: KafkaJsModule = loaded.default ?? loaded;
  const kafka = createKafkaJs(lib, config);
  return {
    library: 'kafkajs',
    consumer: (options?: KafkaConsumerOptions): KafkaConsumer =>
      new KafkaJsConsumer(lib, kafka, new KafkaJsAdmin(kafka), options),
    producer: (options?: KafkaProducerOptions): KafkaProducer => new KafkaJsProducer(lib, kafka, options),
    transactionalProducer: (options: KafkaTransactionalProducerOptions): KafkaTransactionalProducer =>
      new KafkaJsTransactionalProducer(lib, kafka, options),
    admin: (): KafkaAdmin => new KafkaJsAdmin(kafka),
  };
}
