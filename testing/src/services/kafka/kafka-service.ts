import type { ServiceMode, ServiceModePreference } from '../service-mode.ts';

/**
 * A reachable Kafka broker.
 *
 * @example
 * ```ts
 * const kafka: KafkaService = await startKafka();
 * new Kafka({ brokers: kafka.brokers });
 * ```
 */
export interface KafkaService {
  /** Comma-separated `host:port` list. */
  bootstrapServers: string;
  /** `bootstrapServers` as an array (what kafkajs' `brokers` option takes). */
  brokers: string[];
  mode: ServiceMode;
  /** Stops what this call started (a no-op for `external`). */
  stop(): Promise<void>;
}

/**
 * Options of `startKafka`.
 *
 * @example
 * ```ts
 * await startKafka({ readyTimeoutMs: 120_000, brokerProperties: { 'num.partitions': 3 } });
 * ```
 */
export interface StartKafkaOptions {
  /** Force one path; default `SLUICE_TESTING_MODE` or `auto`. */
  mode?: ServiceModePreference;
  /** Container image for the Testcontainers path; default `SLUICE_KAFKA_IMAGE` or Confluent 8.2 (Kafka 4.2). */
  image?: string;
  /** Budget for the broker to answer, default 90 s. */
  readyTimeoutMs?: number;
  /** Budget for the container runtime check, default 5 s. */
  containerRuntimeTimeoutMs?: number;
  /** Extra `server.properties` entries for the local broker (override the defaults). */
  brokerProperties?: Record<string, string | number | boolean>;
  /** JVM options of the local broker, replacing the defaults (small heap, fast startup). */
  jvmArgs?: string[];
}
