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
  /**
   * Only for a broker this call started as a local process (`mode: 'local-process'`): stops it,
   * waits `downtimeMs`, starts it again on the same ports with the same data, and resolves when
   * it answers again. For testing how clients ride out a broker outage.
   *
   * @example
   * ```ts
   * const kafka = await startKafka({ mode: 'local-process' });
   * await kafka.restart?.({ downtimeMs: 5_000 });
   * ```
   */
  restart?(options?: KafkaRestartOptions): Promise<void>;
}

/**
 * Options of {@link KafkaService.restart}.
 *
 * @example
 * ```ts
 * const options: KafkaRestartOptions = { downtimeMs: 5_000, signal: 'SIGKILL' };
 * ```
 */
export interface KafkaRestartOptions {
  /** How long the broker stays down; default 0. */
  downtimeMs?: number;
  /** `SIGTERM` (default: controlled shutdown) or `SIGKILL` (a crash; the log is recovered on start). */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** Budget for the broker to answer again, default 90 s. */
  readyTimeoutMs?: number;
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
