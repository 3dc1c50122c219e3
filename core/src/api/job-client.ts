import type { CheckpointInfo } from '../checkpoint/checkpoint-store.ts';
import type { CustomMetricSample } from './metrics.ts';

/** Lifecycle of a job. */
export type JobStatus = 'CREATED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** What a finished job reports. */
export interface JobExecutionResult {
  readonly jobName: string;
  /** Wall-clock duration of the run in ms (measured outside operators). */
  readonly netRuntimeMs: number;
}

/** A plain description of the physical plan. */
export interface JobGraphDescription {
  readonly vertices: readonly { id: number; name: string; uid: string; parallelism: number; chain: number }[];
  readonly edges: readonly { from: number; to: number; partitioning: string; sideOutput?: string }[];
}

/**
 * Options of {@link JobClient.stopWithSavepoint}.
 *
 * @example
 * ```ts
 * await client.stopWithSavepoint({ drain: true }); // flush every window first (end of event time)
 * ```
 */
export interface StopWithSavepointOptions {
  /**
   * `true`: sources stop, the end-of-time watermark flushes windows and timers, then the savepoint
   * is taken (Flink's `--drain`). `false` (default): suspend, state kept as is to resume later.
   */
  readonly drain?: boolean;
}

/**
 * Engine metrics of one operator (summed over its subtasks in this process).
 *
 * @example
 * ```ts
 * for (const op of client.metrics().operators) console.log(op.uid, op.recordsOut, op.watermark);
 * ```
 */
export interface OperatorMetrics {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  /** Records that reached the operator (counted at its upstream outputs). */
  readonly recordsIn: number;
  /** Records the operator emitted on its main output. */
  readonly recordsOut: number;
  /** Records the operator emitted on side outputs (late data, dead letters, ...). */
  readonly recordsOutSide: number;
  /** Lowest current watermark over the operator's subtasks (ms); undefined before the first one. */
  readonly watermarkMs: number | undefined;
  /** Metrics the operator's connector or functions registered, per subtask (see {@link MetricGroup}). */
  readonly custom: readonly CustomMetricSample[];
}

/**
 * Checkpointing statistics of a running job.
 *
 * @example
 * ```ts
 * const c = client.metrics().checkpoints;
 * if (c.lastCompletedAt !== undefined && Date.now() - c.lastCompletedAt > 60_000) console.warn('stale');
 * ```
 */
export interface CheckpointMetrics {
  readonly enabled: boolean;
  readonly completed: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly lastCheckpointId: number | undefined;
  readonly lastDurationMs: number | undefined;
  readonly lastSizeBytes: number | undefined;
  /**
   * Bytes the last checkpoint wrote (below `lastSizeBytes` for incremental checkpoints, which
   * reference unchanged state of earlier ones).
   */
  readonly lastUploadedSizeBytes?: number | undefined;
  /** Epoch ms when the last checkpoint completed (system clock of the coordinator). */
  readonly lastCompletedAt: number | undefined;
  /** Id of the checkpoint or savepoint the job was restored from, if any. */
  readonly restoredFrom: number | undefined;
}

/**
 * A point-in-time view of a job's engine metrics: plain numbers, for the service to export
 * (the core never imports a metrics library).
 *
 * @example
 * ```ts
 * const m = client.metrics();
 * console.log(m.operators.length, m.checkpoints.completed);
 * ```
 */
export interface JobMetrics {
  readonly operators: readonly OperatorMetrics[];
  readonly checkpoints: CheckpointMetrics;
}

/**
 * Handle of a running job, from {@link StreamExecutionEnvironment.executeAsync}.
 *
 * @example
 * ```ts
 * const client = env.executeAsync('fraud-detection');
 * console.log(client.status()); // 'RUNNING'
 * const savepoint = await client.stopWithSavepoint();
 * console.log(savepoint.location); // resume later with env.setRestoreFrom(...)
 * ```
 */
export interface JobClient {
  readonly jobName: string;
  readonly graph: JobGraphDescription;
  status(): JobStatus;
  /** Settles when the job ends: resolves for a bounded job that finished, rejects on failure or cancel. */
  readonly result: Promise<JobExecutionResult>;
  /** Cancels the job and waits until it stopped. */
  cancel(): Promise<void>;
  /**
   * Completed checkpoints and savepoints of this job in its checkpoint storage, oldest first
   * (empty when checkpointing is not configured).
   */
  listCheckpoints(): Promise<readonly CheckpointInfo[]>;
  /**
   * Takes a savepoint (a checkpoint in the canonical format that retention never deletes) and
   * resolves once its `_metadata` is written. Fails with `CHECKPOINTING_DISABLED` when the job
   * has no checkpoint storage.
   */
  triggerSavepoint(): Promise<CheckpointInfo>;
  /**
   * Takes a checkpoint now, besides the periodic ones (as Flink's manual checkpoints), and
   * resolves once its `_metadata` is written. Incremental when the state backend is.
   * Fails with `CHECKPOINTING_DISABLED` when the job has no checkpoint storage.
   */
  triggerCheckpoint(): Promise<CheckpointInfo>;
  /** Takes a savepoint and stops the job (see {@link StopWithSavepointOptions}); resolves after it stopped. */
  stopWithSavepoint(options?: StopWithSavepointOptions): Promise<CheckpointInfo>;
  /** Engine metrics now. Cheap: counters are plain numbers kept by the runtime. */
  metrics(): JobMetrics;
}
