/**
 * The small client layer the Kafka connectors sit on (docs/decisions/0005-kafka-client.md).
 * KafkaSource and KafkaSink talk only to these interfaces; adapters for kafkajs and
 * @platformatic/kafka implement them and are loaded lazily by {@link createKafkaClient}.
 *
 * Offsets and timestamps are plain `number`s (milliseconds since the epoch for timestamps): exact
 * up to 2^53, which no partition reaches, and they serialize into checkpoints as they are.
 *
 * @example
 * ```ts
 * const client = await createKafkaClient({ library: 'platformatic', bootstrapServers: ['localhost:9092'] });
 * const consumer = client.consumer();
 * await consumer.assign([{ topic: 'payments', partition: 0, start: { kind: 'earliest' } }]);
 * const batches = await consumer.poll();
 * await consumer.close();
 * ```
 * @experimental
 */
export interface KafkaClient {
  /** Which library is behind this client. */
  readonly library: KafkaClientLibrary;
  /** A consumer of manually assigned partitions (no group membership, no rebalancing). */
  consumer(options?: KafkaConsumerOptions): KafkaConsumer;
  /** An idempotent producer (acks=all) outside transactions. */
  producer(options?: KafkaProducerOptions): KafkaProducer;
  /** A transactional producer for `transactionalId`; call `initTransactions()` before use. */
  transactionalProducer(options: KafkaTransactionalProducerOptions): KafkaTransactionalProducer;
  /** Topic, offset and consumer-group administration. */
  admin(): KafkaAdmin;
}

/**
 * The Kafka client libraries Sluice can run on.
 *
 * @example
 * ```ts
 * const library: KafkaClientLibrary = 'platformatic';
 * ```
 */
export type KafkaClientLibrary = 'platformatic' | 'kafkajs';

/**
 * One partition of one topic.
 *
 * @example
 * ```ts
 * const tp: TopicPartition = { topic: 'payments', partition: 0 };
 * ```
 */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * An offset of one partition: the next record to read, or a group's committed position.
 *
 * @example
 * ```ts
 * const next: PartitionOffset = { topic: 'payments', partition: 0, offset: 42 };
 * ```
 */
export interface PartitionOffset extends TopicPartition {
  readonly offset: number;
}

/**
 * Where a consumer starts reading a partition.
 * - `earliest` / `latest`: the log start / the end (for `read_committed`: the last stable offset);
 * - `timestamp`: the first record whose timestamp is >= `timestamp`, or the end if none is;
 * - `committed`: the offset `groupId` committed, or `fallback` if it committed none;
 * - `offset`: exactly this offset (e.g. restored from a checkpoint).
 *
 * @example
 * ```ts
 * const spec: OffsetSpec = { kind: 'committed', groupId: 'fraud-detection', fallback: 'earliest' };
 * ```
 */
export type OffsetSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  | { readonly kind: 'committed'; readonly groupId: string; readonly fallback: 'earliest' | 'latest' }
  | { readonly kind: 'offset'; readonly offset: number };

/**
 * A record header. Kafka allows a key to repeat, so headers are a list, in the order written.
 *
 * @example
 * ```ts
 * const header: KafkaHeader = { key: 'trace-id', value: Buffer.from('abc') };
 * ```
 */
export interface KafkaHeader {
  readonly key: string;
  readonly value: Buffer;
}

/**
 * A record read from Kafka.
 *
 * @example
 * ```ts
 * const text = record.value?.toString('utf8');
 * ```
 */
export interface KafkaRecord extends PartitionOffset {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly KafkaHeader[];
  /** Create or log-append time, in ms since the epoch. */
  readonly timestamp: number;
}

/**
 * Records of one partition returned by one poll, in offset order.
 *
 * @example
 * ```ts
 * for (const batch of await consumer.poll()) checkpointState.set(batch.partition, batch.nextOffset);
 * ```
 */
export interface KafkaRecordBatch extends TopicPartition {
  readonly records: readonly KafkaRecord[];
  /**
   * The offset to resume from after this batch. It can be past the last record's offset + 1:
   * transaction markers and aborted records take offsets too. Store this in checkpoints.
   */
  readonly nextOffset: number;
}

/**
 * A record to write. Without `partition`, the key's hash picks it (murmur2, as the Java client).
 *
 * @example
 * ```ts
 * const record: KafkaProducerRecord = { topic: 'alerts', key: Buffer.from('card-1'), value: Buffer.from('{}') };
 * ```
 */
export interface KafkaProducerRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly KafkaHeader[];
  /** Create time in ms since the epoch; the broker's clock when omitted. */
  readonly timestamp?: number;
}

/**
 * Options of {@link KafkaClient.consumer}.
 *
 * @example
 * ```ts
 * client.consumer({ isolation: 'read_committed', maxWaitMs: 100 });
 * ```
 */
export interface KafkaConsumerOptions {
  /** Default `read_committed`: only committed transactional records, up to the last stable offset. */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  /** Longest time a fetch waits at the broker for `minBytes`; default 100 ms. */
  readonly maxWaitMs?: number;
  /** Default 1. */
  readonly minBytes?: number;
  /** Per-partition fetch size; default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /**
   * What to do when the broker answers that a partition's position is out of range (Kafka's
   * `auto.offset.reset`): its records were deleted by retention or `deleteRecords`, or the position
   * is past the end because the topic was deleted and recreated.
   * - `'earliest'` (default, as Kafka Streams): move to the log start offset;
   * - `'latest'`: move to the end (for `read_committed`, the last stable offset);
   * - `'fail'`: `poll()` throws a {@link KafkaClientError} of kind `OFFSET_OUT_OF_RANGE` (not
   *   retriable) naming the partition, the position and the valid offsets.
   *
   * kafkajs resets by itself; its adapter notices the reset when the next records of the partition
   * arrive (so with `'latest'` only once new records are written) and then reports or fails the same way.
   *
   * @example
   * ```ts
   * client.consumer({ offsetReset: 'fail' });
   * ```
   */
  readonly offsetReset?: 'earliest' | 'latest' | 'fail';
  /**
   * Called for every reset `offsetReset` made, from within `poll()`, before any record of the
   * partition from the new position `to` is returned; `from` is the position that was out of range.
   * `to - from` offsets were skipped when `to > from` (with `to < from` the partition's end moved
   * back, e.g. the topic was recreated).
   *
   * @example
   * ```ts
   * client.consumer({
   *   onOffsetReset: ({ topic, partition, from, to }) => console.warn(`${topic}:${partition} reset ${from} -> ${to}`),
   * });
   * ```
   */
  readonly onOffsetReset?: (reset: TopicPartition & { readonly from: number; readonly to: number }) => void;
}

/**
 * Consumer of partitions assigned by Sluice (one subtask's splits). Not safe for concurrent calls:
 * one caller polls at a time.
 *
 * @example
 * ```ts
 * await consumer.assign([{ topic: 'payments', partition: 0, start: { kind: 'timestamp', timestamp: t0 } }]);
 * for (const batch of await consumer.poll()) for (const r of batch.records) handle(r);
 * ```
 */
export interface KafkaConsumer {
  /** Replaces the assignment; each partition starts at its `start`. */
  assign(partitions: readonly (TopicPartition & { readonly start: OffsetSpec })[]): Promise<void>;
  /** Moves an assigned partition's position; buffered records of it are dropped. */
  seek(partition: TopicPartition, to: OffsetSpec): Promise<void>;
  /** The next offset to read of an assigned partition (after its last polled batch). */
  position(partition: TopicPartition): number | undefined;
  /**
   * Fetches the next records of the assigned, non-paused partitions; waits up to `maxWaitMs`
   * (option) when there are none and then returns `[]`.
   */
  poll(): Promise<KafkaRecordBatch[]>;
  /** Stops fetching these partitions until resumed; positions are kept. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  close(): Promise<void>;
}

/**
 * Options of {@link KafkaClient.producer}.
 *
 * @example
 * ```ts
 * client.producer({ compression: 'none' });
 * ```
 */
export interface KafkaProducerOptions {
  /** Default `none`. */
  readonly compression?: 'none' | 'gzip';
}

/**
 * Idempotent producer (acks=all, no duplicates on retries), outside transactions.
 *
 * @example
 * ```ts
 * await producer.send([{ topic: 'alerts', value: Buffer.from('{}') }]);
 * ```
 */
export interface KafkaProducer {
  /** Resolves when every record is acknowledged by all in-sync replicas. */
  send(records: readonly KafkaProducerRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Options of {@link KafkaClient.transactionalProducer}.
 *
 * @example
 * ```ts
 * client.transactionalProducer({ transactionalId: 'job-1-sink-0', transactionTimeoutMs: 60_000 });
 * ```
 */
export interface KafkaTransactionalProducerOptions extends KafkaProducerOptions {
  /** Stable per sink subtask: a new producer with the same id fences the old one. */
  readonly transactionalId: string;
  /** The broker aborts a transaction open longer than this; default 60 s. */
  readonly transactionTimeoutMs?: number;
}

/**
 * Transactional producer: records sent between `beginTransaction()` and `commitTransaction()`
 * become visible to `read_committed` consumers atomically, together with any `sendOffsets`.
 * Errors with `kind: 'PRODUCER_FENCED'` (see {@link KafkaClientError}) mean another producer
 * with the same transactional id took over: close this one, never retry with it.
 * `close()` does not abort an open transaction: until a new producer with the id initialises or
 * the transaction times out, it holds `read_committed` readers of its partitions back.
 *
 * @example
 * ```ts
 * await producer.initTransactions();
 * await producer.beginTransaction();
 * await producer.send([{ topic: 'alerts', value: Buffer.from('{}') }]);
 * await producer.sendOffsets('job-1-sink-0-marker', [{ topic: 'alerts', partition: 0, offset: 7 }]);
 * await producer.commitTransaction();
 * ```
 */
export interface KafkaTransactionalProducer extends KafkaProducer {
  readonly transactionalId: string;
  /** Registers the id with its coordinator: fences older producers and aborts their open transaction. */
  initTransactions(): Promise<void>;
  beginTransaction(): Promise<void>;
  /** Adds `offsets` as `groupId`'s committed offsets to the open transaction (no group membership needed). */
  sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
}

/**
 * A topic to create.
 *
 * @example
 * ```ts
 * const spec: NewTopic = { topic: 'alerts', partitions: 4, replicationFactor: 3, configs: { 'retention.ms': '86400000' } };
 * ```
 */
export interface NewTopic {
  readonly topic: string;
  readonly partitions: number;
  /** Default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/**
 * Administration used by the connectors: topic creation and discovery, offsets, group offsets.
 *
 * @example
 * ```ts
 * const ends = await admin.listOffsets(await admin.partitionsOf(['payments']), { kind: 'latest' });
 * ```
 */
export interface KafkaAdmin {
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: readonly NewTopic[]): Promise<void>;
  /** Grows `topic` to `totalPartitions` partitions (Kafka cannot shrink a topic); a no-op when it has that many. */
  createPartitions(topic: string, totalPartitions: number): Promise<void>;
  /** Names of all non-internal topics (for regex subscriptions). */
  listTopics(): Promise<string[]>;
  /** Every partition of these topics (for partition discovery). */
  partitionsOf(topics: readonly string[]): Promise<TopicPartition[]>;
  /**
   * Resolves offsets per partition; `latest` is the last stable offset (read_committed), which is
   * the end offset for bounded reads. `timestamp` falls back to `latest` when no record is that late.
   */
  listOffsets(
    partitions: readonly TopicPartition[],
    spec:
      | { readonly kind: 'earliest' }
      | { readonly kind: 'latest' }
      | { readonly kind: 'timestamp'; readonly timestamp: number },
  ): Promise<PartitionOffset[]>;
  /** Offsets committed by `groupId` for these topics (partitions without a commit are left out). */
  groupOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]>;
  /** Commits offsets for a group without members (lag monitoring of a Sluice source). */
  commitGroupOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void>;
  close(): Promise<void>;
}
