import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { KafkaClientLibrary } from './kafka-client.ts';

/**
 * SASL credentials, passed through to the client library.
 *
 * @example
 * ```ts
 * const sasl: KafkaSaslConfig = { mechanism: 'scram-sha-512', username: 'sluice', password: process.env.KAFKA_PASSWORD ?? '' };
 * ```
 */
export interface KafkaSaslConfig {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/**
 * How to reach the cluster. `tls: true` uses the system CAs; an object is handed to `tls.connect`
 * (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`...).
 *
 * @example
 * ```ts
 * const config: KafkaClientConfig = {
 *   library: 'platformatic',
 *   bootstrapServers: ['broker-1:9093'],
 *   tls: { ca: [readFileSync('ca.pem')] },
 *   sasl: { mechanism: 'scram-sha-256', username: 'sluice', password: 'secret' },
 * };
 * ```
 */
export interface KafkaClientConfig {
  /** Default `platformatic` (docs/decisions/0005-kafka-client.md). */
  readonly library?: KafkaClientLibrary;
  readonly bootstrapServers: readonly string[];
  /** Default `sluice`. */
  readonly clientId?: string;
  readonly tls?: boolean | TlsConnectionOptions;
  readonly sasl?: KafkaSaslConfig;
  /** Budget of one request to a broker; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Budget to open a connection; default 10 s. */
  readonly connectTimeoutMs?: number;
}

/** The library used when {@link KafkaClientConfig.library} is not set. */
export const DEFAULT_KAFKA_CLIENT_LIBRARY: KafkaClientLibrary = 'platformatic';
