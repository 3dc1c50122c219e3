import type { MetricCounter, MetricGroup } from '../../../api/metrics.ts';

/** Metric names of {@link KafkaSink} (the exporter prefixes `sluice_`). */
export const KAFKA_SINK_METRICS = {
  /** Records acknowledged by Kafka (exactly-once: committed; a skipped re-commit does not count). */
  recordsOut: 'kafka_sink_records_out_total',
  /** Key, value and header bytes of those records. */
  bytesOut: 'kafka_sink_bytes_out_total',
  /** Duration of the last transaction commit (begin to commit), in seconds. */
  commitSeconds: 'kafka_sink_commit_seconds',
  /** Transactions committed. */
  commits: 'kafka_sink_commits_total',
  /**
   * Transactions this sink aborted after a failed commit. (Open transactions of crashed attempts
   * are aborted by the broker when recovery re-initialises their ids; the client cannot see those.)
   */
  abortedTransactions: 'kafka_sink_aborted_transactions_total',
  /** None / at-least-once: payload bytes written and not yet acknowledged. */
  bufferedBytes: 'kafka_sink_buffered_bytes',
  /** None / at-least-once: times the sink's buffer filled up and it paused its sources (backpressure). */
  backpressurePauses: 'kafka_sink_backpressure_pauses_total',
} as const;

/**
 * The counters and gauge of one Kafka sink subtask (writer and committer share them: the metric
 * group returns the same counter for the same name).
 *
 * @example
 * ```ts
 * const metrics = new KafkaSinkMetrics(ctx.metrics);
 * metrics.recordsOut.inc(batch.length);
 * ```
 */
export class KafkaSinkMetrics {
  readonly recordsOut: MetricCounter;
  readonly bytesOut: MetricCounter;
  readonly commits: MetricCounter;
  readonly abortedTransactions: MetricCounter;
  /** Seconds of the last commit; undefined until one ran. */
  lastCommitSeconds: number | undefined;

  /** `commitGauge`: register the commit-latency gauge (the committer does; the writer does not). */
  constructor(group: MetricGroup, commitGauge = false) {
    this.recordsOut = group.counter(KAFKA_SINK_METRICS.recordsOut);
    this.bytesOut = group.counter(KAFKA_SINK_METRICS.bytesOut);
    this.commits = group.counter(KAFKA_SINK_METRICS.commits);
    this.abortedTransactions = group.counter(KAFKA_SINK_METRICS.abortedTransactions);
    if (commitGauge) group.gauge(KAFKA_SINK_METRICS.commitSeconds, {}, () => this.lastCommitSeconds);
  }
}
