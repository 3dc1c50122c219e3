import { JobServiceError } from '../errors.ts';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Problems of a metric's name and labels by Prometheus conventions (empty when fine): a valid
 * name, the `sluice_` prefix, `_total` exactly on counters, valid label names without `__`.
 *
 * @example
 * ```ts
 * metricNameProblems('sluice_fraud_alerts', 'counter', ['rule']); // ['... counter names end in _total']
 * ```
 */
export function metricNameProblems(name: string, type: 'counter' | 'gauge', labelNames: readonly string[]): string[] {
  const problems: string[] = [];
  if (!METRIC_NAME.test(name)) problems.push(`${JSON.stringify(name)} is not a Prometheus metric name`);
  if (!name.startsWith('sluice_')) problems.push(`${name}: Sluice metric names start with sluice_`);
  if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: counter names end in _total`);
  if (type === 'gauge' && name.endsWith('_total')) problems.push(`${name}: only counters end in _total`);
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) {
      problems.push(`${name}: ${JSON.stringify(label)} is not a valid label name`);
    }
  }
  return problems;
}

/**
 * Throws {@link JobServiceError} `INVALID_CONFIG` if {@link metricNameProblems} finds any.
 *
 * @example
 * ```ts
 * assertMetricName('sluice_fraud_alerts_total', 'counter', ['rule']);
 * ```
 */
export function assertMetricName(name: string, type: 'counter' | 'gauge', labelNames: readonly string[]): void {
  const problems = metricNameProblems(name, type, labelNames);
  if (problems.length > 0) {
    throw new JobServiceError('INVALID_CONFIG', `Invalid job metric: ${problems.join('; ')}.`);
  }
}
