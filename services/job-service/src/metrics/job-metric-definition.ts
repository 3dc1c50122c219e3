import type { JobClient } from '@sluice/core';

/**
 * One sample of a job-specific metric: label values and a plain number.
 *
 * @example
 * ```ts
 * const sample: JobMetricSample = { labels: { rule: 'velocity' }, value: 12 };
 * ```
 */
export interface JobMetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A job-specific metric, collected at scrape time from the running job (the same way as the
 * engine metrics). Counters must be monotonic within a run and end in `_total`.
 *
 * @example
 * ```ts
 * const alertsByRule: JobMetricDefinition = {
 *   name: 'sluice_fraud_alerts_total',
 *   help: 'Alerts raised, by rule.',
 *   type: 'counter',
 *   labelNames: ['rule'],
 *   collect: (job) =>
 *     job.metrics().operators.filter((op) => op.uid.startsWith('rule-'))
 *       .map((op) => ({ labels: { rule: op.uid.slice(5) }, value: op.recordsOut })),
 * };
 * ```
 */
export interface JobMetricDefinition {
  /** Prometheus name: `sluice_<job>_<what>[_<unit>]`, `_total` for counters. */
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labelNames: readonly string[];
  /** Samples now; called on every scrape while the job is started. */
  collect(job: JobClient): Iterable<JobMetricSample>;
}
