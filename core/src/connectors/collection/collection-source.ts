import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.ts';

/** The single split of a {@link CollectionSource}: how far it has been read. */
export interface CollectionSplit extends SourceSplit {
  readonly position: number;
}

const BATCH = 1024;

class CollectionReader<T> implements SourceReader<T, CollectionSplit> {
  private readonly values: readonly T[];
  private position = -1;
  private noMoreSplits = false;

  constructor(values: readonly T[]) {
    this.values = values;
  }

  start(): void {}
  addSplits(splits: readonly CollectionSplit[]): void {
    for (const s of splits) this.position = s.position;
  }
  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.position < 0) return this.noMoreSplits ? 'end-of-input' : 'nothing-available';
    const end = Math.min(this.values.length, this.position + BATCH);
    const values = this.values;
    for (let i = this.position; i < end; i++) output.collect(values[i] as T);
    this.position = end;
    return end < values.length ? 'more-available' : 'end-of-input';
  }

  isAvailable(): Promise<void> {
    return new Promise(() => {}); // only ever waits before its split arrives, which happens synchronously at start
  }

  snapshotState(): CollectionSplit[] {
    return this.position < 0 ? [] : [{ splitId: 'collection', position: this.position }];
  }

  close(): void {}
}

class CollectionEnumerator implements SplitEnumerator<CollectionSplit, { assigned: boolean }> {
  private readonly ctx: SplitEnumeratorContext<CollectionSplit>;
  private assigned: boolean;
  constructor(ctx: SplitEnumeratorContext<CollectionSplit>, assigned: boolean) {
    this.ctx = ctx;
    this.assigned = assigned;
  }
  start(): void {}
  addReader(subtask: number): void {
    if (!this.assigned) {
      this.assigned = true;
      this.ctx.assignSplits(subtask, [{ splitId: 'collection', position: 0 }]);
    }
    this.ctx.signalNoMoreSplits(subtask);
  }
  addSplitsBack(splits: readonly CollectionSplit[], subtask: number): void {
    this.ctx.assignSplits(subtask, splits);
  }
  snapshotState(): { assigned: boolean } {
    return { assigned: this.assigned };
  }
  close(): void {}
}

/**
 * A bounded, non-parallel source over an in-memory array (what `env.fromElements` uses).
 *
 * @example
 * ```ts
 * env.fromSource(new CollectionSource(['a', 'b']), WatermarkStrategy.noWatermarks(), 'letters');
 * ```
 */
export class CollectionSource<T> implements Source<T, CollectionSplit, { assigned: boolean }> {
  readonly boundedness = 'bounded' as const;
  readonly maxParallelism = 1;
  private readonly values: readonly T[];

  constructor(values: readonly T[]) {
    this.values = values;
  }

  createEnumerator(ctx: SplitEnumeratorContext<CollectionSplit>): CollectionEnumerator {
    return new CollectionEnumerator(ctx, false);
  }
  restoreEnumerator(ctx: SplitEnumeratorContext<CollectionSplit>, state: { assigned: boolean }): CollectionEnumerator {
    return new CollectionEnumerator(ctx, state.assigned);
  }
  createReader(): CollectionReader<T> {
    return new CollectionReader<T>(this.values);
  }
}
