import { type JobClient, type JobMetrics, type JobStatus, MAX_WATERMARK, MIN_WATERMARK } from '@sluice/core';
import type { Registry } from 'prom-client';
import type { JobMetricSample } from './job-metric-definition.ts';
import { METRIC_LABELS as L, METRIC_NAMES as N } from './metric-names.ts';
import { registerScrapeTimeMetric } from './scrape-time-metric.ts';

const STATUSES: readonly JobStatus[] = ['CREATED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'];

/**
 * Where engine metrics come from: the running job (undefined before it started) and when it
 * started, plus the wall clock (injected so tests can pin it).
 *
 * @example
 * ```ts
 * const source: EngineMetricsSource = { jobName: 'fraud-detection', job: () => client, startedAt: () => t0, now: Date.now };
 * ```
 */
export interface EngineMetricsSource {
  readonly jobName: string;
  job(): JobClient | undefined;
  /** Epoch ms when the service started the job. */
  startedAt(): number | undefined;
  now(): number;
}

const seconds = (ms: number): number => ms / 1000;
const isRealWatermark = (ms: number | undefined): ms is number =>
  ms !== undefined && Number.isFinite(ms) && ms > MIN_WATERMARK && ms < MAX_WATERMARK;

/**
 * Registers the engine metrics of {@link METRIC_NAMES} on `registry`, all read from
 * `JobClient.metrics()` at scrape time and labelled with `job_name`.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * registerEngineMetrics(registry, { jobName: 'spend-alerts', job: () => client, startedAt: () => t0, now: Date.now });
 * console.log(await registry.metrics());
 * ```
 */
export function registerEngineMetrics(registry: Registry, source: EngineMetricsSource): void {
  const job = { [L.jobName]: source.jobName };
  const snapshot = (): JobMetrics | undefined => source.job()?.metrics();
  const operators = (value: (op: JobMetrics['operators'][number]) => number | undefined) =>
    function* (): Iterable<JobMetricSample> {
      for (const op of snapshot()?.operators ?? []) {
        const v = value(op);
        if (v !== undefined) yield { labels: { ...job, [L.operator]: op.uid, [L.operatorName]: op.name }, value: v };
      }
    };
  const checkpoint = (value: (c: JobMetrics['checkpoints']) => number | undefined) =>
    function* (): Iterable<JobMetricSample> {
      const c = snapshot()?.checkpoints;
      const v = c === undefined ? undefined : value(c);
      if (v !== undefined) yield { labels: job, value: v };
    };
  const opLabels = [L.jobName, L.operator, L.operatorName];
  const jobLabels = [L.jobName];

  registerScrapeTimeMetric(registry, {
    name: N.jobStatus,
    help: 'Status of the job: 1 for the current status, 0 for the others.',
    type: 'gauge',
    labelNames: [L.jobName, L.status],
    *samples() {
      const status = source.job()?.status();
      if (status === undefined) return;
      for (const s of STATUSES) yield { labels: { ...job, [L.status]: s }, value: s === status ? 1 : 0 };
    },
  });
  registerScrapeTimeMetric(registry, {
    name: N.jobUptime,
    help: 'Seconds since the service started the job.',
    type: 'gauge',
    labelNames: jobLabels,
    *samples() {
      const started = source.startedAt();
      if (started !== undefined) yield { labels: job, value: seconds(source.now() - started) };
    },
  });
  const opMetrics = [
    [N.operatorRecordsIn, 'counter', 'Records that reached the operator.', (op) => op.recordsIn],
    [N.operatorRecordsOut, 'counter', 'Records the operator emitted on its main output.', (op) => op.recordsOut],
    [N.operatorRecordsOutSide, 'counter', 'Records the operator emitted on side outputs.', (op) => op.recordsOutSide],
    [N.operatorParallelism, 'gauge', 'Subtasks of the operator.', (op) => op.parallelism],
    [
      N.operatorWatermark,
      'gauge',
      "Lowest current watermark of the operator's subtasks, Unix time in seconds.",
      (op) => (isRealWatermark(op.watermarkMs) ? seconds(op.watermarkMs) : undefined),
    ],
    [
      N.operatorEventTimeLag,
      'gauge',
      "Wall clock minus the operator's watermark, in seconds.",
      (op) => (isRealWatermark(op.watermarkMs) ? seconds(source.now() - op.watermarkMs) : undefined),
    ],
  ] as const satisfies readonly (readonly [
    string,
    'counter' | 'gauge',
    string,
    (op: JobMetrics['operators'][number]) => number | undefined,
  ])[];
  for (const [name, type, help, value] of opMetrics) {
    registerScrapeTimeMetric(registry, { name, help, type, labelNames: opLabels, samples: operators(value) });
  }

  const cpMetrics = [
    [
      N.checkpointsEnabled,
      'gauge',
      'Whether the job has checkpoint storage (1) or not (0).',
      (c) => (c.enabled ? 1 : 0),
    ],
    [N.checkpointsCompleted, 'counter', 'Checkpoints and savepoints completed.', (c) => c.completed],
    [N.checkpointsFailed, 'counter', 'Checkpoints that failed or were aborted.', (c) => c.failed],
    [N.checkpointsInProgress, 'gauge', 'Checkpoints in flight.', (c) => c.inProgress],
    [N.checkpointLastId, 'gauge', 'Id of the last completed checkpoint.', (c) => c.lastCheckpointId],
    [
      N.checkpointLastDuration,
      'gauge',
      'Duration of the last completed checkpoint in seconds.',
      (c) => (c.lastDurationMs === undefined ? undefined : seconds(c.lastDurationMs)),
    ],
    [N.checkpointLastSize, 'gauge', 'Size of the last completed checkpoint in bytes.', (c) => c.lastSizeBytes],
    [
      N.checkpointLastCompleted,
      'gauge',
      'When the last checkpoint completed, Unix time in seconds.',
      (c) => (c.lastCompletedAt === undefined ? undefined : seconds(c.lastCompletedAt)),
    ],
    [
      N.checkpointRestoredFrom,
      'gauge',
      'Id of the checkpoint or savepoint the job was restored from.',
      (c) => c.restoredFrom,
    ],
  ] as const satisfies readonly (readonly [
    string,
    'counter' | 'gauge',
    string,
    (c: JobMetrics['checkpoints']) => number | undefined,
  ])[];
  for (const [name, type, help, value] of cpMetrics) {
    registerScrapeTimeMetric(registry, { name, help, type, labelNames: jobLabels, samples: checkpoint(value) });
  }
}
