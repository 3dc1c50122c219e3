import { SluiceTestingError } from '../../errors.ts';
import { chooseServicePath } from '../choose-service-path.ts';
import { harnessLog } from '../harness-log.ts';
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
 * With `security` (SASL and TLS listeners, see `KafkaSecurityOptions`) only path 3 applies: the
 * call always starts its own local broker, even when `KAFKA_BOOTSTRAP_SERVERS` or
 * `SLUICE_TESTING_MODE` point elsewhere; an explicit `mode` of `external` or `testcontainers`
 * is rejected.
 *
 * @example
 * ```ts
 * const kafka = await startKafka();
 * const client = new Kafka({ brokers: kafka.brokers });
 * // ...
 * await kafka.stop();
 *
 * const secured = await startKafka({ security: true });
 * const { saslSsl, caCertificate, users } = secured.security!;
 * ```
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaService> {
  if (options.security !== undefined && options.security !== false) return startSecuredKafka(options);
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

/** `startKafka` with `security`: always a local broker of its own. */
async function startSecuredKafka(options: StartKafkaOptions): Promise<KafkaService> {
  if (options.mode === 'external' || options.mode === 'testcontainers') {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      `startKafka: \`security\` (SASL/TLS listeners) needs a broker started as a local process, but mode '${options.mode}' ` +
        "was asked for. Drop `mode` (or use 'local-process'); it needs Java 17+ and openssl.",
      { domain: 'user', retriable: false },
    );
  }
  const kafka = await startLocalKafka(options);
  const listeners = kafka.security;
  harnessLog(
    `Kafka: local process (security listeners need it) at ${kafka.bootstrapServers}` +
      (listeners === undefined
        ? ''
        : `, SASL_PLAINTEXT ${listeners.saslPlaintext.bootstrapServers}, SSL ${listeners.ssl.bootstrapServers}, ` +
          `SASL_SSL ${listeners.saslSsl.bootstrapServers}`),
  );
  return kafka;
}
