/**
 * Metric names of {@link KafkaSource} readers (registered on the reader subtask's metric group;
 * the exporter adds the `sluice_` prefix and job, operator and subtask labels). Per-partition
 * metrics carry `topic` and `partition` labels.
 *
 * @example
 * ```ts
 * const lag = client.metrics().operators.flatMap((o) => o.custom).filter((s) => s.name === KAFKA_SOURCE_METRICS.lag);
 * ```
 */
export const KAFKA_SOURCE_METRICS = {
  /** Counter per partition: records read (emitted or dead-lettered). */
  recordsIn: 'kafka_source_records_in_total',
  /** Counter per partition: key + value bytes fetched. */
  bytesIn: 'kafka_source_bytes_in_total',
  /** Gauge per partition: end offset (last stable offset, refreshed every `lagRefreshIntervalMs`) minus position. */
  lag: 'kafka_source_lag_records',
  /** Counter per partition: bad records written to the dead-letter topic. */
  deadLetters: 'kafka_source_dead_letters_total',
  /** Counter per partition: positions found out of range and moved by `offsetReset` (each one is logged). */
  offsetResets: 'kafka_source_offset_resets_total',
  /** Gauge: seconds the last successful offset commit took. */
  commitSeconds: 'kafka_source_offset_commit_seconds',
  /** Counter: offset commits that failed (logged; they never fail the job). */
  commitFailures: 'kafka_source_offset_commit_failures_total',
} as const;
