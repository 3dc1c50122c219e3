import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '@sluice/core';
import type { Transaction } from '../transaction.ts';
import {
  type ResolvedGeneratorOptions,
  resolveGeneratorOptions,
  type TransactionGeneratorOptions,
} from './generator-options.ts';
import { ShardSimulation } from './shard-simulation.ts';

/**
 * A split of {@link FraudTransactionSource}: one shard of the accounts and how many of its
 * transactions were emitted (a restored split replays its shard deterministically up to there).
 */
export interface FraudGeneratorSplit extends SourceSplit {
  readonly shard: number;
  readonly emitted: number;
}

const BATCH = 1024;

class FraudTransactionReader implements SourceReader<Transaction, FraudGeneratorSplit> {
  private readonly options: ResolvedGeneratorOptions;
  private readonly ctx: SourceReaderContext;
  private readonly shards: { id: string; sim: ShardSimulation }[] = [];
  private noMoreSplits = false;
  private readonly ratePerMs: number;
  private startedAt = 0;
  private emitted = 0;

  constructor(options: ResolvedGeneratorOptions, ctx: SourceReaderContext) {
    this.options = options;
    this.ctx = ctx;
    const rate = options.recordsPerSecond;
    this.ratePerMs = rate === undefined ? 0 : rate / 1000 / ctx.parallelism;
  }

  start(): void {
    this.startedAt = this.ctx.now();
  }

  addSplits(splits: readonly FraudGeneratorSplit[]): void {
    for (const s of splits) {
      const sim = new ShardSimulation(this.options, s.shard);
      sim.skip(s.emitted);
      this.shards.push({ id: s.splitId, sim });
    }
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
  }

  pollNext(output: ReaderOutput<Transaction>): InputStatus {
    let budget = BATCH;
    if (this.ratePerMs > 0) {
      const allowed = Math.floor((this.ctx.now() - this.startedAt) * this.ratePerMs) - this.emitted;
      budget = Math.min(budget, allowed);
      if (budget <= 0) return this.shards.length === 0 && this.noMoreSplits ? 'end-of-input' : 'nothing-available';
    }
    // Emit in (release) time order over this reader's shards, so their watermarks advance together.
    for (let n = 0; n < budget && this.shards.length > 0; n++) {
      let best = -1;
      let bestTime = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.shards.length; i++) {
        const time = (this.shards[i] as { sim: ShardSimulation }).sim.peekTime();
        if (time !== undefined && time < bestTime) {
          best = i;
          bestTime = time;
        }
      }
      if (best < 0) break;
      const shard = this.shards[best] as { id: string; sim: ShardSimulation };
      const item = shard.sim.next();
      if (item !== undefined) {
        output.forSplit(shard.id).collect(item.tx, item.tx.eventTime);
        this.emitted++;
      }
      if (shard.sim.done) {
        this.shards.splice(best, 1);
        output.releaseSplit(shard.id);
      }
    }
    for (let i = this.shards.length - 1; i >= 0; i--) {
      const shard = this.shards[i] as { id: string; sim: ShardSimulation };
      if (shard.sim.done) {
        this.shards.splice(i, 1);
        output.releaseSplit(shard.id);
      }
    }
    if (this.shards.length === 0) return this.noMoreSplits ? 'end-of-input' : 'nothing-available';
    return this.ratePerMs > 0 ? 'nothing-available' : 'more-available';
  }

  isAvailable(): Promise<void> {
    if (this.ratePerMs <= 0) return new Promise(() => {});
    return this.ctx.sleepUntil(Math.ceil(this.startedAt + (this.emitted + 1) / this.ratePerMs));
  }

  snapshotState(): FraudGeneratorSplit[] {
    return this.shards.map((s) => ({ splitId: s.id, shard: s.sim.shard, emitted: s.sim.emitted }));
  }

  close(): void {}
}

class FraudTransactionEnumerator implements SplitEnumerator<FraudGeneratorSplit, FraudGeneratorSplit[]> {
  private readonly ctx: SplitEnumeratorContext<FraudGeneratorSplit>;
  private readonly unassigned: FraudGeneratorSplit[];

  constructor(ctx: SplitEnumeratorContext<FraudGeneratorSplit>, splits: FraudGeneratorSplit[]) {
    this.ctx = ctx;
    this.unassigned = splits;
  }

  start(): void {}

  addReader(subtask: number): void {
    const mine = this.unassigned.filter((s) => s.shard % this.ctx.parallelism === subtask);
    if (mine.length > 0) this.ctx.assignSplits(subtask, mine);
    for (const s of mine) this.unassigned.splice(this.unassigned.indexOf(s), 1);
    this.ctx.signalNoMoreSplits(subtask);
  }

  addSplitsBack(splits: readonly FraudGeneratorSplit[]): void {
    this.unassigned.push(...splits);
  }

  snapshotState(): FraudGeneratorSplit[] {
    return [...this.unassigned];
  }

  close(): void {}
}

/**
 * The seeded card-payment generator as a Sluice source: `shards` splits of the accounts (so at most
 * `shards` useful subtasks), bounded with `count` or unbounded, rate-limited with
 * `recordsPerSecond` or as fast as possible. Records carry their `eventTime` as timestamp; use
 * {@link transactionWatermarks} with a bound >= `maxDelayMs`. {@link generateFraudData} gives the
 * same transactions with the alerts the rules must raise.
 *
 * @example
 * ```ts
 * const source = new FraudTransactionSource({ seed: 7, accounts: 2_000, recordsPerSecond: 1_000 });
 * const transactions = env.fromSource(source, transactionWatermarks(5_000), 'transactions');
 * ```
 */
export class FraudTransactionSource implements Source<Transaction, FraudGeneratorSplit, FraudGeneratorSplit[]> {
  readonly boundedness: 'bounded' | 'unbounded';
  readonly maxParallelism: number;
  private readonly options: ResolvedGeneratorOptions;

  constructor(options: TransactionGeneratorOptions = {}) {
    this.options = resolveGeneratorOptions(options);
    this.boundedness = this.options.count === undefined ? 'unbounded' : 'bounded';
    this.maxParallelism = this.options.shards;
  }

  createEnumerator(ctx: SplitEnumeratorContext<FraudGeneratorSplit>): FraudTransactionEnumerator {
    const splits: FraudGeneratorSplit[] = [];
    for (let s = 0; s < this.options.shards; s++) splits.push({ splitId: `shard-${s}`, shard: s, emitted: 0 });
    return new FraudTransactionEnumerator(ctx, splits);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<FraudGeneratorSplit>,
    state: FraudGeneratorSplit[],
  ): FraudTransactionEnumerator {
    return new FraudTransactionEnumerator(ctx, [...state]);
  }

  createReader(ctx: SourceReaderContext): FraudTransactionReader {
    return new FraudTransactionReader(this.options, ctx);
  }
}
