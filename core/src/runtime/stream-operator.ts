import type { SubtaskMetricGroup } from '../api/metrics.ts';
import type { Clock } from '../time/clock.ts';
import type { Timestamp } from '../time/timestamps.ts';
import type { BroadcastStateSnapshot } from '../state/broadcast-state.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import type { OperatorStateSnapshot } from '../state/operator-state.ts';
import type { InternalTimerService } from '../state/timer-service.ts';
import type { Mailbox } from './mailbox.ts';
import type { ProcessingTimeScheduler } from './processing-time-scheduler.ts';

/**
 * Where an operator emits. Inside a chain `collect` is a direct synchronous call into the next
 * operator (DESIGN.md §2): no Promise, no allocation beyond the record.
 */
export interface Output<T> {
  collect(value: T, timestamp: Timestamp): void;
  /** Emits to the side output named by an {@link OutputTag}'s id. */
  collectSide(tagId: string, value: unknown, timestamp: Timestamp): void;
  emitWatermark(watermark: Timestamp): void;
  /** Propagates idleness (all inputs idle) so downstream minimums ignore this path. */
  emitIdle(idle: boolean): void;
  /** No more records will come from this output. */
  endInput(): void;
}

/** What the runtime gives an operator instance. */
export interface OperatorContext {
  readonly uid: string;
  readonly name: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly clock: Clock;
  readonly runtimeMode: 'STREAMING' | 'BATCH';
  /** Present for operators on a keyed stream. */
  readonly keyedBackend: KeyedStateBackend | undefined;
  readonly processingTime: ProcessingTimeScheduler;
  /** Runs actions from async callbacks on the task loop (never re-entrantly). */
  readonly mailbox: Mailbox;
  /** Metrics of this subtask (connectors register theirs here). */
  readonly metrics: SubtaskMetricGroup;
}

/**
 * What an operator subtask puts in a checkpoint besides its keyed state and timers (which the
 * runtime snapshots from the keyed backend and {@link StreamOperator.restorableTimerServices}).
 */
export interface OperatorSnapshot {
  /** Operator list state: on restore the items of all old subtasks are dealt round-robin. */
  readonly listState?: OperatorStateSnapshot;
  /** Union list state: on restore every subtask gets the items of all old subtasks. */
  readonly unionState?: OperatorStateSnapshot;
  /** Broadcast state (the same on every subtask): new subtask i takes old subtask i % old's copy. */
  readonly broadcastState?: BroadcastStateSnapshot;
}

/** The operator state one subtask gets back on restore (already redistributed for its index). */
export interface RestoredOperatorState {
  readonly checkpointId: number;
  readonly listState: OperatorStateSnapshot;
  readonly unionState: OperatorStateSnapshot;
  readonly broadcastState: BroadcastStateSnapshot;
}

/** A timer service with the inverse of its namespace-id function, so its timers can be restored. */
export interface RestorableTimerService {
  readonly name: string;
  readonly service: InternalTimerService<unknown>;
  readonly namespaceFromId: (id: string) => unknown;
}

/**
 * The runtime contract of an operator: one required method per input, hooks with defaults
 * provided by {@link AbstractStreamOperator}.
 *
 * Checkpoint hooks (all optional): `initializeState` runs after `setup` and before `open` when the
 * job restores; `snapshotState` runs when the checkpoint barrier passes the operator (after every
 * record before it, before any after it) and must not keep references the operator mutates later;
 * `notifyCheckpointComplete` runs once the checkpoint is durable (commit side effects there).
 */
export interface StreamOperator<OUT> {
  setup(ctx: OperatorContext, output: Output<OUT>): void;
  initializeState?(restored: RestoredOperatorState): void;
  open(): void;
  snapshotState?(checkpointId: number): OperatorSnapshot;
  /**
   * Asynchronous work the checkpoint must wait for, started right after `snapshotState` (e.g. an
   * at-least-once sink awaiting the acks of everything it wrote before the barrier). The subtask
   * acknowledges the checkpoint only once the promise resolves; records keep flowing meanwhile; a
   * rejection fails the job. Return undefined when there is nothing to wait for.
   */
  awaitBeforeAcknowledge?(checkpointId: number): Promise<void> | undefined;
  /** Timer services to snapshot and restore with the keyed state (created in `open`). */
  restorableTimerServices?(): readonly RestorableTimerService[];
  /** Called after keyed state and timers were restored (after `open`), e.g. to rehydrate objects. */
  afterKeyedRestore?(): void;
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void;
  /** Called with the combined watermark of all inputs; must forward it (after firing timers). */
  processWatermark(watermark: Timestamp): void;
  processIdle(idle: boolean): void;
  /**
   * End of all inputs: emit buffered results. The runtime calls `output.endInput()` afterwards —
   * when the returned promise settles, if it returns one (e.g. async I/O waiting for replies).
   */
  finish(): void | Promise<void>;
  close(): void;
}

/** An operator with one input. */
export interface OneInputStreamOperator<IN, OUT> extends StreamOperator<OUT> {
  processElement(value: IN, timestamp: Timestamp): void;
}

/** An operator with two inputs (connect, joins, broadcast). */
export interface TwoInputStreamOperator<IN1, IN2, OUT> extends StreamOperator<OUT> {
  processElement1(value: IN1, timestamp: Timestamp): void;
  processElement2(value: IN2, timestamp: Timestamp): void;
}

/** Defaults for the hooks: forward watermarks and idleness, nothing to open, finish or close. */
export abstract class AbstractStreamOperator<OUT> implements StreamOperator<OUT> {
  protected ctx!: OperatorContext;
  protected out!: Output<OUT>;
  /** The last watermark this operator received. */
  protected watermark: Timestamp = Number.MIN_SAFE_INTEGER;

  setup(ctx: OperatorContext, output: Output<OUT>): void {
    this.ctx = ctx;
    this.out = output;
  }

  open(): void {}

  processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    this.out.emitWatermark(watermark);
  }

  processIdle(idle: boolean): void {
    this.out.emitIdle(idle);
  }

  finish(): void | Promise<void> {}

  close(): void {}
}
