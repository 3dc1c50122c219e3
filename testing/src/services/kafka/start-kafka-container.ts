import { SluiceTestingError } from '../../errors.ts';
import type { KafkaService, StartKafkaOptions } from './kafka-service.ts';
import { waitForKafka } from './wait-for-kafka.ts';

/**
 * Default image of the Testcontainers path. `@testcontainers/kafka`'s `KafkaContainer` drives
 * Confluent's image (its start script is Confluent's); Confluent Platform 8.2 is Apache Kafka 4.2
 * in KRaft mode, the same broker version the local-process path runs.
 */
export const DEFAULT_KAFKA_IMAGE = 'confluentinc/cp-kafka:8.2.0';

/** The plaintext port `KafkaContainer` exposes to the host. */
const KAFKA_CONTAINER_PORT = 9093;

/**
 * Starts Kafka in a container with `@testcontainers/kafka` (KRaft mode) and waits until a
 * kafkajs admin call answers.
 *
 * @example
 * ```ts
 * const kafka = await startKafkaContainer({ image: 'confluentinc/cp-kafka:8.2.0' });
 * ```
 */
export async function startKafkaContainer(options: StartKafkaOptions = {}): Promise<KafkaService> {
  if (options.security !== undefined && options.security !== false) {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      'The Kafka container path cannot add SASL/TLS listeners (`security`); only the local-process broker can. ' +
        "Use startKafka({ security }) without `mode`, or with mode 'local-process'.",
      { domain: 'user', retriable: false },
    );
  }
  const image = options.image ?? process.env['SLUICE_KAFKA_IMAGE'] ?? DEFAULT_KAFKA_IMAGE;
  const { KafkaContainer } = await import('@testcontainers/kafka');
  let container: Awaited<ReturnType<InstanceType<typeof KafkaContainer>['start']>>;
  try {
    container = await new KafkaContainer(image).withKraft().start();
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_START_FAILED',
      `The Kafka container (${image}) did not start. Check that the image can be pulled, or set ` +
        'SLUICE_TESTING_MODE=local-process to run a local broker instead.',
      { domain: 'external', retriable: true, cause: error },
    );
  }
  const bootstrapServers = `${container.getHost()}:${container.getMappedPort(KAFKA_CONTAINER_PORT)}`;
  const stop = async (): Promise<void> => {
    await container.stop();
  };
  try {
    await waitForKafka(bootstrapServers, {
      what: `Kafka container ${image} at ${bootstrapServers}`,
      timeoutMs: options.readyTimeoutMs ?? 90_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { bootstrapServers, brokers: [bootstrapServers], mode: 'testcontainers', stop };
}
