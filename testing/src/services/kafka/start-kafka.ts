import { chooseServicePath } from '../choose-service-path.ts';
import { resolveModePreference } from '../service-mode.ts';
import { isSharedByGlobalSetup } from '../shared-services.ts';
import type { KafkaService, StartKafkaOptions } from './kafka-service.ts';
import { startKafkaContainer } from './start-kafka-container.ts';
import { startLocalKafka } from './start-local-kafka.ts';

/**
 * A Kafka broker for tests, by the first path that applies:
 * 1. `KAFKA_BOOTSTRAP_SERVERS` is set (e.g. by the run's global setup) → that broker; `stop()` does nothing;
 * 2. a container runtime answers → `@testcontainers/kafka` in KRaft mode;
 * 3. otherwise → a real Apache Kafka 4 broker as a local Java process (needs Java 17+ and,
 *    on the first run, Maven).
 *
 * Logs one line naming the path taken.
 *
 * @example
 * ```ts
 * const kafka = await startKafka();
 * const client = new Kafka({ brokers: kafka.brokers });
 * // ...
 * await kafka.stop();
 * ```
 */
export function startKafka(options: StartKafkaOptions = {}): Promise<KafkaService> {
  return chooseServicePath<KafkaService>(
    {
      name: 'Kafka',
      externalEnvVar: 'KAFKA_BOOTSTRAP_SERVERS',
      external: () => {
        const bootstrapServers = process.env['KAFKA_BOOTSTRAP_SERVERS']?.trim();
        if (!bootstrapServers) return undefined;
        const brokers = bootstrapServers
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean);
        return { bootstrapServers: brokers.join(','), brokers, mode: 'external', stop: async () => {} };
      },
      container: () => startKafkaContainer(options),
      localProcess: () => startLocalKafka(options),
      describe: (kafka) => `at ${kafka.bootstrapServers}`,
      logExternal: !isSharedByGlobalSetup('kafka'),
    },
    resolveModePreference(options.mode),
    options.containerRuntimeTimeoutMs,
  );
}
