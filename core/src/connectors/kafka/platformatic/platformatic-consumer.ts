import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { ClusterMetadata, Consumer } from '@platformatic/kafka';
import type {
  KafkaAdmin,
  KafkaConsumer,
  KafkaConsumerOptions,
  KafkaHeader,
  KafkaRecord,
  KafkaRecordBatch,
  OffsetSpec,
  TopicPartition,
} from '../kafka-client.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { KafkaClientError, offsetOutOfRangeError } from '../kafka-client-error.ts';
import { partitionKey, resolveOffsets } from '../resolve-offsets.ts';
import { type AbortedTransaction, committedBatches } from './committed-batches.ts';
import {
  type PlatformaticModule,
  platformaticBaseOptions,
  platformaticError,
  retryDelayMs,
} from './platformatic-options.ts';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
type FetchPartition = FetchResponse['responses'][number]['partitions'][number];
type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];

/**
 * Where a fetched partition keeps the broker's aborted-transactions list, out of the library's
 * reach (see {@link keepAbortedTransactionsFromLibrary}).
 */
const ABORTED_TRANSACTIONS = Symbol('sluice.abortedTransactions');

type FetchPartitionWithAborted = FetchPartition & {
  [ABORTED_TRANSACTIONS]?: readonly AbortedTransaction[] | null;
};

/** Timestamp type bit of a record batch: set when the broker stamps records (LogAppendTime). */
const LOG_APPEND_TIME_BIT = 1 << 3;

/** Kafka error code of a fetch position outside the partition's offsets. */
const OFFSET_OUT_OF_RANGE = 1;

/**
 * Per-partition fetch errors that pass once the client has fresh metadata (a leader moved, a
 * replica or topic id is not known everywhere yet): the partition is fetched again next poll.
 */
const RETRIABLE_PARTITION_ERRORS = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'INCONSISTENT_TOPIC_ID',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
]);

/**
 * Polls in a row a partition may fail with a retriable error before `poll()` throws (each poll
 * already includes the library's own retries of the fetch, about 6 s).
 */
const MAX_PARTITION_ERROR_ROUNDS = 3;

interface Assigned {
  readonly topic: string;
  readonly partition: number;
  position: number;
  paused: boolean;
  /** Consecutive polls that met a retriable error for this partition. */
  errorRounds: number;
}

/**
 * {@link KafkaConsumer} on @platformatic/kafka: a `Consumer` that never joins its (unique,
 * unused) group and only issues `fetch` requests for the assigned partitions, one per leader.
 * Aborted transactions are filtered here ({@link committedBatches}) and never by the library,
 * whose filter drops committed records ({@link keepAbortedTransactionsFromLibrary}).
 */
export class PlatformaticConsumer implements KafkaConsumer {
  private readonly lib: PlatformaticModule;
  private readonly consumer: Consumer;
  private readonly admin: KafkaAdmin;
  private readonly isolationLevel: number;
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytesPerPartition: number;
  private readonly offsetReset: 'earliest' | 'latest' | 'fail';
  private readonly onOffsetReset: KafkaConsumerOptions['onOffsetReset'];
  /** A partition met an error that fresher metadata may cure: refresh it before the next fetch. */
  private staleMetadata = false;
  private assigned = new Map<string, Assigned>();
  /** Bumped by every seek/assign, so a fetch that was in flight then is discarded. */
  private generation = 0;

  constructor(
    lib: PlatformaticModule,
    config: KafkaClientConfig,
    admin: KafkaAdmin,
    options: KafkaConsumerOptions = {},
  ) {
    this.lib = lib;
    this.admin = admin;
    this.isolationLevel =
      options.isolation === 'read_uncommitted'
        ? lib.FetchIsolationLevels.READ_UNCOMMITTED
        : lib.FetchIsolationLevels.READ_COMMITTED;
    this.maxWaitMs = options.maxWaitMs ?? 100;
    this.minBytes = options.minBytes ?? 1;
    this.maxBytesPerPartition = options.maxBytesPerPartition ?? 1024 * 1024;
    this.offsetReset = options.offsetReset ?? 'earliest';
    this.onOffsetReset = options.onOffsetReset;
    this.consumer = new lib.Consumer({
      ...platformaticBaseOptions(config),
      groupId: `sluice-unused-${randomUUID()}`,
      autocommit: false,
    });
    keepAbortedTransactionsFromLibrary(lib, this.consumer);
  }

  async assign(partitions: readonly (TopicPartition & { readonly start: OffsetSpec })[]): Promise<void> {
    const offsets = await resolveOffsets(this.admin, partitions);
    const previous = new Set([...this.assigned.values()].map((a) => a.topic));
    this.assigned = new Map(
      offsets.map((o) => [
        partitionKey(o),
        { topic: o.topic, partition: o.partition, position: o.offset, paused: false, errorRounds: 0 },
      ]),
    );
    const topics = new Set(offsets.map((o) => o.topic));
    for (const topic of previous) if (!topics.has(topic)) this.consumer.topics.untrack(topic);
    for (const topic of topics) if (!previous.has(topic)) this.consumer.topics.track(topic);
    this.generation++;
  }

  async seek(partition: TopicPartition, to: OffsetSpec): Promise<void> {
    const entry = this.required(partition);
    const [resolved] = await resolveOffsets(this.admin, [{ ...partition, start: to }]);
    entry.position = resolved?.offset ?? entry.position;
    entry.errorRounds = 0;
    this.generation++;
  }

  position(partition: TopicPartition): number | undefined {
    return this.assigned.get(partitionKey(partition))?.position;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.required(p).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.required(p).paused = false;
  }

  async poll(): Promise<KafkaRecordBatch[]> {
    const active = [...this.assigned.values()].filter((a) => !a.paused);
    if (active.length === 0) return [];
    const generation = this.generation;
    let metadata: ClusterMetadata;
    const topics = [...new Set(active.map((a) => a.topic))];
    try {
      const forceUpdate = this.staleMetadata;
      this.staleMetadata = false;
      metadata = await this.consumer.metadata({ topics, forceUpdate });
      // Cached metadata (5 s) may predate a partition just added to a topic: refresh before failing.
      if (active.some((a) => metadata.topics.get(a.topic)?.partitions[a.partition]?.leader === undefined)) {
        metadata = await this.consumer.metadata({ topics, forceUpdate: true });
      }
    } catch (error) {
      throw platformaticError(this.lib, 'SOURCE_FAILED', 'Reading topic metadata', error);
    }
    const byLeader = new Map<number, Assigned[]>();
    for (const a of active) {
      const leader = metadata.topics.get(a.topic)?.partitions[a.partition]?.leader;
      if (leader === undefined) {
        throw new KafkaClientError(
          'SOURCE_FAILED',
          'UNKNOWN_TOPIC',
          `Partition ${a.topic}:${a.partition} is not in the cluster metadata; create the topic or fix the assignment.`,
        );
      }
      const list = byLeader.get(leader) ?? [];
      list.push(a);
      byLeader.set(leader, list);
    }
    const responses = await Promise.all(
      [...byLeader].map(async ([node, partitions]) => ({
        partitions,
        response: await this.fetchFrom(node, metadata, partitions),
      })),
    );
    if (generation !== this.generation) return [];
    // Errors first, records after: nothing may throw once a position moved past returned records.
    const fetched: [Assigned, FetchPartition][] = [];
    const outOfRange: Assigned[] = [];
    let retrying = false;
    for (const { partitions, response } of responses) {
      for (const a of partitions) {
        const data = partitionData(a, metadata, response);
        if (data === undefined) continue;
        if (data.errorCode === 0) {
          a.errorRounds = 0;
          fetched.push([a, data]);
        } else if (data.errorCode === OFFSET_OUT_OF_RANGE) {
          outOfRange.push(a);
        } else if (RETRIABLE_PARTITION_ERRORS.has(this.errorName(data.errorCode))) {
          this.retryNextPoll(a, data.errorCode);
          retrying = true;
        } else {
          throw new KafkaClientError(
            'SOURCE_FAILED',
            'BROKER_ERROR',
            `Fetching ${a.topic}:${a.partition} at offset ${a.position} failed: the broker answered ${this.errorName(data.errorCode)} (error code ${data.errorCode}).`,
          );
        }
      }
    }
    if (outOfRange.length > 0) {
      if (!(await this.resetOutOfRange(outOfRange, generation))) return [];
      retrying ||= outOfRange.some((a) => a.errorRounds > 0);
    }
    const batches: KafkaRecordBatch[] = [];
    for (const [a, data] of fetched) {
      const batch = this.decode(a, data);
      if (batch) batches.push(batch);
    }
    // Only errors came back, at once: do not spin on the broker.
    if (retrying && batches.length === 0) await sleep(retryDelayMs(Math.max(...active.map((a) => a.errorRounds))));
    return batches;
  }

  async close(): Promise<void> {
    await Promise.all([this.consumer.close(true), this.admin.close()]);
  }

  private async fetchFrom(
    node: number,
    metadata: ClusterMetadata,
    partitions: readonly Assigned[],
  ): Promise<FetchResponse> {
    const topics = new Map<string, FetchRequestTopic>();
    for (const a of partitions) {
      const topicId = metadata.topics.get(a.topic)?.id ?? '';
      const request = topics.get(topicId) ?? { topicId, partitions: [] };
      request.partitions.push({
        partition: a.partition,
        fetchOffset: BigInt(a.position),
        partitionMaxBytes: this.maxBytesPerPartition,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
      topics.set(topicId, request);
    }
    try {
      return await this.consumer.fetch({
        node,
        topics: [...topics.values()],
        isolationLevel: this.isolationLevel,
        maxWaitTime: this.maxWaitMs,
        minBytes: this.minBytes,
        maxBytes: this.maxBytesPerPartition * partitions.length,
      });
    } catch (error) {
      // Per-partition errors reject the whole fetch; the response inside still has the other
      // partitions' records, and `poll()` handles each partition's error code.
      const response = partitionErrorResponse(error);
      if (response !== undefined) return response;
      throw platformaticError(this.lib, 'SOURCE_FAILED', `Fetching from broker ${node}`, error);
    }
  }

  /** The Kafka name of an error code, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  private errorName(code: number): string {
    return this.lib.protocolErrorsCodesById[code] ?? 'UNKNOWN_SERVER_ERROR';
  }

  /** A retriable error of `a`: fetch it again next poll, on fresh metadata, unless it keeps failing. */
  private retryNextPoll(a: Assigned, code: number): void {
    this.staleMetadata = true;
    a.errorRounds++;
    if (a.errorRounds > MAX_PARTITION_ERROR_ROUNDS) {
      throw new KafkaClientError(
        'SOURCE_FAILED',
        'BROKER_ERROR',
        `Fetching ${a.topic}:${a.partition} at offset ${a.position} failed ${a.errorRounds} polls in a row: the broker answered ${this.errorName(code)} (error code ${code}) although the metadata was refreshed. Check the partition's leader and replicas.`,
      );
    }
  }

  /**
   * Applies `offsetReset` to partitions the broker said are out of range, with the valid offsets
   * from the admin. A position the admin says is valid after all (a stale leader) is retried
   * instead. False if a seek or assign came in meanwhile (the poll is void).
   */
  private async resetOutOfRange(partitions: readonly Assigned[], generation: number): Promise<boolean> {
    const tps = partitions.map((a) => ({ topic: a.topic, partition: a.partition }));
    const [earliest, latest] = await Promise.all([
      this.admin.listOffsets(tps, { kind: 'earliest' }),
      this.admin.listOffsets(tps, { kind: 'latest' }),
    ]);
    if (generation !== this.generation) return false;
    const first = new Map(earliest.map((o) => [partitionKey(o), o.offset]));
    const end = new Map(latest.map((o) => [partitionKey(o), o.offset]));
    for (const a of partitions) {
      const lo = first.get(partitionKey(a));
      const hi = end.get(partitionKey(a));
      if (lo === undefined || hi === undefined || (a.position >= lo && a.position <= hi)) {
        this.retryNextPoll(a, OFFSET_OUT_OF_RANGE);
        continue;
      }
      if (this.offsetReset === 'fail') throw offsetOutOfRangeError(a, a.position, lo, hi);
      const from = a.position;
      a.position = this.offsetReset === 'latest' ? hi : lo;
      a.errorRounds = 0;
      this.onOffsetReset?.({ topic: a.topic, partition: a.partition, from, to: a.position });
    }
    return true;
  }

  private decode(a: Assigned, data: FetchPartition): KafkaRecordBatch | undefined {
    const raw = data.records;
    if (!raw || raw.length === 0) return undefined;
    const from = BigInt(a.position);
    const last = raw[raw.length - 1];
    const nextOffset = last ? Number(last.firstOffset) + last.lastOffsetDelta + 1 : a.position;
    const kept =
      this.isolationLevel === this.lib.FetchIsolationLevels.READ_COMMITTED
        ? committedBatches(raw, abortedTransactionsOf(a, data))
        : raw;
    const records: KafkaRecord[] = [];
    for (const batch of kept) {
      if ((batch.attributes & (1 << 5)) !== 0) continue; // transaction markers
      const logAppendTime = (batch.attributes & LOG_APPEND_TIME_BIT) !== 0;
      for (const r of batch.records) {
        const offset = batch.firstOffset + BigInt(r.offsetDelta);
        if (offset < from) continue; // a fetch returns whole batches, possibly starting before the position
        const headers: KafkaHeader[] = r.headers.map(([key, value]) => ({
          key: key?.toString('utf8') ?? '',
          value: value ?? Buffer.alloc(0),
        }));
        records.push({
          topic: a.topic,
          partition: a.partition,
          offset: Number(offset),
          key: r.key,
          value: r.value,
          headers,
          timestamp: Number(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta),
        });
      }
    }
    a.position = Math.max(a.position, nextOffset);
    return { topic: a.topic, partition: a.partition, records, nextOffset: a.position };
  }

  private required(partition: TopicPartition): Assigned {
    const entry = this.assigned.get(partitionKey(partition));
    if (!entry) {
      throw new KafkaClientError(
        'ILLEGAL_STATE',
        'INVALID_STATE',
        `Partition ${partitionKey(partition)} is not assigned to this consumer; assign it first.`,
      );
    }
    return entry;
  }
}

/**
 * Hides the aborted-transactions list of every Fetch response from @platformatic/kafka's
 * `read_committed` filter, which loses committed records; {@link committedBatches} filters instead.
 *
 * The library's filter (`Consumer#filterUncommittedMessages`, node_modules/@platformatic/kafka/
 * dist/clients/consumer/consumer.js:1879-1913 in 2.12.1, called at :673 on every successful read_committed
 * fetch) keeps ONE aborted range per producer id — `[firstOffset of the producer's last entry in
 * the list, offset of the producer's last ABORT marker in the response)` — and drops every batch
 * of the producer inside it. A transactional producer keeps its id across transactions and
 * epochs, and an abort marker need not close a listed transaction: a transaction that added the
 * partition but wrote nothing to it (the produce failed, or the process died in between) gets an
 * abort marker and no entry. The range then spans the producer's COMMITTED transactions between an
 * earlier aborted transaction and that marker, and they vanish (exactly-once sink: whole
 * committed epochs missing for read_committed readers, while the marker offset committed with
 * them is visible).
 *
 * The fetch API is wrapped where the consumer looks it up (`kGetApi`, exported for clients): the
 * list moves to {@link ABORTED_TRANSACTIONS} before the library sees the response (in error
 * responses too), so its filter finds none and keeps every batch.
 */
function keepAbortedTransactionsFromLibrary(lib: PlatformaticModule, consumer: Consumer): void {
  type GetApi = (name: string, callback: (error: Error | null, api?: FetchApi) => void) => void;
  type FetchApi = ((connection: unknown, ...args: unknown[]) => void) & {
    async: unknown;
    key: number;
    version: number;
  };
  const target = consumer as unknown as Record<symbol, GetApi>;
  const getApi = (target[lib.kGetApi] as GetApi).bind(consumer);
  target[lib.kGetApi] = (name, callback) => {
    getApi(name, (error, api) => {
      if (error || api === undefined || name !== 'Fetch') {
        callback(error, api);
        return;
      }
      const fetch = (connection: unknown, ...args: unknown[]): void => {
        const done = typeof args.at(-1) === 'function' ? (args.pop() as (e: unknown, r?: unknown) => void) : undefined;
        api(connection, ...args, (e: unknown, response?: unknown) => {
          hideAbortedTransactions(response ?? (e as { response?: unknown } | null)?.response);
          done?.(e, response);
        });
      };
      callback(null, Object.assign(fetch, { async: promisify(fetch), key: api.key, version: api.version }));
    });
  };
}

function hideAbortedTransactions(response: unknown): void {
  const topics = (response as Partial<FetchResponse> | undefined)?.responses;
  if (!Array.isArray(topics)) return;
  for (const topic of topics) {
    for (const partition of topic.partitions as FetchPartitionWithAborted[]) {
      if (ABORTED_TRANSACTIONS in partition) continue;
      partition[ABORTED_TRANSACTIONS] = partition.abortedTransactions;
      partition.abortedTransactions = [];
    }
  }
}

/** The broker's aborted-transactions list of a fetched partition, kept from the library. */
function abortedTransactionsOf(a: Assigned, data: FetchPartition): readonly AbortedTransaction[] | null {
  const partition = data as FetchPartitionWithAborted;
  if (!(ABORTED_TRANSACTIONS in partition)) {
    // The library fetched without the wrapped API: its filter may have dropped committed records.
    throw new KafkaClientError(
      'ILLEGAL_STATE',
      'INVALID_STATE',
      `Fetching ${a.topic}:${a.partition}: the read_committed response bypassed Sluice's aborted-transactions handling (incompatible @platformatic/kafka version?).`,
    );
  }
  return partition[ABORTED_TRANSACTIONS] ?? null;
}

/** The response's entry for partition `a`, if the broker sent one. */
function partitionData(a: Assigned, metadata: ClusterMetadata, response: FetchResponse): FetchPartition | undefined {
  const topicId = metadata.topics.get(a.topic)?.id;
  return response.responses
    .find((t) => t.topicId === topicId)
    ?.partitions.find((p) => p.partitionIndex === a.partition);
}

/**
 * The fetch response inside a rejection caused only by per-partition error codes: a
 * `ResponseError` (after the library's retries, the last error of a `MultipleErrors`) whose
 * response has no top-level error. Undefined for any other failure.
 */
function partitionErrorResponse(error: unknown): FetchResponse | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; response?: unknown; errors?: unknown };
    if (e.code === 'PLT_KFK_RESPONSE') {
      const response = e.response as Partial<FetchResponse> | undefined;
      return response?.errorCode === 0 && Array.isArray(response.responses) ? (response as FetchResponse) : undefined;
    }
    current = Array.isArray(e.errors) ? e.errors[e.errors.length - 1] : undefined;
  }
  return undefined;
}
