import type { JobClient } from '@sluice/core';
import type { JobServiceConfigOverrides } from './config/job-service-config.ts';
import type { JobMetricDefinition } from './metrics/job-metric-definition.ts';

/**
 * What a job event handler gets besides the payload.
 *
 * @example
 * ```ts
 * const handler: JobEventHandler = (payload, { topic, key }) => console.log(topic, key, payload);
 * ```
 */
export interface JobEventContext {
  /** The running job. */
  readonly job: JobClient;
  readonly topic: string;
  /** The Kafka message key, as text. */
  readonly key: string | undefined;
  /** The service's logger for this job's events (Nest's logger). */
  readonly logger: { log(message: string): void; warn(message: string): void };
}

/**
 * Handles one job-specific event from the Kafka transport (e.g. a fraud rule update). The payload
 * is the message value, JSON-parsed when it is JSON. Throw a `JobServiceError('INVALID_REQUEST')`
 * to reject an invalid event (counted as `rejected`); any other error counts as `failed`. Either
 * way the event is logged and skipped: a bad event never stops the consumer.
 *
 * @example
 * ```ts
 * const onRules: JobEventHandler = (payload) => rules.push(validateRuleUpdate(payload));
 * ```
 */
export type JobEventHandler = (payload: unknown, context: JobEventContext) => void | Promise<void>;

/**
 * What a job route handler gets besides the request body.
 *
 * @example
 * ```ts
 * const handler: JobRouteHandler = (body, { job, logger }) => logger.log(`${job.jobName}: ${JSON.stringify(body)}`);
 * ```
 */
export interface JobRouteContext {
  /** The running job. */
  readonly job: JobClient;
  /** The service's logger for this job's routes (Nest's logger). */
  readonly logger: { log(message: string): void; warn(message: string): void };
}

/**
 * Handles `POST /api/<route>`: validates the JSON body (throw `JobServiceError('INVALID_REQUEST')`
 * for a 400 problem+json), acts on the running job, and returns the body of the `202 Accepted`
 * response (`{"accepted": true}` when it returns nothing).
 *
 * @example
 * ```ts
 * const onRules: JobRouteHandler = (body) => {
 *   const update = validateRuleUpdate(body);
 *   queue.push(update);
 *   return { accepted: update };
 * };
 * ```
 */
export type JobRouteHandler = (body: unknown, context: JobRouteContext) => unknown;

/**
 * Options of {@link JobServiceModule.forJob}.
 *
 * @example
 * ```ts
 * const options: JobServiceOptions = {
 *   jobName: 'spend-alerts',
 *   start: () => startJob(new URL('./spend-alerts.job.ts', import.meta.url), { parallelism: 2 }),
 *   events: { 'spend.thresholds': (payload) => console.log(payload) },
 * };
 * ```
 */
export interface JobServiceOptions {
  /** The job's name (metrics label `job_name`, default Kafka group id). */
  readonly jobName: string;
  /** Starts the job; called once, on application bootstrap. */
  readonly start: () => Promise<JobClient> | JobClient;
  /** Job-specific metrics, collected at scrape time next to the engine metrics. */
  readonly metrics?: readonly JobMetricDefinition[];
  /** Job-specific Kafka topics and their handlers (subscribed only when Kafka is configured). */
  readonly events?: Readonly<Record<string, JobEventHandler>>;
  /**
   * Job-specific HTTP commands: `POST /api/<name>` (bearer-protected like the other mutating
   * routes, errors as problem+json). Names are lowercase path segments, not `job`.
   */
  readonly routes?: Readonly<Record<string, JobRouteHandler>>;
  /** Settings that win over the environment. */
  readonly config?: JobServiceConfigOverrides;
  /** Where settings are read from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}
