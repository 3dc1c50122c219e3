import { Logger } from '@nestjs/common';
import type { CustomMetricSample, JobClient } from '@sluice/core';
import type { Registry } from 'prom-client';
import type { JobMetricSample } from './job-metric-definition.ts';
import { METRIC_LABELS as L } from './metric-names.ts';
import { registerScrapeTimeMetric } from './scrape-time-metric.ts';

/**
 * Label names every connector or user metric carries, besides the sample's own labels: the job,
 * the operator uid and the subtask index.
 *
 * @example
 * ```ts
 * // sluice_kafka_source_lag_records{job_name="fraud-detection",operator="transactions",subtask="0",topic="payments",partition="3"}
 * ```
 */
export const CUSTOM_METRIC_LABELS = [L.jobName, L.operator, L.subtask] as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label name Prometheus accepts, not clashing with the labels the service adds (`exported_` as Prometheus does). */
function labelNameOf(name: string): string {
  let label = LABEL_NAME.test(name) ? name : name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
  if (label.startsWith('__')) label = `x${label}`;
  return (CUSTOM_METRIC_LABELS as readonly string[]).includes(label) ? `exported_${label}` : label;
}

interface Family {
  readonly kind: CustomMetricSample['kind'];
  readonly labelNames: readonly string[];
  samples: JobMetricSample[];
}

/**
 * Where {@link CustomMetricFamilies} reads samples from.
 *
 * @example
 * ```ts
 * const source: CustomMetricsSource = { jobName: 'fraud-detection', job: () => lifecycle.clientIfStarted() };
 * ```
 */
export interface CustomMetricsSource {
  readonly jobName: string;
  job(): JobClient | undefined;
}

/**
 * Exports the metrics that connectors and user functions register on their operator subtasks
 * (`JobClient.metrics().operators[i].custom`): each name `n` becomes the family `sluice_<n>`
 * (TYPE counter or gauge as registered) with labels `job_name`, `operator` (uid) and `subtask`
 * plus the sample's own labels. Families appear once a connector registers them (e.g. when its
 * reader starts), so they are registered lazily: {@link CustomMetricFamilies.sync} runs before
 * every scrape. A name that clashes with another metric of the service, or a counter and a gauge
 * under one name, is skipped with one warning.
 *
 * @example
 * ```ts
 * const custom = new CustomMetricFamilies(registry, { jobName: 'fraud-detection', job: () => client });
 * custom.sync();
 * console.log(await registry.metrics()); // ... sluice_kafka_source_lag_records{...,topic="payments",partition="0"} 12
 * ```
 */
export class CustomMetricFamilies {
  private readonly registry: Registry;
  private readonly source: CustomMetricsSource;
  private readonly families = new Map<string, Family>();
  private readonly warned = new Set<string>();
  private readonly logger: Logger;

  constructor(registry: Registry, source: CustomMetricsSource) {
    this.registry = registry;
    this.source = source;
    this.logger = new Logger(`metrics:${source.jobName}`);
  }

  /** Reads the job's custom samples now and registers the families seen for the first time. */
  sync(): void {
    const job = this.source.job();
    const seen = new Map<
      string,
      { kind: CustomMetricSample['kind']; samples: JobMetricSample[]; labels: Set<string> }
    >();
    for (const op of job?.metrics().operators ?? []) {
      for (const sample of op.custom) {
        const name = `sluice_${sample.name}`;
        let group = seen.get(name);
        if (group === undefined) {
          group = { kind: sample.kind, samples: [], labels: new Set() };
          seen.set(name, group);
        } else if (group.kind !== sample.kind) {
          this.warnOnce(
            `${name}:kind`,
            `${name} is registered both as a counter and as a gauge; exporting the ${group.kind} only`,
          );
          continue;
        }
        const labels: Record<string, string> = {};
        for (const [key, value] of Object.entries(sample.labels)) {
          const label = labelNameOf(key);
          labels[label] = value;
          group.labels.add(label);
        }
        labels[L.jobName] = this.source.jobName;
        labels[L.operator] = op.uid;
        labels[L.subtask] = String(sample.subtask);
        group.samples.push({ labels, value: sample.value });
      }
    }
    for (const [name, family] of this.families) if (!seen.has(name)) family.samples = [];
    for (const [name, group] of seen) {
      const family = this.families.get(name);
      const labelNames = [...CUSTOM_METRIC_LABELS, ...[...group.labels].sort()];
      if (family?.kind === group.kind && [...group.labels].every((l) => family.labelNames.includes(l))) {
        family.samples = group.samples;
        continue;
      }
      if (family === undefined && this.registry.getSingleMetric(name) !== undefined) {
        this.warnOnce(name, `${name} clashes with a metric the service already exports; rename the connector metric`);
        continue;
      }
      // New, or new label names (or kind) since the last scrape: (re-)register with all of them.
      if (family !== undefined) this.registry.removeSingleMetric(name);
      const merged: Family = {
        kind: group.kind,
        labelNames:
          family === undefined || family.kind !== group.kind
            ? labelNames
            : [...new Set([...family.labelNames, ...labelNames])],
        samples: group.samples,
      };
      this.families.set(name, merged);
      registerScrapeTimeMetric(this.registry, {
        name,
        help: `Connector or user metric '${name.slice('sluice_'.length)}', per operator subtask.`,
        type: merged.kind,
        labelNames: merged.labelNames,
        samples: () => merged.samples,
      });
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message);
  }
}
