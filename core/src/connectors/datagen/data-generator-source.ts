import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.ts';
import { SluiceError } from '../../errors.ts';
import { SeededRandom } from './seeded-random.ts';

/**
 * Record indexes `next, next + stride, …` below `end` (Infinity when unbounded). With one split per
 * subtask and `stride` = parallelism, subtasks advance through the index space (and event time) in step.
 */
export interface GeneratorSplit extends SourceSplit {
  readonly next: number;
  readonly end: number;
  readonly stride: number;
}

/** Options of {@link DataGeneratorSource}. */
export interface DataGeneratorOptions<T> {
  /** Builds record number `index`; `random` is seeded by (seed, index), so output is deterministic. */
  readonly generate: (index: number, random: SeededRandom) => T;
  /** Number of records; omit for an unbounded source. */
  readonly count?: number;
  /** Total records per second over all subtasks (processing time from the injected clock); omit for no limit. */
  readonly recordsPerSecond?: number;
  readonly seed?: number;
  /** Records per poll (default 1024). */
  readonly batchSize?: number;
}

class GeneratorReader<T> implements SourceReader<T, GeneratorSplit> {
  private readonly options: DataGeneratorOptions<T>;
  private readonly ctx: SourceReaderContext;
  private readonly random = new SeededRandom();
  private readonly splits: { id: string; next: number; end: number; stride: number }[] = [];
  private noMoreSplits = false;
  private readonly ratePerMs: number;
  private startedAt = 0;
  private emitted = 0;
  private readonly batch: number;

  constructor(options: DataGeneratorOptions<T>, ctx: SourceReaderContext) {
    this.options = options;
    this.ctx = ctx;
    this.ratePerMs = options.recordsPerSecond === undefined ? 0 : options.recordsPerSecond / 1000 / ctx.parallelism;
    this.batch = options.batchSize ?? 1024;
  }

  start(): void {
    this.startedAt = this.ctx.now();
  }

  addSplits(splits: readonly GeneratorSplit[]): void {
    for (const s of splits) this.splits.push({ id: s.splitId, next: s.next, end: s.end, stride: s.stride });
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    const split = this.splits[0];
    if (split === undefined) return this.noMoreSplits ? 'end-of-input' : 'nothing-available';
    let budget = this.batch;
    if (this.ratePerMs > 0) {
      const allowed = Math.floor((this.ctx.now() - this.startedAt) * this.ratePerMs) - this.emitted;
      budget = Math.min(budget, allowed);
      if (budget <= 0) return 'nothing-available';
    }
    const { generate, seed = 0 } = this.options;
    const out = output.forSplit(split.id);
    const stride = split.stride;
    let i = split.next;
    for (let n = 0; n < budget && i < split.end; n++, i += stride) {
      this.random.reset(seed, i);
      out.collect(generate(i, this.random));
      this.emitted++;
    }
    split.next = i;
    if (split.next >= split.end) {
      this.splits.shift();
      output.releaseSplit(split.id);
      if (this.splits.length === 0 && this.noMoreSplits) return 'end-of-input';
    }
    return this.ratePerMs > 0 ? 'nothing-available' : 'more-available';
  }

  isAvailable(): Promise<void> {
    if (this.ratePerMs <= 0) return new Promise(() => {});
    const due = this.startedAt + (this.emitted + 1) / this.ratePerMs;
    return this.ctx.sleepUntil(Math.ceil(due));
  }

  snapshotState(): GeneratorSplit[] {
    return this.splits.map((s) => ({ splitId: s.id, next: s.next, end: s.end, stride: s.stride }));
  }

  close(): void {}
}

class GeneratorEnumerator implements SplitEnumerator<GeneratorSplit, GeneratorSplit[]> {
  private readonly ctx: SplitEnumeratorContext<GeneratorSplit>;
  private readonly unassigned: GeneratorSplit[];
  constructor(ctx: SplitEnumeratorContext<GeneratorSplit>, splits: GeneratorSplit[]) {
    this.ctx = ctx;
    this.unassigned = splits;
  }
  start(): void {}
  addReader(subtask: number): void {
    const mine = this.unassigned.filter((s) => Number(s.splitId.split('-')[1]) % this.ctx.parallelism === subtask);
    if (mine.length > 0) this.ctx.assignSplits(subtask, mine);
    for (const s of mine) this.unassigned.splice(this.unassigned.indexOf(s), 1);
    this.ctx.signalNoMoreSplits(subtask);
  }
  addSplitsBack(splits: readonly GeneratorSplit[]): void {
    this.unassigned.push(...splits);
  }
  snapshotState(): GeneratorSplit[] {
    return [...this.unassigned];
  }
  close(): void {}
}

/**
 * A seeded, optionally rate-limited generator: record `i` is `generate(i, random)`. Bounded with
 * `count`, unbounded without. One split per subtask, interleaved (subtask s makes s, s+p, …).
 *
 * @example
 * ```ts
 * const source = new DataGeneratorSource({
 *   count: 1_000_000,
 *   seed: 42,
 *   recordsPerSecond: 10_000,
 *   generate: (i, random) => ({ id: i, amount: Math.round(random.next() * 10_000) / 100 }),
 * });
 * env.fromSource(source, WatermarkStrategy.noWatermarks(), 'transactions');
 * ```
 */
export class DataGeneratorSource<T> implements Source<T, GeneratorSplit, GeneratorSplit[]> {
  readonly boundedness: 'bounded' | 'unbounded';
  private readonly options: DataGeneratorOptions<T>;

  constructor(options: DataGeneratorOptions<T>) {
    if (options.count !== undefined && !(Number.isInteger(options.count) && options.count >= 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `count must be a whole number >= 0; got ${options.count}`);
    }
    if (options.recordsPerSecond !== undefined && !(options.recordsPerSecond > 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `recordsPerSecond must be > 0; got ${options.recordsPerSecond}`);
    }
    this.options = options;
    this.boundedness = options.count === undefined ? 'unbounded' : 'bounded';
  }

  createEnumerator(ctx: SplitEnumeratorContext<GeneratorSplit>): GeneratorEnumerator {
    const n = ctx.parallelism;
    const count = this.options.count;
    const splits: GeneratorSplit[] = [];
    const end = count ?? Number.POSITIVE_INFINITY;
    for (let s = 0; s < n && s < end; s++) splits.push({ splitId: `gen-${s}`, next: s, end, stride: n });
    return new GeneratorEnumerator(ctx, splits);
  }

  restoreEnumerator(ctx: SplitEnumeratorContext<GeneratorSplit>, state: GeneratorSplit[]): GeneratorEnumerator {
    return new GeneratorEnumerator(ctx, [...state]);
  }

  createReader(ctx: SourceReaderContext): GeneratorReader<T> {
    return new GeneratorReader<T>(this.options, ctx);
  }
}
