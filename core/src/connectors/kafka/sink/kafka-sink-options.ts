import type { KafkaClientConfig } from '../kafka-client-config.ts';
import type { KafkaHeader } from '../kafka-client.ts';

/**
 * What a {@link KafkaSink} promises about its output:
 * - `none`: records are sent in batches as they come; nothing waits for acks (fastest; a crash
 *   can lose what was in flight). A send error fails the job at the next write or flush.
 * - `at-least-once`: a checkpoint completes only after every record written before its barrier
 *   is acknowledged by all in-sync replicas; a crash replays (duplicates) the records since it.
 * - `exactly-once`: each checkpoint's output is kept in the checkpoint (write-ahead) and written
 *   in one Kafka transaction when the checkpoint completes, together with an idempotence marker;
 *   `read_committed` consumers see every record exactly once (docs/kafka-exactly-once.md).
 *
 * @example
 * ```ts
 * const guarantee: KafkaDeliveryGuarantee = 'exactly-once';
 * ```
 */
export type KafkaDeliveryGuarantee = 'none' | 'at-least-once' | 'exactly-once';

/**
 * How a record's value becomes bytes: `json` (default, `JSON.stringify`), `string` (UTF-8 of
 * `String(value)`), `bytes` (the value is a `Buffer`/`Uint8Array`), or a function. A `null` value
 * is written as a tombstone (no value) by the built-in serializers.
 *
 * @example
 * ```ts
 * const serializer: KafkaValueSerializer<Alert> = (alert) => Buffer.from(`${alert.card};${alert.score}`);
 * ```
 */
export type KafkaValueSerializer<T> = 'json' | 'string' | 'bytes' | ((value: T) => Buffer | Uint8Array | string | null);

/** What a key extractor may return; strings and numbers are written as UTF-8, `null`/`undefined` as no key. */
export type KafkaKeyLike = Buffer | Uint8Array | string | number | null | undefined;

/** Headers of a record: a map (one value per key) or a list (keys may repeat). Strings are UTF-8. */
export type KafkaHeadersLike =
  | Readonly<Record<string, string | Buffer | Uint8Array>>
  | readonly KafkaHeader[]
  | undefined;

/**
 * Options of {@link KafkaSink}. Exactly one of `topic` and `topicSelector`.
 *
 * @example
 * ```ts
 * const options: KafkaSinkOptions<Alert> = {
 *   bootstrapServers: ['localhost:9092'],
 *   topic: 'alerts',
 *   key: (a) => a.card,
 *   deliveryGuarantee: 'exactly-once',
 * };
 * ```
 */
export interface KafkaSinkOptions<T> {
  /** `host:port` list (or one comma-separated string). */
  readonly bootstrapServers: readonly string[] | string;
  /** The topic of every record. */
  readonly topic?: string;
  /** The topic per record (instead of `topic`). */
  readonly topicSelector?: (value: T) => string;
  /** Default `json`. */
  readonly serializer?: KafkaValueSerializer<T>;
  /** The record key (decides the partition by murmur2 hash, as the Java client). Default: no key. */
  readonly key?: (value: T) => KafkaKeyLike;
  /**
   * A fixed partition, or a function of the value and serialized key (return `undefined` to let
   * the key decide). Default: by key hash; keyless records go round robin.
   */
  readonly partition?: number | ((value: T, key: Buffer | null) => number | undefined);
  readonly headers?: (value: T) => KafkaHeadersLike;
  /**
   * The Kafka record timestamp: `event-time` (default) writes the record's event timestamp, or the
   * broker's time when it has none; `broker` always leaves it to the broker.
   */
  readonly timestamp?: 'event-time' | 'broker';
  readonly deliveryGuarantee: KafkaDeliveryGuarantee;
  /**
   * Exactly-once: transactional ids are `<prefix>-<subtask>` and idempotence-marker groups
   * `<prefix>-<subtask>`. Must be unique per sink across all jobs on the cluster and stable across
   * restarts of the job. Default `sluice-<sink uid>`: set it when two jobs share a sink uid.
   */
  readonly transactionalIdPrefix?: string;
  /**
   * Exactly-once: the existing topic whose partition 0 carries the idempotence marker offsets (no
   * records are written to it for this). Default: `topic`; required with `topicSelector`.
   */
  readonly markerTopic?: string;
  /** Exactly-once: the broker aborts a transaction open longer than this; default 60 000 ms. */
  readonly transactionTimeoutMs?: number;
  /** Most records per produce request; default 5 000 (a request also stops at 900 KiB, below the broker's default 1 MiB batch limit). */
  readonly maxBatchRecords?: number;
  /**
   * None / at-least-once: payload bytes queued and not yet acknowledged beyond which the sink
   * reports backpressure (its sources are not polled until the queue is below half of it);
   * default 32 MiB. Exactly-once buffers an epoch until its checkpoint and is bounded by the
   * number of epochs waiting for their commit instead.
   */
  readonly maxBufferedBytes?: number;
  /** Client settings (library, TLS, SASL, client id, timeouts); `bootstrapServers` above wins. */
  readonly client?: Partial<KafkaClientConfig>;
}
