import { Counter, Gauge, type Registry } from 'prom-client';
import type { JobMetricSample } from './job-metric-definition.ts';

/**
 * A metric whose samples are read at scrape time (from the job's plain-number metrics) rather
 * than incremented as things happen.
 *
 * @example
 * ```ts
 * registerScrapeTimeMetric(registry, {
 *   name: 'sluice_checkpoints_in_progress', help: 'Checkpoints in flight.', type: 'gauge', labelNames: [],
 *   samples: () => [{ labels: {}, value: job.metrics().checkpoints.inProgress }],
 * });
 * ```
 */
export interface ScrapeTimeMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labelNames: readonly string[];
  /** The samples now; samples with a non-finite value are left out. */
  samples(): Iterable<JobMetricSample>;
}

/**
 * Registers `metric` on `registry` as a prom-client Counter or Gauge whose `collect` replaces
 * all samples with the current ones on every scrape (a counter that restarts, e.g. after a job
 * restart, is a counter reset, which `rate()` handles).
 *
 * @example
 * ```ts
 * registerScrapeTimeMetric(registry, definition);
 * await registry.metrics();
 * ```
 */
export function registerScrapeTimeMetric(registry: Registry, metric: ScrapeTimeMetric): void {
  const labelNames = [...metric.labelNames];
  if (metric.type === 'counter') {
    new Counter({
      name: metric.name,
      help: metric.help,
      labelNames,
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        for (const s of metric.samples()) {
          if (Number.isFinite(s.value) && s.value >= 0) this.inc({ ...s.labels }, s.value);
        }
      },
    });
  } else {
    new Gauge({
      name: metric.name,
      help: metric.help,
      labelNames,
      registers: [registry],
      collect(this: Gauge) {
        this.reset();
        for (const s of metric.samples()) {
          if (Number.isFinite(s.value)) this.set({ ...s.labels }, s.value);
        }
      },
    });
  }
}
