import { Logger } from '@nestjs/common';
import type { JobClient } from '@sluice/core';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { CustomMetricFamilies } from './custom-metrics.ts';
import { registerEngineMetrics } from './engine-metrics.ts';
import type { JobMetricDefinition, JobMetricSample } from './job-metric-definition.ts';
import { assertMetricName } from './metric-name-rules.ts';
import { registerScrapeTimeMetric } from './scrape-time-metric.ts';

/**
 * What {@link createMetricsRegistry} needs.
 *
 * @example
 * ```ts
 * const source: MetricsRegistrySource = { jobName: 'spend-alerts', job: () => client, startedAt: () => t0 };
 * ```
 */
export interface MetricsRegistrySource {
  readonly jobName: string;
  job(): JobClient | undefined;
  startedAt(): number | undefined;
}

/** A registry that brings the connector and user metric families up to date before each scrape. */
class JobRegistry extends Registry {
  private custom: CustomMetricFamilies | undefined;

  watch(custom: CustomMetricFamilies): void {
    this.custom = custom;
  }

  override metrics(): Promise<string> {
    this.custom?.sync();
    return super.metrics();
  }
}

/**
 * A registry of one app (never prom-client's global one, so several apps share a process):
 * default process metrics, the engine metrics, the connector and user metrics of the operators
 * (`sluice_<name>`, see {@link CustomMetricFamilies}; families appear on the first scrape after a
 * connector registered them), and the job's own metrics. Throws `INVALID_CONFIG` for a job metric
 * that breaks the naming rules.
 *
 * @example
 * ```ts
 * const registry = createMetricsRegistry(source, [alertsByRule]);
 * ```
 */
export function createMetricsRegistry(
  source: MetricsRegistrySource,
  jobMetrics: readonly JobMetricDefinition[] = [],
): Registry {
  for (const def of jobMetrics) assertMetricName(def.name, def.type, def.labelNames);
  const registry = new JobRegistry();
  collectDefaultMetrics({ register: registry });
  registerEngineMetrics(registry, { ...source, jobName: source.jobName, now: () => Date.now() });
  const logger = new Logger(`metrics:${source.jobName}`);
  for (const def of jobMetrics) {
    let warned = false;
    registerScrapeTimeMetric(registry, {
      name: def.name,
      help: def.help,
      type: def.type,
      labelNames: def.labelNames,
      samples(): Iterable<JobMetricSample> {
        const job = source.job();
        if (job === undefined) return [];
        try {
          return [...def.collect(job)];
        } catch (error) {
          if (!warned)
            logger.warn(
              `${def.name} could not be collected: ${error instanceof Error ? error.message : String(error)}`,
            );
          warned = true;
          return [];
        }
      },
    });
  }
  // Last: a connector metric whose name clashes with any metric above is skipped.
  registry.watch(new CustomMetricFamilies(registry, source));
  return registry;
}
