import { SluiceError } from '../errors.ts';

/**
 * Metrics that connectors and user code register on their operator subtask (Flink's metric
 * groups, reduced to what a scrape needs). Values are plain numbers read at scrape time; the core
 * never imports a metrics library, the service exports them (Prometheus in services/job-service).
 */

/** Extra labels of a metric, e.g. `{ topic: 'payments', partition: '3' }`. */
export type MetricLabels = Readonly<Record<string, string>>;

/**
 * A monotonically increasing count (records, bytes, aborted transactions...).
 *
 * @example
 * ```ts
 * const bytesIn = ctx.metrics.counter('kafka_source_bytes_in_total', { topic: 'payments' });
 * bytesIn.inc(record.value?.length ?? 0);
 * ```
 */
export interface MetricCounter {
  /** Adds `n` (default 1; must not be negative). */
  inc(n?: number): void;
  readonly value: number;
}

/**
 * The metrics of one operator subtask. Names follow Prometheus conventions (snake case, base
 * units, `_total` for counters); the exporter prefixes `sluice_` and adds the job, operator uid
 * and subtask as labels. Registering the same name and labels twice returns the same counter.
 *
 * @example
 * ```ts
 * const records = metrics.counter('kafka_source_records_in_total', { topic, partition: String(p) });
 * metrics.gauge('kafka_source_lag_records', { topic, partition: String(p) }, () => end - position);
 * records.inc();
 * ```
 */
export interface MetricGroup {
  counter(name: string, labels?: MetricLabels): MetricCounter;
  /** A value read when metrics are collected; `read` returning undefined leaves the sample out. */
  gauge(name: string, labels: MetricLabels, read: () => number | undefined): void;
}

/**
 * One value of a connector or user metric, as {@link JobClient.metrics} reports it.
 *
 * @example
 * ```ts
 * for (const s of client.metrics().operators.flatMap((op) => op.custom))
 *   console.log(s.name, s.subtask, s.labels, s.value);
 * ```
 */
export interface CustomMetricSample {
  readonly name: string;
  readonly kind: 'counter' | 'gauge';
  readonly subtask: number;
  readonly labels: MetricLabels;
  readonly value: number;
}

const METRIC_NAME = /^[a-z_][a-z0-9_]*$/;

/** The metric group of one operator subtask; the runtime reads it with {@link samples}. */
export class SubtaskMetricGroup implements MetricGroup {
  private readonly subtask: number;
  private readonly counters = new Map<string, { name: string; labels: MetricLabels; counter: MetricCounter }>();
  private readonly gauges = new Map<string, { name: string; labels: MetricLabels; read: () => number | undefined }>();

  constructor(subtask: number) {
    this.subtask = subtask;
  }

  counter(name: string, labels: MetricLabels = {}): MetricCounter {
    const key = metricKey(name, labels);
    const existing = this.counters.get(key);
    if (existing !== undefined) return existing.counter;
    let value = 0;
    const counter: MetricCounter = {
      inc(n = 1) {
        if (n > 0) value += n;
      },
      get value() {
        return value;
      },
    };
    this.counters.set(key, { name, labels, counter });
    return counter;
  }

  gauge(name: string, labels: MetricLabels, read: () => number | undefined): void {
    this.gauges.set(metricKey(name, labels), { name, labels, read });
  }

  /** Current values, counters first. A gauge whose read throws is left out. */
  samples(): CustomMetricSample[] {
    const out: CustomMetricSample[] = [];
    for (const { name, labels, counter } of this.counters.values()) {
      out.push({ name, kind: 'counter', subtask: this.subtask, labels, value: counter.value });
    }
    for (const { name, labels, read } of this.gauges.values()) {
      let value: number | undefined;
      try {
        value = read();
      } catch {
        value = undefined;
      }
      if (value !== undefined && Number.isFinite(value)) {
        out.push({ name, kind: 'gauge', subtask: this.subtask, labels, value });
      }
    }
    return out;
  }
}

function metricKey(name: string, labels: MetricLabels): string {
  if (!METRIC_NAME.test(name)) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `Metric name '${name}' must be snake case ([a-z_][a-z0-9_]*), e.g. 'records_in_total'.`,
    );
  }
  const keys = Object.keys(labels).sort();
  return `${name}{${keys.map((k) => `${k}=${labels[k]}`).join(',')}}`;
}
