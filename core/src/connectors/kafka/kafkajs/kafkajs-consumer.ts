import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka, PartitionAssigner } from 'kafkajs';
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
import { KafkaClientError, offsetOutOfRangeError } from '../kafka-client-error.ts';
import { partitionKey, resolveOffsets } from '../resolve-offsets.ts';
import { type KafkaJsModule, kafkaJsError } from './kafkajs-options.ts';

interface Assigned {
  readonly topic: string;
  readonly partition: number;
  position: number;
  paused: boolean;
  /** Bumped by seeks: batches fetched before are dropped. */
  epoch: number;
  /** Where kafkajs should fetch next as far as this adapter knows; it differs after kafkajs reset the position. */
  fetched: number;
}

interface Pending {
  readonly batch: KafkaRecordBatch;
  readonly epoch: number;
  /** kafkajs moved the position from `from` to `to` (out of range) before fetching this batch. */
  readonly reset?: { readonly from: number; readonly to: number };
}

/**
 * {@link KafkaConsumer} on kafkajs, which has no manual assignment (tulios/kafkajs#373): a
 * consumer group of its own (unique id, one member, never committed) whose assigner hands that
 * member exactly the assigned partitions, with seeks to Sluice's positions. `eachBatch` is bridged
 * to `poll()`: a fetched batch waits (heartbeating) until `poll()` takes it. Changing the
 * assignment restarts the group: a join costs the broker's `group.initial.rebalance.delay.ms`.
 *
 * Positions out of range are reset by kafkajs itself (to the log start when subscribed
 * `fromBeginning`, else to the end) without telling: a batch fetched from another offset than the
 * one this adapter expects, confirmed out of range by the admin, shows the reset. It is then
 * reported through `onOffsetReset`, or with `offsetReset: 'fail'` fails the consumer before any of
 * its records is returned. With `'latest'` no batch comes until new records are written, so the
 * reset shows only then.
 */
export class KafkaJsConsumer implements KafkaConsumer {
  private readonly lib: KafkaJsModule;
  private readonly kafka: Kafka;
  private readonly admin: KafkaAdmin;
  private readonly options: KafkaConsumerOptions;
  private assigned = new Map<string, Assigned>();
  private consumer: Consumer | undefined;
  private restartNeeded = false;
  private readonly queue: Pending[] = [];
  private wakeUp: (() => void) | undefined;
  private taken: (() => void) | undefined;
  private crashed: unknown;

  constructor(lib: KafkaJsModule, kafka: Kafka, admin: KafkaAdmin, options: KafkaConsumerOptions = {}) {
    this.lib = lib;
    this.kafka = kafka;
    this.admin = admin;
    this.options = options;
  }

  async assign(partitions: readonly (TopicPartition & { readonly start: OffsetSpec })[]): Promise<void> {
    const offsets = await resolveOffsets(this.admin, partitions);
    this.assigned = new Map(
      offsets.map((o) => [
        partitionKey(o),
        { topic: o.topic, partition: o.partition, position: o.offset, paused: false, epoch: 0, fetched: o.offset },
      ]),
    );
    this.queue.length = 0;
    this.restartNeeded = true;
  }

  async seek(partition: TopicPartition, to: OffsetSpec): Promise<void> {
    const entry = this.required(partition);
    const [resolved] = await resolveOffsets(this.admin, [{ ...partition, start: to }]);
    entry.position = resolved?.offset ?? entry.position;
    entry.fetched = entry.position;
    entry.epoch++;
    this.consumer?.seek({ topic: entry.topic, partition: entry.partition, offset: String(entry.position) });
    this.release();
  }

  position(partition: TopicPartition): number | undefined {
    return this.assigned.get(partitionKey(partition))?.position;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.required(p).paused = true;
    this.consumer?.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.required(p).paused = false;
    this.consumer?.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  async poll(): Promise<KafkaRecordBatch[]> {
    if (this.restartNeeded) await this.restart();
    if (this.crashed !== undefined) throw kafkaJsError('SOURCE_FAILED', 'Consuming', this.crashed);
    if (this.queue.length === 0 && this.assigned.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.maxWaitMs ?? 100);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
      if (this.crashed !== undefined) throw kafkaJsError('SOURCE_FAILED', 'Consuming', this.crashed);
    }
    const batches: KafkaRecordBatch[] = [];
    for (const { batch, epoch, reset } of this.queue.splice(0)) {
      const entry = this.assigned.get(partitionKey(batch));
      if (!entry || entry.epoch !== epoch || entry.paused) continue;
      if (reset !== undefined)
        this.options.onOffsetReset?.({ topic: batch.topic, partition: batch.partition, ...reset });
      entry.position = batch.nextOffset;
      batches.push(batch);
    }
    this.release();
    return batches;
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.release();
    await Promise.all([consumer?.disconnect(), this.admin.close()]);
  }

  /** Lets the waiting `eachBatch` return, so kafkajs fetches again. */
  private release(): void {
    const taken = this.taken;
    this.taken = undefined;
    taken?.();
  }

  private async restart(): Promise<void> {
    this.restartNeeded = false;
    const old = this.consumer;
    this.consumer = undefined;
    this.release();
    await old?.disconnect();
    if (this.assigned.size === 0) return;
    const assignment: Record<string, number[]> = {};
    for (const a of this.assigned.values()) (assignment[a.topic] ??= []).push(a.partition);
    const consumer = this.kafka.consumer({
      groupId: `sluice-assign-${randomUUID()}`,
      partitionAssigners: [this.fixedAssigner(assignment)],
      readUncommitted: this.options.isolation === 'read_uncommitted',
      maxWaitTimeInMs: this.options.maxWaitMs ?? 100,
      minBytes: this.options.minBytes ?? 1,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    // After every (re)join kafkajs would start from the group's commits (none): seek to ours.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const a of this.assigned.values()) {
        a.fetched = a.position;
        consumer.seek({ topic: a.topic, partition: a.partition, offset: String(a.position) });
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.crashed = payload.error;
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      // Where kafkajs goes when a position is out of range; with 'fail' the reset is caught when the
      // records of the log start arrive, before any is returned.
      await consumer.subscribe({ topics: Object.keys(assignment), fromBeginning: this.offsetReset !== 'latest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: (payload) => this.onBatch(consumer, payload),
      });
      const paused = [...this.assigned.values()].filter((a) => a.paused);
      if (paused.length > 0) consumer.pause(paused.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
    } catch (error) {
      throw kafkaJsError('SOURCE_FAILED', 'Starting the consumer', error);
    }
  }

  private async onBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const entry = this.assigned.get(partitionKey(batch));
    if (!entry || batch.messages.length === 0 || consumer !== this.consumer || this.crashed !== undefined) return;
    const epoch = entry.epoch;
    const fetchedAt = fetchedOffsetOf(batch);
    let reset: Pending['reset'];
    if (fetchedAt !== undefined && fetchedAt !== entry.fetched) {
      // kafkajs fetched from elsewhere: it reset an out-of-range position, or it skipped a batch
      // holding only control records or aborted ones (no eachBatch for those).
      const from = entry.fetched;
      try {
        reset = await this.resetOf(entry, from, fetchedAt, Number(batch.highWatermark));
      } catch (error) {
        this.crashed = error;
        this.wakeUp?.();
        return;
      }
      if (consumer !== this.consumer || entry.epoch !== epoch || isStale() || this.crashed !== undefined) return;
    }
    const records: KafkaRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: Number(m.offset),
      key: m.key,
      value: m.value,
      headers: toHeaders(m.headers),
      timestamp: Number(m.timestamp),
    }));
    const nextOffset = Number(batch.lastOffset()) + 1;
    entry.fetched = nextOffset;
    this.queue.push({
      batch: { topic: batch.topic, partition: batch.partition, records, nextOffset },
      epoch: entry.epoch,
      ...(reset === undefined ? {} : { reset }),
    });
    this.wakeUp?.();
    // Hold kafkajs here until poll() takes the batch (backpressure); heartbeat meanwhile.
    while (this.queue.length > 0 && consumer === this.consumer && isRunning() && !isStale()) {
      const taken = new Promise<void>((resolve) => {
        this.taken = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([taken, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
      clearTimeout(timer);
      if (this.queue.length > 0) await heartbeat();
    }
  }

  private get offsetReset(): 'earliest' | 'latest' | 'fail' {
    return this.options.offsetReset ?? 'earliest';
  }

  /**
   * Whether kafkajs fetching at `fetchedAt` instead of `from` was an offset reset: `from` is out
   * of the partition's offsets. With `offsetReset: 'fail'` this throws the error to fail with.
   */
  private async resetOf(
    entry: Assigned,
    from: number,
    fetchedAt: number,
    highWatermark: number,
  ): Promise<Pending['reset']> {
    const tp = { topic: entry.topic, partition: entry.partition };
    const [[first], [last]] = await Promise.all([
      this.admin.listOffsets([tp], { kind: 'earliest' }),
      this.admin.listOffsets([tp], { kind: 'latest' }),
    ]);
    if (first === undefined || last === undefined) return undefined;
    const end = Number.isFinite(highWatermark) ? Math.max(last.offset, highWatermark) : last.offset;
    const outOfRange = fetchedAt > from ? from < first.offset : from > end;
    if (!outOfRange) return undefined;
    if (this.offsetReset === 'fail') throw offsetOutOfRangeError(tp, from, first.offset, last.offset);
    return { from, to: fetchedAt };
  }

  private fixedAssigner(assignment: Record<string, number[]>): PartitionAssigner {
    const { AssignerProtocol } = this.lib;
    return () => ({
      name: 'SluiceFixedAssigner',
      version: 1,
      async assign({ members }) {
        return members.map((member) => ({
          memberId: member.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment,
            userData: Buffer.alloc(0),
          }),
        }));
      },
      protocol({ topics }) {
        return {
          name: 'SluiceFixedAssigner',
          metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
        };
      },
    });
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

function toHeaders(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): KafkaHeader[] {
  if (!headers) return [];
  const result: KafkaHeader[] = [];
  for (const [key, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      result.push({ key, value: typeof v === 'string' ? Buffer.from(v) : v });
    }
  }
  return result;
}

/** The offset kafkajs fetched a batch from (`Batch.fetchedOffset`, not in kafkajs's types). */
function fetchedOffsetOf(batch: EachBatchPayload['batch']): number | undefined {
  const raw = (batch as { fetchedOffset?: unknown }).fetchedOffset;
  if (raw === undefined || raw === null) return undefined;
  const offset = Number(String(raw));
  return Number.isFinite(offset) ? offset : undefined;
}
