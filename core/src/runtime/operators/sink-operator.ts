import {
  type Committer,
  isTwoPhaseCommitSink,
  type PrecommittingSinkWriter,
  type Sink,
  type SinkWriter,
} from '../../api/sink.ts';
import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { BackpressureSignal } from '../backpressure.ts';
import {
  AbstractStreamOperator,
  type OneInputStreamOperator,
  type OperatorSnapshot,
  type RestoredOperatorState,
} from '../stream-operator.ts';

/**
 * Union-state name of committables that are pre-committed but not known to be committed. Union
 * state (every new subtask sees all items) lets a restore give each writer's committables to one
 * owner: the subtask `writer % parallelism` (see {@link ownedCommittables}).
 */
const COMMITTABLES_STATE = '__sluice.committables.by-writer';
/** Where checkpoints of earlier versions kept committables (operator list state, dealt round-robin). */
const LEGACY_COMMITTABLES_STATE = '__sluice.committables';
/** Union-state name of the highest parallelism the sink ran at in this restore lineage. */
const PARALLELISM_STATE = '__sluice.sink-parallelism';
/**
 * Committables of completed checkpoints still waiting for their commit beyond which the sink
 * stops taking input: when commits are slower than checkpoints, every checkpoint would otherwise
 * carry a growing backlog of uncommitted epochs (and hold more memory).
 */
const MAX_UNCOMMITTED_CHECKPOINTS = 2;

/** A committable with the checkpoint that pre-committed it and the writer subtask that made it. */
export interface PendingCommit {
  readonly checkpointId: number;
  /** The writer subtask that returned it (absent in checkpoints of earlier versions). */
  readonly writer?: number;
  readonly committable: unknown;
}

/**
 * The committables a restored subtask commits: those of the writers it owns (writer
 * `w` belongs to subtask `w % parallelism`), in checkpoint order. Writer-less (legacy) items came
 * through list state, already dealt to this subtask.
 *
 * @example
 * ```ts
 * ownedCommittables([{ checkpointId: 4, writer: 3, committable: 'x' }], [], 1, 2); // [{ ..., writer: 3 }]
 * ```
 */
export function ownedCommittables(
  union: readonly PendingCommit[],
  legacy: readonly PendingCommit[],
  subtask: number,
  parallelism: number,
): PendingCommit[] {
  const owned = union.filter((p) => (p.writer ?? 0) % parallelism === subtask);
  return [...legacy, ...owned].sort((a, b) => a.checkpointId - b.checkpointId);
}

/**
 * Runs a sink's writer. For a {@link TwoPhaseCommitSink} it is the two-phase-commit driver:
 * pre-commit at the barrier (committables into the checkpoint), commit on checkpoint completion,
 * commit the restored committables on recovery, and commit the last epoch at end of input.
 * Committables stay in every checkpoint until their commit succeeded, so a crash while a commit
 * runs (even after a later checkpoint completed) leaves them to the recovery's commit.
 */
export class SinkOperator<T>
  extends AbstractStreamOperator<never>
  implements OneInputStreamOperator<T, never>, BackpressureSignal
{
  readonly sink: Sink<T>;
  writer!: SinkWriter<T>;
  private committer: Committer<unknown> | undefined;
  /** Pre-committed, waiting for their checkpoint to complete. */
  private pending: PendingCommit[] = [];
  /** Handed to the committer, not yet committed. */
  private committing: PendingCommit[] = [];
  private recovered: PendingCommit[] = [];
  private restoredCheckpointId: number | undefined;
  private restoredParallelism: number | undefined;
  /** Commits run one after the other, in checkpoint order. */
  private commits: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(sink: Sink<T>) {
    super();
    this.sink = sink;
  }

  initializeState(restored: RestoredOperatorState): void {
    this.restoredCheckpointId = restored.checkpointId;
    const union = (restored.unionState[COMMITTABLES_STATE] ?? []) as PendingCommit[];
    const legacy = (restored.listState[LEGACY_COMMITTABLES_STATE] ?? []) as PendingCommit[];
    this.recovered = ownedCommittables(union, legacy, this.ctx.subtaskIndex, this.ctx.parallelism);
    const parallelisms = (restored.unionState[PARALLELISM_STATE] ?? []) as number[];
    if (parallelisms.length > 0) this.restoredParallelism = Math.max(...parallelisms);
  }

  override open(): void {
    const ctx = {
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorUid: this.ctx.uid,
      metrics: this.ctx.metrics,
      wakeUp: () => this.wakeUp(),
      ...(this.restoredCheckpointId === undefined ? {} : { restoredCheckpointId: this.restoredCheckpointId }),
      ...(this.restoredParallelism === undefined ? {} : { restoredParallelism: this.restoredParallelism }),
    };
    this.writer = this.sink.createWriter(ctx);
    if (isTwoPhaseCommitSink(this.sink)) {
      const committer = this.sink.createCommitter(ctx);
      this.committer = committer;
      const recovered = this.recovered;
      this.recovered = [];
      // Recovery: clean up after a crashed attempt, then commit what the restored checkpoint holds.
      this.committing.push(...recovered);
      this.enqueue(async () => {
        await committer.recover?.();
        if (recovered.length > 0) await committer.commit(recovered.map((p) => p.committable));
        this.committed(recovered);
      });
    }
  }

  /**
   * True while the writer reports backpressure, or while more than
   * {@link MAX_UNCOMMITTED_CHECKPOINTS} completed checkpoints wait for their commit.
   */
  isBackpressured(): boolean {
    return this.uncommittedCheckpoints() > MAX_UNCOMMITTED_CHECKPOINTS || this.writer?.isBackpressured?.() === true;
  }

  /** Distinct checkpoints among `committing` (asked on every loop turn: no allocation; the list is a few epochs). */
  private uncommittedCheckpoints(): number {
    const c = this.committing;
    let distinct = 0;
    for (let i = 0; i < c.length; i++) {
      let seen = false;
      for (let j = 0; j < i && !seen; j++) seen = c[j]?.checkpointId === c[i]?.checkpointId;
      if (!seen) distinct++;
    }
    return distinct;
  }

  /** Mail to the task loop: it looks at the sources (and held credits) again. */
  private wakeUp(): void {
    this.ctx.mailbox.submit(() => {});
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
    const writer = this.ctx.subtaskIndex;
    for (const committable of committables) this.pending.push({ checkpointId, writer, committable });
    return {
      unionState: {
        [COMMITTABLES_STATE]: [...this.committing, ...this.pending],
        [PARALLELISM_STATE]: [Math.max(this.ctx.parallelism, this.restoredParallelism ?? 0)],
      },
    };
  }

  awaitBeforeAcknowledge(checkpointId: number): Promise<void> | undefined {
    return this.writer.flushAtBarrier?.(checkpointId);
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> | undefined {
    if (this.committer === undefined) return undefined;
    const ready = this.pending.filter((p) => p.checkpointId <= checkpointId);
    this.pending = this.pending.filter((p) => p.checkpointId > checkpointId);
    if (ready.length === 0) return this.commits; // still lets a stop wait for a running recovery commit
    return this.commit(this.committer, ready);
  }

  private commit(committer: Committer<unknown>, ready: PendingCommit[]): Promise<void> {
    this.committing.push(...ready);
    return this.enqueue(async () => {
      await committer.commit(ready.map((p) => p.committable));
      this.committed(ready);
    });
  }

  /** Committed: later checkpoints no longer carry them. */
  private committed(done: readonly PendingCommit[]): void {
    if (done.length === 0) return;
    const set = new Set(done);
    const wasBackpressured = this.uncommittedCheckpoints() > MAX_UNCOMMITTED_CHECKPOINTS;
    this.committing = this.committing.filter((p) => !set.has(p));
    if (wasBackpressured) this.wakeUp();
  }

  private enqueue(commit: () => Promise<void>): Promise<void> {
    const next = this.commits.then(commit).catch((e: unknown) => {
      throw new SluiceError('SINK_FAILED', `Sink '${this.ctx.name}' failed to commit: ${String(e)}`, { cause: e });
    });
    this.commits = next;
    return next;
  }

  /**
   * After a failure (when {@link flushAndClose} did not run): releases the writer's and
   * committer's resources (connections, files), best effort. Nothing is flushed or committed.
   */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    const release = [() => this.writer?.close(), () => this.committer?.close?.()];
    for (const step of release) {
      try {
        const done = step();
        if (done instanceof Promise) done.catch(() => undefined);
      } catch {
        // best effort: the job's first error is what it reports
      }
    }
  }

  async flushAndClose(): Promise<void> {
    await this.writer.flush(true);
    const committer = this.committer;
    if (committer !== undefined) {
      // End of input: the job finishes without another checkpoint, so the last epoch (and anything
      // pending) is committed now. Epoch names are deterministic, so a replay re-commits the same.
      const checkpointId = Number.MAX_SAFE_INTEGER;
      const last = (this.writer as PrecommittingSinkWriter<T, unknown>).prepareCommit(checkpointId);
      const writer = this.ctx.subtaskIndex;
      const all = [...this.pending, ...last.map((committable) => ({ checkpointId, writer, committable }))];
      this.pending = [];
      if (all.length > 0) void this.commit(committer, all).catch(() => undefined); // awaited below
      await this.commits;
      await committer.close?.();
    }
    await this.writer.close();
    this.closed = true;
  }
}
