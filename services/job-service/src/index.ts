/**
 * `@sluice/job-service`: runs any Sluice job as a NestJS microservice — Prometheus metrics,
 * Kubernetes health probes, a control API and a Kafka control transport.
 *
 * @example
 * ```ts
 * import { bootstrapJobService } from '@sluice/job-service';
 * await bootstrapJobService({ jobName: 'spend-alerts', start: () => startJob(jobUrl, { parallelism: 2 }) });
 * ```
 * @packageDocumentation
 */
import 'reflect-metadata';
export {
  JOB_SERVICE_ERROR_CODES,
  JobServiceError,
  type JobServiceErrorCode,
  type JobServiceErrorDomain,
  type JobServiceErrorOptions,
} from './errors.ts';
export {
  JOB_SERVICE_DEFAULTS,
  JOB_SERVICE_ENV,
  jobServiceConfig,
  type JobServiceConfig,
  type JobServiceConfigOverrides,
  type KafkaTransportConfig,
} from './config/job-service-config.ts';
export type {
  JobEventContext,
  JobEventHandler,
  JobRouteContext,
  JobRouteHandler,
  JobServiceOptions,
} from './job-service-options.ts';
export { JobServiceModule } from './job-service.module.ts';
export { bootstrapJobService, connectKafkaTransport } from './job-service-app.ts';
export { JOB_SERVICE_TOKENS } from './tokens.ts';
export { JobLifecycle } from './lifecycle/job-lifecycle.ts';
export { METRIC_LABELS, METRIC_NAMES } from './metrics/metric-names.ts';
export type { JobMetricDefinition, JobMetricSample } from './metrics/job-metric-definition.ts';
export { metricNameProblems } from './metrics/metric-name-rules.ts';
export { judgeReadiness, type ReadinessFacts, type ReadinessVerdict } from './health/readiness.ts';
export { PROBLEM_JSON, problemOf, type ProblemDetails } from './problem/problem-details.ts';
export { stopRequestOf, savepointRequestOf } from './control/control-requests.ts';
export { jobControlCommandOf, type JobControlCommand } from './kafka/job-control-command.ts';
export type { CheckpointsView, JobView } from './control/job.controller.ts';
