import { SluiceError } from '../../../errors.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import type { PartitionOffset } from '../kafka-client.ts';
import type { KafkaRecordDeserializer } from './deserializer.ts';

/**
 * Where a {@link KafkaSource} starts reading the partitions it finds when the job starts without
 * a checkpoint (a restored job resumes at the checkpointed offsets; partitions discovered later
 * start at their earliest offset):
 * - `'earliest'` (default) / `'latest'` (for `read_committed`, the last stable offset);
 * - `{ kind: 'timestamp', timestamp }`: the first record at or after `timestamp` (ms), else the end;
 * - `{ kind: 'committed', fallback }`: the offsets the source's `groupId` committed; partitions
 *   without a commit start at `fallback` (default `'earliest'`);
 * - `{ kind: 'specific', offsets, fallback }`: these offsets; unlisted partitions start at `fallback`.
 *
 * @example
 * ```ts
 * const start: KafkaStartingOffsets = { kind: 'timestamp', timestamp: Date.parse('2026-01-01T00:00:00Z') };
 * ```
 */
export type KafkaStartingOffsets =
  | 'earliest'
  | 'latest'
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  | { readonly kind: 'committed'; readonly fallback?: 'earliest' | 'latest' }
  | {
      readonly kind: 'specific';
      readonly offsets: readonly PartitionOffset[];
      readonly fallback?: 'earliest' | 'latest';
    };

/**
 * Makes a {@link KafkaSource} bounded (for tests and BATCH jobs). Each partition stops before its
 * stop offset; when every partition got there, the source ends.
 * - `'latest-at-start'`: the end offsets (last stable offsets) when the job first started;
 * - `{ kind: 'specific', offsets }`: these offsets (exclusive); unlisted partitions stop at the
 *   latest offset at start.
 *
 * @example
 * ```ts
 * const stop: KafkaStopOffsets = { kind: 'specific', offsets: [{ topic: 'payments', partition: 0, offset: 1000 }] };
 * ```
 */
export type KafkaStopOffsets =
  | 'latest-at-start'
  | { readonly kind: 'specific'; readonly offsets: readonly PartitionOffset[] };

/**
 * Options of {@link KafkaSource}.
 *
 * @example
 * ```ts
 * const options: KafkaSourceOptions<Payment> = {
 *   bootstrapServers: ['broker-1:9092'],
 *   topics: ['payments'],
 *   groupId: 'fraud-detection',
 *   deserializer: KafkaDeserializers.json<Payment>(),
 *   deadLetterTopic: 'payments-dlq',
 * };
 * ```
 */
export interface KafkaSourceOptions<T> {
  /** Brokers to bootstrap from: a list or a comma-separated string. */
  readonly bootstrapServers: readonly string[] | string;
  /** Topics to read. Exactly one of `topics` and `topicPattern` is required. */
  readonly topics?: readonly string[] | string;
  /** Reads every topic whose full name matches (internal topics excluded); new matches are found by discovery. */
  readonly topicPattern?: RegExp;
  /**
   * Consumer group the source commits its checkpointed offsets to (for lag monitoring only: Sluice
   * recovers from its checkpoints, never from these commits), and that `{ kind: 'committed' }` reads.
   */
  readonly groupId?: string;
  /** Default `'earliest'`. */
  readonly startingOffsets?: KafkaStartingOffsets;
  /**
   * What to do when a partition's position is out of range (Kafka's `auto.offset.reset`): a
   * checkpointed or `specific` offset whose records retention or `deleteRecords` removed, a
   * reader that fell behind retention, or a position past the end after the topic was recreated.
   * - `'earliest'` (default): continue at the log start offset, skipping what was deleted;
   * - `'latest'`: continue at the end (for `read_committed`, the last stable offset);
   * - `'fail'`: fail the job (not retried) with an error naming the partition, the position and
   *   the valid offsets.
   * Every reset is logged through `log` and counted in `kafka_source_offset_resets_total`. With
   * `client.library: 'kafkajs'`, a reset shows when the partition's next records arrive (for
   * `'latest'`: only once new records are written).
   */
  readonly offsetReset?: 'earliest' | 'latest' | 'fail';
  /** Set to read up to stop offsets and end (boundedness becomes `'bounded'`); omit to read forever. */
  readonly bounded?: KafkaStopOffsets;
  readonly deserializer: KafkaRecordDeserializer<T>;
  /**
   * Topic bad records (the deserializer threw) are written to, with the original key, value and
   * headers plus `sluice.dlq.*` headers (error, topic, partition, offset, timestamp). Without it, a
   * bad record fails the job. At-least-once: a crash may write a bad record twice.
   */
  readonly deadLetterTopic?: string;
  /** How often to look for new partitions and (with `topicPattern`) new topics; default 30 000 ms, 0 = never. Ignored when bounded. */
  readonly discoveryIntervalMs?: number;
  /** Client settings besides `bootstrapServers`: `library`, `clientId`, `tls`, `sasl`, timeouts. */
  readonly client?: Partial<Omit<KafkaClientConfig, 'bootstrapServers'>>;
  /** Default `read_committed`: records of aborted or open transactions are never emitted. */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  /** Commit offsets to `groupId` when a checkpoint completes; default true when `groupId` is set. */
  readonly commitOffsetsOnCheckpoint?: boolean;
  /** How often the end offsets behind `kafka_source_lag_records` are refreshed; default 5 000 ms. */
  readonly lagRefreshIntervalMs?: number;
  /** Most records one poll emits (a batch; the task loop then checks mail and timers); default 2 048. */
  readonly maxRecordsPerPoll?: number;
  /** A partition whose fetched, not yet emitted records exceed this is paused; default 4 MiB. */
  readonly maxBufferedBytesPerPartition?: number;
  /** Longest time a fetch waits at the broker for data; default 100 ms. */
  readonly fetchMaxWaitMs?: number;
  /**
   * Most bytes one fetch returns per partition (the broker still returns at least one record
   * batch); default 1 MiB. Smaller values lower the burst size per fetch and the memory per
   * partition, at some throughput.
   */
  readonly fetchMaxBytesPerPartition?: number;
  /** Where warnings go (failed offset commits, retried fetches, offset resets); default `console.warn`. */
  readonly log?: (line: string) => void;
}

/** The options after defaults and checks. */
export interface KafkaSourceSettings<T> {
  readonly client: KafkaClientConfig;
  readonly topics: readonly string[] | undefined;
  readonly topicPattern: RegExp | undefined;
  readonly groupId: string | undefined;
  readonly startingOffsets: KafkaStartingOffsets;
  readonly offsetReset: 'earliest' | 'latest' | 'fail';
  readonly bounded: KafkaStopOffsets | undefined;
  readonly deserializer: KafkaRecordDeserializer<T>;
  readonly deadLetterTopic: string | undefined;
  readonly discoveryIntervalMs: number;
  readonly isolation: 'read_committed' | 'read_uncommitted';
  readonly commitOffsets: boolean;
  readonly lagRefreshIntervalMs: number;
  readonly maxRecordsPerPoll: number;
  readonly maxBufferedBytesPerPartition: number;
  readonly fetchMaxWaitMs: number;
  readonly fetchMaxBytesPerPartition: number;
  readonly log: (line: string) => void;
}

function invalid(message: string): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', message);
}

function list(value: readonly string[] | string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',') : [...value];
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalid(`KafkaSource option ${name} must be a number ${allowZero ? '>= 0' : '> 0'}; got ${value}.`);
  }
  return value;
}

/** Checks the options and fills in defaults; every mistake is an INVALID_ARGUMENT that says what to change. */
export function kafkaSourceSettings<T>(options: KafkaSourceOptions<T>): KafkaSourceSettings<T> {
  const servers = list(options.bootstrapServers) ?? [];
  if (servers.length === 0) throw invalid("KafkaSource needs bootstrapServers, e.g. ['localhost:9092'].");
  const topics = list(options.topics);
  if ((topics === undefined || topics.length === 0) === (options.topicPattern === undefined)) {
    throw invalid('KafkaSource needs exactly one of `topics` (a list of names) and `topicPattern` (a RegExp).');
  }
  if (options.deserializer === undefined || typeof options.deserializer.deserialize !== 'function') {
    throw invalid('KafkaSource needs a deserializer, e.g. KafkaDeserializers.json<MyType>().');
  }
  const startingOffsets = options.startingOffsets ?? 'earliest';
  if (typeof startingOffsets === 'object' && startingOffsets.kind === 'committed' && options.groupId === undefined) {
    throw invalid("startingOffsets { kind: 'committed' } reads the commits of `groupId`; set groupId.");
  }
  const offsetReset = options.offsetReset ?? 'earliest';
  if (offsetReset !== 'earliest' && offsetReset !== 'latest' && offsetReset !== 'fail') {
    throw invalid(`KafkaSource option offsetReset must be 'earliest', 'latest' or 'fail'; got ${String(offsetReset)}.`);
  }
  if (options.commitOffsetsOnCheckpoint === true && options.groupId === undefined) {
    throw invalid('commitOffsetsOnCheckpoint needs a groupId to commit to; set groupId.');
  }
  if (options.deadLetterTopic !== undefined && options.deadLetterTopic.trim() === '') {
    throw invalid('deadLetterTopic must be a topic name; omit it to fail the job on bad records.');
  }
  return {
    client: { ...options.client, bootstrapServers: servers },
    topics: options.topicPattern === undefined ? topics : undefined,
    topicPattern: options.topicPattern,
    groupId: options.groupId,
    startingOffsets,
    offsetReset,
    bounded: options.bounded,
    deserializer: options.deserializer,
    deadLetterTopic: options.deadLetterTopic,
    discoveryIntervalMs: positive('discoveryIntervalMs', options.discoveryIntervalMs, 30_000, true),
    isolation: options.isolation ?? 'read_committed',
    commitOffsets: options.groupId !== undefined && options.commitOffsetsOnCheckpoint !== false,
    lagRefreshIntervalMs: positive('lagRefreshIntervalMs', options.lagRefreshIntervalMs, 5_000),
    maxRecordsPerPoll: Math.floor(positive('maxRecordsPerPoll', options.maxRecordsPerPoll, 2_048)) || 1,
    maxBufferedBytesPerPartition: positive(
      'maxBufferedBytesPerPartition',
      options.maxBufferedBytesPerPartition,
      4 * 1024 * 1024,
    ),
    fetchMaxWaitMs: positive('fetchMaxWaitMs', options.fetchMaxWaitMs, 100),
    fetchMaxBytesPerPartition: Math.floor(
      positive('fetchMaxBytesPerPartition', options.fetchMaxBytesPerPartition, 1024 * 1024),
    ),
    log: options.log ?? ((line: string) => console.warn(line)),
  };
}
