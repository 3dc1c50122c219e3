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
  /**
   * The authenticated and encrypted listeners, their CA and users: only when `startKafka` was
   * called with `security` (see {@link KafkaSecurityOptions}); `undefined` otherwise.
   *
   * @example
   * ```ts
   * const kafka = await startKafka({ security: true });
   * const [user] = kafka.security?.users ?? [];
   * ```
   */
  security?: KafkaSecurityListeners;
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
  /**
   * Adds SASL and TLS listeners to the broker (`true` = with the default user), besides the
   * usual plaintext one, which stays as it is. Only the local-process broker can do this: with
   * `security`, `startKafka` never uses an external broker (`KAFKA_BOOTSTRAP_SERVERS`) or a
   * container, and the explicit modes `external` and `testcontainers` are rejected. Needs
   * `openssl` on the PATH (to make a throwaway CA). Details: {@link KafkaSecurityOptions}.
   */
  security?: boolean | KafkaSecurityOptions;
}

/**
 * A SASL mechanism the secured test broker accepts, named as Kafka names it.
 *
 * @example
 * ```ts
 * const mechanism: KafkaSaslMechanismName = 'SCRAM-SHA-512';
 * ```
 */
export type KafkaSaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/**
 * A user of the secured test broker. The name takes letters, digits, `_` and `-`; the password
 * also `.`: both go into the JAAS config and the SCRAM credentials without quoting.
 *
 * @example
 * ```ts
 * const user: KafkaSaslUser = { username: 'alice', password: 'alice-secret' };
 * ```
 */
export interface KafkaSaslUser {
  username: string;
  password: string;
}

/**
 * What `startKafka({ security })` adds to the local broker:
 * - a `SASL_PLAINTEXT` listener with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512;
 * - an `SSL` listener (TLS, server certificate only: no client certificates asked for);
 * - a `SASL_SSL` listener (the same three mechanisms over TLS).
 *
 * The broker's certificate is signed by a CA made for this broker only (EC P-256, valid two
 * days, key deleted with the data directory) and names `127.0.0.1` and `localhost`. Every user
 * can log in with every mechanism: PLAIN users are in the listener's JAAS config, SCRAM
 * credentials (SHA-256 and SHA-512) are written to the metadata log when the storage is
 * formatted. No authorizer runs: an authenticated user may do anything.
 *
 * @example
 * ```ts
 * const kafka = await startKafka({ security: { users: [{ username: 'alice', password: 'alice-secret' }] } });
 * const listeners = kafka.security!;
 * await createKafkaClient({
 *   bootstrapServers: listeners.saslSsl.brokers,
 *   tls: { ca: [listeners.caCertificate] },
 *   sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
 * });
 * ```
 */
export interface KafkaSecurityOptions {
  /** Users the SASL listeners accept; default one user `sluice` with a random password. */
  users?: readonly KafkaSaslUser[];
}

/**
 * The address of one broker listener.
 *
 * @example
 * ```ts
 * const listener: KafkaListenerAddress = { bootstrapServers: '127.0.0.1:40125', brokers: ['127.0.0.1:40125'] };
 * ```
 */
export interface KafkaListenerAddress {
  /** Comma-separated `host:port` list. */
  bootstrapServers: string;
  /** `bootstrapServers` as an array. */
  brokers: string[];
}

/**
 * The secured listeners of a broker started with `startKafka({ security })`, and what a client
 * needs to use them (see {@link KafkaSecurityOptions} for what the broker enforces).
 *
 * @example
 * ```ts
 * const { saslPlaintext, users: [user] } = kafka.security!;
 * await createKafkaClient({
 *   bootstrapServers: saslPlaintext.brokers,
 *   sasl: { mechanism: 'plain', username: user!.username, password: user!.password },
 * });
 * ```
 */
export interface KafkaSecurityListeners {
  /** SASL over plaintext (`SASL_PLAINTEXT`). */
  saslPlaintext: KafkaListenerAddress;
  /** TLS without SASL (`SSL`). */
  ssl: KafkaListenerAddress;
  /** SASL over TLS (`SASL_SSL`). */
  saslSsl: KafkaListenerAddress;
  /** The PEM certificate of the CA that signed the broker's certificate: a client's `tls.ca`. */
  caCertificate: string;
  /** The SASL mechanisms both SASL listeners accept. */
  mechanisms: readonly KafkaSaslMechanismName[];
  /** The users both SASL listeners accept, with every mechanism. */
  users: readonly KafkaSaslUser[];
}
