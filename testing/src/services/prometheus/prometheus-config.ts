/**
 * What {@link prometheusConfig} writes.
 *
 * @example
 * ```ts
 * const options: PrometheusConfigOptions = { jobName: 'sluice', targets: ['127.0.0.1:8080'], scrapeIntervalMs: 1_000 };
 * ```
 */
export interface PrometheusConfigOptions {
  /** The scrape job's name (Prometheus's `job` label). */
  readonly jobName: string;
  /** `host:port` of each target. */
  readonly targets: readonly string[];
  readonly scrapeIntervalMs: number;
  /** Default `/metrics`. */
  readonly metricsPath?: string;
}

const yamlString = (s: string): string => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

/**
 * A `prometheus.yml` that scrapes `targets` every `scrapeIntervalMs` (the scrape timeout is the
 * interval, capped at 10 s).
 *
 * @example
 * ```ts
 * writeFileSync(file, prometheusConfig({ jobName: 'sluice', targets: ['127.0.0.1:8080'], scrapeIntervalMs: 1_000 }));
 * ```
 */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const interval = `${Math.max(1, Math.round(options.scrapeIntervalMs))}ms`;
  const timeout = `${Math.max(1, Math.min(10_000, Math.round(options.scrapeIntervalMs)))}ms`;
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${timeout}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    `  - job_name: ${yamlString(options.jobName)}`,
    `    metrics_path: ${yamlString(options.metricsPath ?? '/metrics')}`,
    '    static_configs:',
    `      - targets: [${options.targets.map(yamlString).join(', ')}]`,
    '',
  ].join('\n');
}
