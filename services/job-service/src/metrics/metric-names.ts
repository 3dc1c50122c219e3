/**
 * Names of the metrics a job service exports, by Prometheus conventions: `sluice_` prefix, base
 * units (seconds, bytes) in the name, `_total` on counters, `_timestamp_seconds` on points in time.
 * Dashboards and alerts rely on these: change them only on purpose.
 *
 * @example
 * ```ts
 * const query = `rate(${METRIC_NAMES.operatorRecordsOut}[1m])`;
 * ```
 */
export const METRIC_NAMES = {
  /** 1 for the job's current status, 0 for the others (a state set), label `status`. */
  jobStatus: 'sluice_job_status',
  /** Seconds since the service started the job. */
  jobUptime: 'sluice_job_uptime_seconds',
  /** Records that reached an operator (counted at its upstream outputs). */
  operatorRecordsIn: 'sluice_operator_records_in_total',
  /** Records an operator emitted on its main output. */
  operatorRecordsOut: 'sluice_operator_records_out_total',
  /** Records an operator emitted on side outputs (late data, dead letters). */
  operatorRecordsOutSide: 'sluice_operator_records_out_side_total',
  /** Subtasks of an operator. */
  operatorParallelism: 'sluice_operator_parallelism',
  /** Lowest current watermark over an operator's subtasks, as a Unix time in seconds. */
  operatorWatermark: 'sluice_operator_watermark_timestamp_seconds',
  /** Wall clock minus the operator's watermark, in seconds (how far event time trails). */
  operatorEventTimeLag: 'sluice_operator_event_time_lag_seconds',
  /** 1 when the job has checkpoint storage. */
  checkpointsEnabled: 'sluice_checkpoints_enabled',
  /** Checkpoints (and savepoints) completed. */
  checkpointsCompleted: 'sluice_checkpoints_completed_total',
  /** Checkpoints that failed or were aborted. */
  checkpointsFailed: 'sluice_checkpoints_failed_total',
  /** Checkpoints in flight now. */
  checkpointsInProgress: 'sluice_checkpoints_in_progress',
  /** Id of the last completed checkpoint. */
  checkpointLastId: 'sluice_checkpoint_last_id',
  /** Duration of the last completed checkpoint, trigger to `_metadata`, in seconds. */
  checkpointLastDuration: 'sluice_checkpoint_last_duration_seconds',
  /** Size of the last completed checkpoint in bytes. */
  checkpointLastSize: 'sluice_checkpoint_last_size_bytes',
  /** When the last checkpoint completed, as a Unix time in seconds. */
  checkpointLastCompleted: 'sluice_checkpoint_last_completed_timestamp_seconds',
  /** Id of the checkpoint or savepoint the job was restored from (absent when it started fresh). */
  checkpointRestoredFrom: 'sluice_checkpoint_restored_from_id',
  /** Control commands received (HTTP or Kafka), by `command`, `transport` and `outcome`. */
  controlCommands: 'sluice_control_commands_total',
  /** Job-specific events received on the Kafka transport, by `topic` and `outcome`. */
  controlEvents: 'sluice_control_events_total',
} as const;

/**
 * Label names of the metrics in {@link METRIC_NAMES}. `job_name`, not `job`: Prometheus sets `job`
 * from the scrape configuration.
 *
 * @example
 * ```ts
 * const selector = `{${METRIC_LABELS.operator}="rule-velocity"}`;
 * ```
 */
export const METRIC_LABELS = {
  /** The Sluice job's name. */
  jobName: 'job_name',
  /** An operator's stable uid (it keys state, so it is stable across versions). */
  operator: 'operator',
  /** An operator's display name. */
  operatorName: 'operator_name',
  /** A job status (`RUNNING`, `FINISHED`, ...). */
  status: 'status',
  /** `savepoint` or `stop`. */
  command: 'command',
  /** `http` or `kafka`. */
  transport: 'transport',
  /** `ok`, `rejected` (invalid or refused, e.g. checkpointing disabled) or `failed`. */
  outcome: 'outcome',
  /** Kafka topic. */
  topic: 'topic',
  /** An operator subtask's index (connector and user metrics). */
  subtask: 'subtask',
} as const;
