import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '@sluice/core';
import type { LatencyRecorder } from '../measure.ts';

interface Slice extends SourceSplit {
  readonly from: number;
  readonly to: number;
}

/**
 * A bounded source over a pre-built array (records exist before the clock starts), split into one
 * contiguous slice per subtask. It measures batch latency: the time from a poll's start until the
 * synchronous chain has pushed the whole batch through.
 */
export class ArraySource<T> implements Source<T, Slice, null> {
  readonly boundedness = 'bounded' as const;
  private readonly records: readonly T[];
  private readonly latency: LatencyRecorder;
  private readonly batch: number;

  constructor(records: readonly T[], latency: LatencyRecorder, batch = 1024) {
    this.records = records;
    this.latency = latency;
    this.batch = batch;
  }

  createEnumerator(ctx: SplitEnumeratorContext<Slice>): SplitEnumerator<Slice, null> {
    const n = ctx.parallelism;
    const total = this.records.length;
    return {
      start() {},
      addReader(subtask) {
        ctx.assignSplits(subtask, [
          {
            splitId: `slice-${subtask}`,
            from: Math.floor((subtask * total) / n),
            to: Math.floor(((subtask + 1) * total) / n),
          },
        ]);
        ctx.signalNoMoreSplits(subtask);
      },
      addSplitsBack() {},
      snapshotState: () => null,
      close() {},
    };
  }

  restoreEnumerator(ctx: SplitEnumeratorContext<Slice>): SplitEnumerator<Slice, null> {
    return this.createEnumerator(ctx);
  }

  createReader(): SourceReader<T, Slice> {
    const { records, latency, batch } = this;
    let position = 0;
    let end = -1;
    return {
      start() {},
      addSplits(splits) {
        for (const s of splits) {
          position = s.from;
          end = s.to;
        }
      },
      notifyNoMoreSplits() {},
      pollNext(output: ReaderOutput<T>): InputStatus {
        if (position >= end) return 'end-of-input';
        const started = performance.now();
        const stop = Math.min(end, position + batch);
        for (let i = position; i < stop; i++) output.collect(records[i] as T);
        position = stop;
        latency.record(performance.now() - started);
        return position < end ? 'more-available' : 'end-of-input';
      },
      isAvailable: () => new Promise<void>(() => {}),
      snapshotState: () => [],
      close() {},
    };
  }
}
