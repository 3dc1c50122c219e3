/**
 * The URL of the embedded job's module (`fraud-detection.job.ts`, or `.js` when running from
 * `dist/`), for `startJob`, which loads the module in every worker thread.
 *
 * @example
 * ```ts
 * const job = await startJob<FraudDetectionJobOutputs>(FRAUD_DETECTION_JOB_MODULE, { parallelism: 2, slots: 2 });
 * ```
 */
export const FRAUD_DETECTION_JOB_MODULE: URL = new URL(
  `./fraud-detection.job.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);
