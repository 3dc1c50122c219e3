import type { SplitEnumerator, SplitEnumeratorContext } from '../../../api/source.ts';
import { SluiceError } from '../../../errors.ts';
import { createKafkaClient } from '../create-kafka-client.ts';
import type { KafkaAdmin, OffsetSpec, PartitionOffset, TopicPartition } from '../kafka-client.ts';
import { describeCause } from '../kafka-client-error.ts';
import { partitionKey, resolveOffsets } from '../resolve-offsets.ts';
import { type KafkaEnumeratorState, type KafkaPartitionSplit, ownerOf, splitIdOf } from './kafka-partition-split.ts';
import type { KafkaSourceSettings } from './kafka-source-options.ts';

/** Attempts of the initial discovery before the job fails (transient broker errors are retried). */
const INITIAL_ATTEMPTS = 6;

/**
 * Finds the partitions of a {@link KafkaSource} and assigns each to its owner subtask
 * ({@link ownerOf}) as a split with a concrete start offset (and stop offset when bounded).
 * Discovery is asynchronous: the first runs at `start()`, later ones every `discoveryIntervalMs`
 * (unbounded only); partitions found after the first start at their earliest offset. Its state is
 * the set of partitions it assigned, so a restored job neither loses nor re-reads one.
 */
export class KafkaSourceEnumerator implements SplitEnumerator<KafkaPartitionSplit, KafkaEnumeratorState> {
  private readonly ctx: SplitEnumeratorContext<KafkaPartitionSplit>;
  private readonly settings: KafkaSourceSettings<unknown>;
  private readonly assigned: Set<string>;
  private initialized: boolean;
  private readonly readers = new Set<number>();
  private admin: KafkaAdmin | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private signalled = false;

  constructor(
    ctx: SplitEnumeratorContext<KafkaPartitionSplit>,
    settings: KafkaSourceSettings<unknown>,
    state?: KafkaEnumeratorState,
  ) {
    this.ctx = ctx;
    this.settings = settings;
    this.assigned = new Set(state?.assigned ?? []);
    this.initialized = state?.initialized ?? false;
  }

  start(): void {
    if (this.settings.bounded !== undefined && this.initialized) return; // every split is assigned already
    this.running = this.initialDiscovery();
  }

  addReader(subtask: number): void {
    this.readers.add(subtask);
    if (this.signalled) this.ctx.signalNoMoreSplits(subtask);
    else if (this.settings.bounded !== undefined && this.initialized && this.running === undefined) {
      this.ctx.signalNoMoreSplits(subtask);
    }
  }

  addSplitsBack(splits: readonly KafkaPartitionSplit[]): void {
    const byOwner = new Map<number, KafkaPartitionSplit[]>();
    for (const split of splits) {
      const owner = ownerOf(split, this.ctx.parallelism);
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), split]);
    }
    for (const [owner, list] of byOwner) this.ctx.assignSplits(owner, list);
  }

  snapshotState(): KafkaEnumeratorState {
    return { assigned: [...this.assigned], initialized: this.initialized };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
    await this.admin?.close().catch(() => {});
    this.admin = undefined;
  }

  private async initialDiscovery(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.discover();
        break;
      } catch (error) {
        const fatal = !(error instanceof SluiceError) || !error.retriable || attempt >= INITIAL_ATTEMPTS;
        if (fatal) {
          this.fail(error);
          return;
        }
        this.settings.log(
          `KafkaSource: partition discovery failed (attempt ${attempt} of ${INITIAL_ATTEMPTS}), retrying: ${describeCause(error)}`,
        );
        await this.sleep(200 * 2 ** attempt);
      }
    }
    if (this.closed) return;
    if (this.settings.bounded !== undefined) {
      this.signalled = true;
      for (const subtask of this.readers) this.ctx.signalNoMoreSplits(subtask);
    } else {
      this.schedulePeriodic();
    }
  }

  private schedulePeriodic(): void {
    const interval = this.settings.discoveryIntervalMs;
    if (interval <= 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.discover()
        .catch((error: unknown) => {
          this.settings.log(
            `KafkaSource: periodic partition discovery failed, retrying later: ${describeCause(error)}`,
          );
        })
        .finally(() => this.schedulePeriodic());
    }, interval);
    // Discovery alone must not keep a process alive whose job ended without closing the enumerator.
    this.timer.unref();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
      this.timer.unref();
    });
  }

  /** One discovery round: new partitions get splits, assigned to their owners, all synchronously at the end. */
  private async discover(): Promise<void> {
    this.admin ??= (await createKafkaClient(this.settings.client)).admin();
    const admin = this.admin;
    const topics = await this.topics(admin);
    if (!this.initialized && this.settings.topics !== undefined) {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        throw new SluiceError(
          'SOURCE_FAILED',
          `KafkaSource: topic(s) ${missing.map((t) => `'${t}'`).join(', ')} do not exist. Create them, or fix \`topics\`.`,
          { domain: 'user', retriable: false },
        );
      }
    }
    const partitions = topics.length === 0 ? [] : await admin.partitionsOf(topics);
    const fresh = partitions.filter((p) => !this.assigned.has(partitionKey(p)));
    if (fresh.length === 0) {
      this.initialized = true;
      return;
    }
    const starts = await resolveOffsets(
      admin,
      fresh.map((p) => ({ ...p, start: this.initialized ? ({ kind: 'earliest' } as const) : this.startSpec(p) })),
    );
    const stops = this.settings.bounded === undefined ? undefined : await this.stopOffsets(admin, fresh);
    if (this.closed) return;
    const byOwner = new Map<number, KafkaPartitionSplit[]>();
    for (const start of starts) {
      const stopOffset = stops?.get(partitionKey(start));
      const split: KafkaPartitionSplit = {
        splitId: splitIdOf(start),
        topic: start.topic,
        partition: start.partition,
        offset: start.offset,
        ...(stopOffset === undefined ? {} : { stopOffset }),
      };
      const owner = ownerOf(start, this.ctx.parallelism);
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), split]);
    }
    for (const [owner, splits] of byOwner) {
      for (const s of splits) this.assigned.add(partitionKey(s));
      this.ctx.assignSplits(owner, splits);
    }
    this.initialized = true;
  }

  private async topics(admin: KafkaAdmin): Promise<string[]> {
    const pattern = this.settings.topicPattern;
    if (pattern === undefined) return [...(this.settings.topics ?? [])];
    const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return (await admin.listTopics()).filter((t) => matcher.test(t)).sort();
  }

  private startSpec(tp: TopicPartition): OffsetSpec {
    const start = this.settings.startingOffsets;
    if (start === 'earliest' || start === 'latest') return { kind: start };
    if (start.kind === 'timestamp') return start;
    if (start.kind === 'committed') {
      return { kind: 'committed', groupId: this.settings.groupId as string, fallback: start.fallback ?? 'earliest' };
    }
    const listed = start.offsets.find((o) => o.topic === tp.topic && o.partition === tp.partition);
    return listed === undefined ? { kind: start.fallback ?? 'earliest' } : { kind: 'offset', offset: listed.offset };
  }

  private async stopOffsets(admin: KafkaAdmin, partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const stops = new Map<string, number>();
    const bounded = this.settings.bounded;
    if (typeof bounded === 'object') {
      for (const o of bounded.offsets) stops.set(partitionKey(o), o.offset);
    }
    const rest = partitions.filter((p) => !stops.has(partitionKey(p)));
    const latest: PartitionOffset[] = rest.length === 0 ? [] : await admin.listOffsets(rest, { kind: 'latest' });
    for (const o of latest) stops.set(partitionKey(o), o.offset);
    return stops;
  }

  /** The enumerator cannot fail the job itself: it hands the failure to reader 0 as a pseudo-split. */
  private fail(error: unknown): void {
    const message =
      error instanceof SluiceError
        ? error.message
        : `KafkaSource: partition discovery failed: ${describeCause(error)}. Check bootstrapServers and the client settings.`;
    this.ctx.assignSplits(0, [
      { splitId: '__kafka-discovery-failure', topic: '', partition: -1, offset: 0, discoveryFailure: message },
    ]);
  }
}
