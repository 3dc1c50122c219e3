import { randomUUID } from 'node:crypto';
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
import { KafkaClientError } from '../kafka-client-error.ts';
import { partitionKey, resolveOffsets } from '../resolve-offsets.ts';
import { committedBatches } from './committed-batches.ts';
import { type PlatformaticModule, platformaticBaseOptions, platformaticError } from './platformatic-options.ts';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];

/** Timestamp type bit of a record batch: set when the broker stamps records (LogAppendTime). */
const LOG_APPEND_TIME_BIT = 1 << 3;

interface Assigned {
  readonly topic: string;
  readonly partition: number;
  position: number;
  paused: boolean;
}

/**
 * {@link KafkaConsumer} on @platformatic/kafka: a `Consumer` that never joins its (unique,
 * unused) group and only issues `fetch` requests for the assigned partitions, one per leader.
 * Aborted transactions are filtered again here ({@link committedBatches}): the library's own
 * filter keeps one aborted range per producer id per fetch and delivers the rest.
 */
export class PlatformaticConsumer implements KafkaConsumer {
  private readonly lib: PlatformaticModule;
  private readonly consumer: Consumer;
  private readonly admin: KafkaAdmin;
  private readonly isolationLevel: number;
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytesPerPartition: number;
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
    this.consumer = new lib.Consumer({
      ...platformaticBaseOptions(config),
      groupId: `sluice-unused-${randomUUID()}`,
      autocommit: false,
    });
  }

  async assign(partitions: readonly (TopicPartition & { readonly start: OffsetSpec })[]): Promise<void> {
    const offsets = await resolveOffsets(this.admin, partitions);
    const previous = new Set([...this.assigned.values()].map((a) => a.topic));
    this.assigned = new Map(
      offsets.map((o) => [
        partitionKey(o),
        { topic: o.topic, partition: o.partition, position: o.offset, paused: false },
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
      metadata = await this.consumer.metadata({ topics });
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
    const batches: KafkaRecordBatch[] = [];
    for (const { partitions, response } of responses) {
      for (const a of partitions) {
        const batch = this.decode(a, metadata, response);
        if (batch) batches.push(batch);
      }
    }
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
      throw platformaticError(this.lib, 'SOURCE_FAILED', `Fetching from broker ${node}`, error);
    }
  }

  private decode(a: Assigned, metadata: ClusterMetadata, response: FetchResponse): KafkaRecordBatch | undefined {
    const topicId = metadata.topics.get(a.topic)?.id;
    const data = response.responses
      .find((t) => t.topicId === topicId)
      ?.partitions.find((p) => p.partitionIndex === a.partition);
    const raw = data?.records;
    if (!data || !raw || raw.length === 0) return undefined;
    const from = BigInt(a.position);
    const last = raw[raw.length - 1];
    const nextOffset = last ? Number(last.firstOffset) + last.lastOffsetDelta + 1 : a.position;
    const kept =
      this.isolationLevel === this.lib.FetchIsolationLevels.READ_COMMITTED
        ? committedBatches(raw, data.abortedTransactions)
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
