/**
 * One series of an instant query's result.
 *
 * @example
 * ```ts
 * const series: PrometheusSeries = { metric: { __name__: 'up', job: 'sluice' }, value: 1, timestampSeconds: 1_700_000_000 };
 * ```
 */
export interface PrometheusSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampSeconds: number;
}

/**
 * Options of {@link startPrometheus}.
 *
 * @example
 * ```ts
 * const options: StartPrometheusOptions = { targets: ['127.0.0.1:8080'], scrapeIntervalMs: 1_000 };
 * ```
 */
export interface StartPrometheusOptions {
  /** `host:port` of each service to scrape (at `metricsPath`). */
  readonly targets: readonly string[];
  /** Default 1000 ms. */
  readonly scrapeIntervalMs?: number;
  /** Prometheus's `job` label of the targets; default `sluice`. */
  readonly jobName?: string;
  /** Default `/metrics`. */
  readonly metricsPath?: string;
  /** Budget for `/-/ready`; default 60 s. */
  readonly readyTimeoutMs?: number;
}

/**
 * A running Prometheus server (a real one, from {@link startPrometheus}).
 *
 * @example
 * ```ts
 * const prometheus = await startPrometheus({ targets: [`127.0.0.1:${port}`] });
 * const up = await prometheus.query('up');
 * await prometheus.stop();
 * ```
 */
export interface PrometheusService {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly binary: string;
  /** An instant query through `/api/v1/query` (vector or scalar results). */
  query(expression: string): Promise<PrometheusSeries[]>;
  /**
   * Polls {@link query} until `accept` returns true for its result (default: non-empty) and
   * returns that result; throws `SERVICE_START_TIMEOUT` with the last result after `timeoutMs`
   * (default 30 s).
   */
  waitForQuery(
    expression: string,
    accept?: (series: PrometheusSeries[]) => boolean,
    timeoutMs?: number,
  ): Promise<PrometheusSeries[]>;
  /** The last lines of the server log. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after 10 s, then deletes its data. Idempotent. */
  stop(): Promise<void>;
}
