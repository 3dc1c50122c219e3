import type { MetricCounter } from '../../../api/metrics.ts';
import type { InputStatus, ReaderOutput, SourceReader, SourceReaderContext, SplitOutput } from '../../../api/source.ts';
import { SluiceError } from '../../../errors.ts';
import { createKafkaClient } from '../create-kafka-client.ts';
import type {
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaProducer,
  KafkaProducerRecord,
  KafkaRecord,
  KafkaRecordBatch,
  PartitionOffset,
  TopicPartition,
} from '../kafka-client.ts';
import { describeCause } from '../kafka-client-error.ts';
import { DeadLetterWriter, deadLetterOf, decodeDeadLetter, encodeDeadLetter } from './dead-letter-writer.ts';
import { type KafkaPartitionSplit, splitIdOf } from './kafka-partition-split.ts';
import { KAFKA_SOURCE_METRICS } from './kafka-source-metrics.ts';
import type { KafkaSourceSettings } from './kafka-source-options.ts';
import { OffsetCommitter } from './offset-committer.ts';

/** Consecutive failed fetches (retriable errors, e.g. a leader change) before the job fails. */
const MAX_FETCH_RETRIES = 8;
/** Dead letters not yet acknowledged above which the reader stops emitting until acknowledgements arrive. */
const MAX_PENDING_DEAD_LETTERS = 1_000;
/** Checkpoint positions kept for committing (checkpoints that never complete are dropped). */
const MAX_REMEMBERED_CHECKPOINTS = 16;

interface Buffered {
  readonly batch: KafkaRecordBatch;
  readonly bytes: number;
  /** An offset reset: no records; the position moves to `batch.nextOffset` (also backwards). */
  readonly reset?: boolean;
}

/** One assigned partition: positions, fetched records and metrics. */
class PartitionState {
  readonly id: string;
  readonly tp: TopicPartition;
  readonly stopOffset: number | undefined;
  /** Next offset to emit; every record before it was emitted or dead-lettered (the checkpoint position). */
  next: number;
  /** Next offset the consumer fetches (after the buffered batches). */
  fetchOffset: number;
  readonly buffered: Buffered[] = [];
  /** Index of the next record in `buffered[0]`. */
  index = 0;
  bufferedBytes = 0;
  /** Paused in the consumer (buffer full or finished). */
  paused = false;
  /** Reached the stop offset (bounded reads). */
  finished = false;
  /** The watermark channel was released. */
  released = false;
  /** Dead letters of this partition not acknowledged yet (they go into checkpoints). */
  readonly pendingLetters = new Set<KafkaProducerRecord>();
  readonly recordsIn: MetricCounter;
  readonly bytesIn: MetricCounter;
  readonly deadLetters: MetricCounter;
  readonly offsetResets: MetricCounter;

  constructor(split: KafkaPartitionSplit, counter: (name: string) => MetricCounter) {
    this.id = split.splitId;
    this.tp = { topic: split.topic, partition: split.partition };
    this.stopOffset = split.stopOffset;
    this.next = split.offset;
    this.fetchOffset = split.offset;
    this.recordsIn = counter(KAFKA_SOURCE_METRICS.recordsIn);
    this.bytesIn = counter(KAFKA_SOURCE_METRICS.bytesIn);
    this.deadLetters = counter(KAFKA_SOURCE_METRICS.deadLetters);
    this.offsetResets = counter(KAFKA_SOURCE_METRICS.offsetResets);
  }

  /** Bounded reads: everything up to the stop offset was fetched. */
  get fetchedToStop(): boolean {
    return this.stopOffset !== undefined && this.fetchOffset >= this.stopOffset;
  }

  /** Whether `pollNext` has something to do for this partition. */
  get hasWork(): boolean {
    return (
      this.buffered.length > 0 ||
      (this.stopOffset !== undefined && this.next >= this.stopOffset && !this.released) ||
      (this.finished && this.pendingLetters.size === 0)
    );
  }

  snapshot(): KafkaPartitionSplit {
    return {
      splitId: this.id,
      topic: this.tp.topic,
      partition: this.tp.partition,
      offset: this.next,
      ...(this.stopOffset === undefined ? {} : { stopOffset: this.stopOffset }),
      ...(this.pendingLetters.size === 0 ? {} : { pendingDeadLetters: [...this.pendingLetters].map(encodeDeadLetter) }),
    };
  }
}

function recordBytes(r: KafkaRecord): number {
  return (r.key?.length ?? 0) + (r.value?.length ?? 0);
}

/**
 * Reads the partitions assigned to one subtask. Fetching is asynchronous and happens in the
 * background (at most one `poll()` in flight, started by `isAvailable`/`pollNext`, one fetch ahead
 * of emission); fetched batches are buffered per partition, and a partition whose buffer holds
 * more than `maxBufferedBytesPerPartition` is paused. `pollNext` emits up to `maxRecordsPerPoll`
 * buffered records synchronously, round-robin over partitions, each through its partition's
 * output so watermarks are per partition.
 */
export class KafkaSourceReader<T> implements SourceReader<T, KafkaPartitionSplit> {
  private readonly settings: KafkaSourceSettings<T>;
  private readonly ctx: SourceReaderContext;
  private readonly partitions = new Map<string, PartitionState>();
  /** `partitions` in a rotating order, for fairness across polls. */
  private order: PartitionState[] = [];
  private cursor = 0;
  /** The consumer's assignment as of the last `assign` (finished partitions stay, paused, until the next one). */
  private inConsumer = new Map<string, PartitionState>();
  private assignmentDirty = false;
  private noMoreSplits = false;
  private client: KafkaClient | undefined;
  private consumer: KafkaConsumer | undefined;
  private admin: KafkaAdmin | undefined;
  private producer: KafkaProducer | undefined;
  private ready: Promise<void> | undefined;
  private fetching = false;
  private failure: Error | undefined;
  private closed = false;
  private waiter: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly endOffsets = new Map<string, number>();
  private nextLagRefresh = 0;
  private lagRefreshing = false;
  private readonly deadLetters: DeadLetterWriter;
  private readonly committer: OffsetCommitter | undefined;
  private readonly checkpointPositions = new Map<number, PartitionOffset[]>();

  constructor(settings: KafkaSourceSettings<T>, ctx: SourceReaderContext) {
    this.settings = settings;
    this.ctx = ctx;
    this.deadLetters = new DeadLetterWriter(
      async () => {
        await this.connect();
        this.producer ??= (this.client as KafkaClient).producer();
        return this.producer;
      },
      (error, count) => {
        if (error !== undefined) {
          this.fail(
            new SluiceError(
              'SOURCE_FAILED',
              `KafkaSource could not write bad records to the dead-letter topic '${settings.deadLetterTopic}': ${describeCause(error)}. ` +
                'The job restarts from its last checkpoint and writes them again; check that the topic exists and that the client may write to it.',
              { cause: error },
            ),
          );
        } else if ((count ?? 0) > 0) {
          this.notify();
        }
      },
    );
    this.committer =
      settings.commitOffsets && settings.groupId !== undefined
        ? new OffsetCommitter({
            groupId: settings.groupId,
            admin: async () => {
              await this.connect();
              return this.admin as KafkaAdmin;
            },
            metrics: ctx.metrics,
            now: () => ctx.now(),
            log: settings.log,
          })
        : undefined;
  }

  start(): void {
    this.connect().catch(() => {}); // failures surface through `failure`
    this.maybeFetch();
  }

  addSplits(splits: readonly KafkaPartitionSplit[]): void {
    for (const split of splits) {
      if (split.discoveryFailure !== undefined) {
        this.fail(new SluiceError('SOURCE_FAILED', split.discoveryFailure, { domain: 'user', retriable: false }));
        continue;
      }
      if (this.partitions.has(split.splitId)) continue;
      const labels = { topic: split.topic, partition: String(split.partition) };
      const state = new PartitionState(split, (name) => this.ctx.metrics.counter(name, labels));
      this.ctx.metrics.gauge(KAFKA_SOURCE_METRICS.lag, labels, () => this.lagOf(split.splitId));
      for (const letter of split.pendingDeadLetters ?? []) {
        const topic = this.settings.deadLetterTopic;
        if (topic === undefined) {
          this.fail(
            new SluiceError(
              'SOURCE_FAILED',
              `The checkpoint holds unwritten dead letters of ${split.splitId}, but the KafkaSource has no deadLetterTopic now. Set deadLetterTopic again to restore this checkpoint.`,
              { domain: 'user', retriable: false },
            ),
          );
          break;
        }
        this.deadLetters.add(state.pendingLetters, decodeDeadLetter(topic, letter));
      }
      this.partitions.set(split.splitId, state);
    }
    this.order = [...this.partitions.values()];
    this.assignmentDirty = true;
    this.deadLetters.flush();
    this.maybeFetch();
    this.notify();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.notify();
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    let budget = this.deadLetters.pending >= MAX_PENDING_DEAD_LETTERS ? 0 : this.settings.maxRecordsPerPoll;
    const order = this.order;
    const n = order.length;
    let removed = false;
    for (let k = 0; k < n; k++) {
      const state = order[(this.cursor + k) % n] as PartitionState;
      if (budget > 0 && state.buffered.length > 0) budget -= this.emit(state, output.forSplit(state.id), budget);
      if (state.stopOffset !== undefined && state.next >= state.stopOffset) this.finish(state, output);
      if (state.finished && state.pendingLetters.size === 0) {
        this.partitions.delete(state.id);
        this.endOffsets.delete(state.id);
        removed = true;
      }
    }
    this.cursor = n === 0 ? 0 : (this.cursor + 1) % n;
    if (removed) this.order = [...this.partitions.values()];
    this.deadLetters.flush();
    this.maybeFetch();
    this.maybeRefreshLag();
    if (this.partitions.size === 0 && this.noMoreSplits) {
      return this.deadLetters.pending === 0 ? 'end-of-input' : 'nothing-available';
    }
    return this.hasWork() ? 'more-available' : 'nothing-available';
  }

  isAvailable(): Promise<void> {
    this.maybeRefreshLag();
    if (this.failure !== undefined || this.closed || this.hasWork()) return Promise.resolve();
    if (this.partitions.size === 0 && this.noMoreSplits && this.deadLetters.pending === 0) return Promise.resolve();
    this.maybeFetch();
    this.waiter ??= new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    return this.waiter;
  }

  snapshotState(checkpointId: number): KafkaPartitionSplit[] {
    const splits = [...this.partitions.values()].map((s) => s.snapshot());
    if (this.committer !== undefined) {
      this.checkpointPositions.set(
        checkpointId,
        splits.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset })),
      );
      for (const id of this.checkpointPositions.keys()) {
        if (this.checkpointPositions.size <= MAX_REMEMBERED_CHECKPOINTS) break;
        this.checkpointPositions.delete(id);
      }
    }
    return splits;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const positions = this.checkpointPositions.get(checkpointId);
    for (const id of [...this.checkpointPositions.keys()]) if (id <= checkpointId) this.checkpointPositions.delete(id);
    if (positions !== undefined) this.committer?.commit(positions);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    await this.ready?.catch(() => {});
    await this.deadLetters.settle();
    await this.committer?.settle();
    await Promise.allSettled([this.consumer?.close(), this.admin?.close(), this.producer?.close()]);
  }

  // ---- emission (synchronous, per batch) ----

  /** Emits up to `budget` buffered records of `state`; returns how many records it consumed. */
  private emit(state: PartitionState, out: SplitOutput<T>, budget: number): number {
    const stop = state.stopOffset ?? Number.POSITIVE_INFINITY;
    const deserializer = this.settings.deserializer;
    let used = 0;
    while (used < budget && !state.finished) {
      const head = state.buffered[0];
      if (head === undefined) break;
      const records = head.batch.records;
      let i = state.index;
      for (; i < records.length && used < budget; i++) {
        const record = records[i] as KafkaRecord;
        if (record.offset >= stop) {
          state.next = stop;
          break;
        }
        used++;
        state.next = record.offset + 1;
        let value: T;
        try {
          value = deserializer.deserialize(record);
        } catch (error) {
          this.deadLetter(state, record, error);
          continue;
        }
        out.collect(value, record.timestamp);
      }
      if (state.next >= stop) break;
      if (i < records.length) {
        state.index = i;
        break;
      }
      state.buffered.shift();
      state.index = 0;
      state.bufferedBytes -= head.bytes;
      if (head.reset === true || head.batch.nextOffset > state.next) state.next = Math.min(head.batch.nextOffset, stop);
    }
    state.recordsIn.inc(used);
    return used;
  }

  private deadLetter(state: PartitionState, record: KafkaRecord, error: unknown): void {
    const topic = this.settings.deadLetterTopic;
    const reason = describeCause(error);
    if (topic === undefined) {
      throw new SluiceError(
        'SOURCE_FAILED',
        `KafkaSource could not deserialize the record at topic '${record.topic}' partition ${record.partition} offset ${record.offset}: ${reason}. ` +
          'Fix the deserializer or the data, or set `deadLetterTopic` in the KafkaSource options to write bad records there and keep the job running.',
        { domain: 'user', retriable: false, cause: error },
      );
    }
    this.deadLetters.add(state.pendingLetters, deadLetterOf(topic, record, reason));
    state.deadLetters.inc();
  }

  /** The partition reached its stop offset: its watermark no longer holds others back; its buffer goes. */
  private finish(state: PartitionState, output: ReaderOutput<T>): void {
    if (!state.finished) {
      state.finished = true;
      state.buffered.length = 0;
      state.bufferedBytes = 0;
    }
    if (!state.released) {
      state.released = true;
      output.releaseSplit(state.id);
    }
  }

  private hasWork(): boolean {
    if (this.deadLetters.pending >= MAX_PENDING_DEAD_LETTERS) return false;
    for (const state of this.order) if (state.hasWork) return true;
    return false;
  }

  // ---- background fetching ----

  private connect(): Promise<void> {
    this.ready ??= (async () => {
      const client = await createKafkaClient(this.settings.client);
      this.client = client;
      this.consumer = client.consumer({
        isolation: this.settings.isolation,
        maxWaitMs: this.settings.fetchMaxWaitMs,
        maxBytesPerPartition: this.settings.fetchMaxBytesPerPartition,
        offsetReset: this.settings.offsetReset,
        onOffsetReset: (reset) => this.onOffsetReset(reset),
      });
      this.admin = client.admin();
    })().catch((error: unknown) => {
      this.fail(error);
      throw error;
    });
    return this.ready;
  }

  private wantsFetch(): boolean {
    if (this.assignmentDirty) return true;
    for (const state of this.partitions.values()) if (this.fetchWanted(state)) return true;
    return false;
  }

  private fetchWanted(state: PartitionState): boolean {
    return !state.finished && !state.fetchedToStop && state.bufferedBytes < this.settings.maxBufferedBytesPerPartition;
  }

  private maybeFetch(): void {
    if (this.fetching || this.closed || this.failure !== undefined || !this.wantsFetch()) return;
    this.fetching = true;
    void this.fetchLoop();
  }

  /** Fetches until records arrived (then hands over to `pollNext`), nothing is wanted, or the reader fails. */
  private async fetchLoop(): Promise<void> {
    let retries = 0;
    try {
      await this.connect();
      while (!this.closed && this.failure === undefined && this.wantsFetch()) {
        this.maybeRefreshLag();
        let outcome: 'records' | 'empty' | 'idle';
        try {
          outcome = await this.fetchOnce();
        } catch (error) {
          if (this.closed) return;
          retries++;
          if (!(error instanceof SluiceError && error.retriable) || retries > MAX_FETCH_RETRIES) throw error;
          this.settings.log(
            `KafkaSource: fetch failed (attempt ${retries} of ${MAX_FETCH_RETRIES}), retrying: ${describeCause(error)}`,
          );
          await this.ctx.sleepUntil(this.ctx.now() + Math.min(50 * 2 ** retries, 5_000));
          continue;
        }
        retries = 0;
        if (outcome === 'records' || (outcome === 'idle' && !this.assignmentDirty)) return;
      }
    } catch (error) {
      if (!this.closed) this.fail(error);
    } finally {
      this.fetching = false;
      this.notify();
    }
  }

  private async fetchOnce(): Promise<'records' | 'empty' | 'idle'> {
    const consumer = this.consumer as KafkaConsumer;
    if (this.assignmentDirty) {
      this.assignmentDirty = false;
      const live = [...this.partitions.values()].filter((s) => !s.finished);
      await consumer.assign(live.map((s) => ({ ...s.tp, start: { kind: 'offset', offset: s.fetchOffset } as const })));
      this.inConsumer = new Map(live.map((s) => [s.id, s]));
      for (const s of live) s.paused = false;
      if (this.closed) return 'idle';
    }
    const pause: TopicPartition[] = [];
    const resume: PartitionState[] = [];
    let active = 0;
    for (const state of this.inConsumer.values()) {
      const hold = !this.fetchWanted(state) || this.partitions.get(state.id) !== state;
      if (hold && !state.paused) pause.push(state.tp);
      else if (!hold && state.paused) resume.push(state);
      state.paused = hold;
      if (!hold) active++;
    }
    if (pause.length > 0) consumer.pause(pause);
    if (resume.length > 0) {
      consumer.resume(resume.map((s) => s.tp));
      // Re-seek to where this reader stands: an adapter may have dropped a batch fetched while paused.
      for (const s of resume) await consumer.seek(s.tp, { kind: 'offset', offset: s.fetchOffset });
    }
    if (active === 0) return 'idle';
    const batches = await consumer.poll();
    if (this.closed) return 'idle';
    const accepted: [PartitionState, KafkaRecordBatch][] = [];
    const records: KafkaRecord[] = [];
    for (const batch of batches) {
      const state = this.inConsumer.get(splitIdOf(batch));
      if (state === undefined || state.finished || batch.nextOffset <= state.fetchOffset) continue;
      accepted.push([state, batch]);
      for (const r of batch.records) records.push(r);
    }
    const prepare = this.settings.deserializer.prepare;
    if (prepare !== undefined && records.length > 0) await prepare.call(this.settings.deserializer, records);
    let stored = false;
    for (const [state, batch] of accepted) {
      if (state.finished || this.partitions.get(state.id) !== state) continue;
      let bytes = 0;
      for (const r of batch.records) bytes += recordBytes(r);
      state.buffered.push({ batch, bytes });
      state.bufferedBytes += bytes;
      state.bytesIn.inc(bytes);
      state.fetchOffset = batch.nextOffset;
      stored = true;
    }
    return stored ? 'records' : 'empty';
  }

  /**
   * The consumer moved a partition whose position was out of range (called within `poll()`, so
   * every batch fetched before is buffered already, and the ones after start at `to`). A marker
   * batch moves the emitted position once the buffered records before it are out.
   */
  private onOffsetReset(reset: TopicPartition & { readonly from: number; readonly to: number }): void {
    const id = splitIdOf(reset);
    const state = this.inConsumer.get(id);
    const { topic, partition, from, to } = reset;
    const moved =
      to >= from
        ? `skipping ${to - from} offsets`
        : `going back ${from - to} offsets (the partition now ends before ${from}: was the topic recreated?)`;
    this.settings.log(
      `KafkaSource: offset ${from} of ${topic}:${partition} is out of range; offsetReset '${this.settings.offsetReset}' moved it to ${to}, ${moved}.`,
    );
    if (state === undefined || state.finished || this.partitions.get(id) !== state) return;
    state.offsetResets.inc();
    state.buffered.push({ batch: { topic, partition, records: [], nextOffset: to }, bytes: 0, reset: true });
    state.fetchOffset = to;
    this.notify();
  }

  // ---- lag, failures, wake-ups ----

  private lagOf(splitId: string): number | undefined {
    const state = this.partitions.get(splitId);
    const end = this.endOffsets.get(splitId);
    if (state === undefined || end === undefined) return undefined;
    return Math.max(0, end - state.next);
  }

  /** Refreshes the end offsets behind the lag gauges when due (no timer: called from polls and fetches). */
  private maybeRefreshLag(): void {
    if (this.lagRefreshing || this.closed || this.admin === undefined) return;
    const now = this.ctx.now();
    if (now < this.nextLagRefresh) return;
    const tps = [...this.partitions.values()].filter((s) => !s.finished).map((s) => s.tp);
    if (tps.length === 0) return;
    this.nextLagRefresh = now + this.settings.lagRefreshIntervalMs;
    this.lagRefreshing = true;
    this.admin
      .listOffsets(tps, { kind: 'latest' })
      .then(
        (ends) => {
          for (const e of ends) this.endOffsets.set(splitIdOf(e), e.offset);
        },
        (error: unknown) => {
          if (!this.closed) {
            this.settings.log(`KafkaSource: reading end offsets for the lag metric failed: ${describeCause(error)}`);
          }
        },
      )
      .finally(() => {
        this.lagRefreshing = false;
      });
  }

  private fail(error: unknown): void {
    this.failure ??=
      error instanceof SluiceError
        ? error
        : new SluiceError('SOURCE_FAILED', `KafkaSource failed: ${describeCause(error)}`, { cause: error });
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.waiter = undefined;
    this.wake = undefined;
    wake?.();
  }
}
