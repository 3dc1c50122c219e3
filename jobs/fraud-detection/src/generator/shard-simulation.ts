import { SeededRandom } from '@sluice/core';
import { AccountSimulation, type GeneratedTransaction } from './account-simulation.ts';
import type { ResolvedGeneratorOptions } from './generator-options.ts';
import { MinHeap } from './min-heap.ts';

interface AccountCursor {
  readonly account: AccountSimulation;
  activity: GeneratedTransaction[];
  next: number;
}

interface Delayed {
  readonly item: GeneratedTransaction;
  readonly release: number;
  readonly order: number;
}

/** How many of `count` transactions shard `shard` of `shards` emits. */
export function shardCount(count: number | undefined, shard: number, shards: number): number {
  if (count === undefined) return Number.POSITIVE_INFINITY;
  return Math.floor(count / shards) + (shard < count % shards ? 1 : 0);
}

/**
 * The accounts `a` with `a % shards === shard`, merged in event-time order (ties by account),
 * then optionally delayed by up to `maxDelayMs` each (emitted in order of event time + delay).
 * Emits the first `shardCount` transactions in event time, so the set is the same with or without
 * delays, and deterministic from the options alone.
 */
export class ShardSimulation {
  readonly shard: number;
  private readonly limit: number;
  private readonly maxDelayMs: number;
  private readonly accounts = new MinHeap<AccountCursor>((a, b) => {
    const ta = (a.activity[a.next] as GeneratedTransaction).tx.eventTime;
    const tb = (b.activity[b.next] as GeneratedTransaction).tx.eventTime;
    return ta < tb || (ta === tb && a.account.index < b.account.index);
  });
  private readonly delayed = new MinHeap<Delayed>(
    (a, b) => a.release < b.release || (a.release === b.release && a.order < b.order),
  );
  private readonly delays = new SeededRandom();
  private generated = 0;
  /** Transactions emitted so far (the split's position). */
  emitted = 0;

  constructor(options: ResolvedGeneratorOptions, shard: number) {
    this.shard = shard;
    this.limit = shardCount(options.count, shard, options.shards);
    this.maxDelayMs = options.maxDelayMs;
    this.delays.reset(options.seed ^ 0x68e31da4, shard);
    for (let a = shard; a < options.accounts; a += options.shards) {
      const account = new AccountSimulation(options, a);
      this.accounts.push({ account, activity: account.nextActivity(), next: 0 });
    }
  }

  /** Whether every transaction of the shard has been emitted. */
  get done(): boolean {
    return this.emitted >= this.limit;
  }

  /** The (release) time of the next transaction, to merge shards; undefined when done. */
  peekTime(): number | undefined {
    if (this.done) return undefined;
    if (this.maxDelayMs === 0) return this.peekGenerated();
    this.fillDelayed();
    return this.delayed.peek()?.release;
  }

  /** The next transaction, or undefined when done. */
  next(): GeneratedTransaction | undefined {
    if (this.done) return undefined;
    let item: GeneratedTransaction | undefined;
    if (this.maxDelayMs === 0) item = this.generate();
    else {
      this.fillDelayed();
      item = this.delayed.pop()?.item;
    }
    if (item !== undefined) this.emitted++;
    return item;
  }

  /** Skips `n` transactions (to resume a split from its position). */
  skip(n: number): void {
    for (let i = 0; i < n && this.next() !== undefined; i++);
  }

  /** Buffers generated transactions until the earliest release is before the next generated time. */
  private fillDelayed(): void {
    for (;;) {
      const nextTime = this.generated < this.limit ? this.peekGenerated() : undefined;
      const head = this.delayed.peek();
      if (nextTime === undefined || (head !== undefined && head.release <= nextTime)) return;
      const item = this.generate() as GeneratedTransaction;
      const release = item.tx.eventTime + this.delays.nextInt(this.maxDelayMs + 1);
      this.delayed.push({ item, release, order: this.generated });
    }
  }

  private peekGenerated(): number {
    const top = this.accounts.peek() as AccountCursor;
    return (top.activity[top.next] as GeneratedTransaction).tx.eventTime;
  }

  private generate(): GeneratedTransaction | undefined {
    if (this.generated >= this.limit) return undefined;
    const cursor = this.accounts.pop() as AccountCursor;
    const item = cursor.activity[cursor.next] as GeneratedTransaction;
    cursor.next++;
    if (cursor.next >= cursor.activity.length) {
      cursor.activity = cursor.account.nextActivity();
      cursor.next = 0;
    }
    this.accounts.push(cursor);
    this.generated++;
    return item;
  }
}
