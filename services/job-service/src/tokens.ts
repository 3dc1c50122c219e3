/**
 * Injection tokens of the job service module (explicit tokens, so DI does not depend on
 * decorator metadata being emitted).
 *
 * @example
 * ```ts
 * const registry = app.get<Registry>(JOB_SERVICE_TOKENS.registry);
 * ```
 */
export const JOB_SERVICE_TOKENS = {
  /** The {@link JobServiceOptions} given to `JobServiceModule.forJob`. */
  options: Symbol('sluice.job-service.options'),
  /** The validated {@link JobServiceConfig}. */
  config: Symbol('sluice.job-service.config'),
  /** This app's prom-client `Registry` (never the global one). */
  registry: Symbol('sluice.job-service.registry'),
  /** The {@link ControlMetrics} of this app. */
  controlMetrics: Symbol('sluice.job-service.control-metrics'),
} as const;
