import {
  type Committer,
  isTwoPhaseCommitSink,
  type PrecommittingSinkWriter,
  type Sink,
  type SinkWriter,
} from '../../api/sink.ts';
import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import {
  AbstractStreamOperator,
  type OneInputStreamOperator,
  type OperatorSnapshot,
  type RestoredOperatorState,
} from '../stream-operator.ts';

/** Operator list-state name of committables that are pre-committed but not known to be committed. */
const COMMITTABLES_STATE = '__sluice.committables';

interface PendingCommit {
  readonly checkpointId: number;
  readonly committable: unknown;
}

/**
 * Runs a sink's writer. For a {@link TwoPhaseCommitSink} it is the two-phase-commit driver:
 * pre-commit at the barrier (committables into the checkpoint), commit on checkpoint completion,
 * commit the restored committables on recovery, and commit the last epoch at end of input.
 */
export class SinkOperator<T> extends AbstractStreamOperator<never> implements OneInputStreamOperator<T, never> {
  readonly sink: Sink<T>;
  writer!: SinkWriter<T>;
  private committer: Committer<unknown> | undefined;
  private pending: PendingCommit[] = [];
  private recovered: PendingCommit[] = [];
  private restoredCheckpointId: number | undefined;
  /** Commits run one after the other, in checkpoint order. */
  private commits: Promise<void> = Promise.resolve();

  constructor(sink: Sink<T>) {
    super();
    this.sink = sink;
  }

  initializeState(restored: RestoredOperatorState): void {
    this.restoredCheckpointId = restored.checkpointId;
    this.recovered = (restored.listState[COMMITTABLES_STATE] ?? []) as PendingCommit[];
  }

  override open(): void {
    const ctx = {
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorUid: this.ctx.uid,
      ...(this.restoredCheckpointId === undefined ? {} : { restoredCheckpointId: this.restoredCheckpointId }),
    };
    this.writer = this.sink.createWriter(ctx);
    if (isTwoPhaseCommitSink(this.sink)) {
      const committer = this.sink.createCommitter(ctx);
      this.committer = committer;
      const recovered = this.recovered.map((p) => p.committable);
      this.recovered = [];
      // Recovery: clean up after a crashed attempt, then commit what the restored checkpoint holds.
      this.enqueue(async () => {
        await committer.recover?.();
        if (recovered.length > 0) await committer.commit(recovered);
      });
    }
  }

  processElement(value: T, timestamp: Timestamp): void {
    try {
      this.writer.write(value, timestamp);
    } catch (e) {
      throw new SluiceError('SINK_FAILED', `Sink '${this.ctx.name}' failed to write: ${String(e)}`, { cause: e });
    }
  }

  snapshotState(checkpointId: number): OperatorSnapshot {
    if (this.committer === undefined) return {};
    const committables = (this.writer as PrecommittingSinkWriter<T, unknown>).prepareCommit(checkpointId);
    for (const committable of committables) this.pending.push({ checkpointId, committable });
    return { listState: { [COMMITTABLES_STATE]: [...this.pending] } };
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> | undefined {
    if (this.committer === undefined) return undefined;
    const ready = this.pending.filter((p) => p.checkpointId <= checkpointId).map((p) => p.committable);
    this.pending = this.pending.filter((p) => p.checkpointId > checkpointId);
    if (ready.length === 0) return this.commits; // still lets a stop wait for a running recovery commit
    const committer = this.committer;
    return this.enqueue(() => committer.commit(ready));
  }

  private enqueue(commit: () => Promise<void>): Promise<void> {
    const next = this.commits.then(commit).catch((e: unknown) => {
      throw new SluiceError('SINK_FAILED', `Sink '${this.ctx.name}' failed to commit: ${String(e)}`, { cause: e });
    });
    this.commits = next;
    return next;
  }

  async flushAndClose(): Promise<void> {
    await this.writer.flush(true);
    const committer = this.committer;
    if (committer !== undefined) {
      // End of input: the job finishes without another checkpoint, so the last epoch (and anything
      // pending) is committed now. Epoch names are deterministic, so a replay re-commits the same.
      const last = (this.writer as PrecommittingSinkWriter<T, unknown>).prepareCommit(Number.MAX_SAFE_INTEGER);
      const all = [...this.pending.map((p) => p.committable), ...last];
      this.pending = [];
      if (all.length > 0) this.enqueue(() => committer.commit(all));
      await this.commits;
      await committer.close?.();
    }
    await this.writer.close();
  }
}
