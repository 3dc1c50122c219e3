/**
 * The URL of the Kafka job's module (`fraud-detection-kafka.job.ts`, or `.js` when running from
 * `dist/`), for `startJob`, which loads the module in every worker thread.
 *
 * @example
 * ```ts
 * const job = await startJob(FRAUD_DETECTION_KAFKA_JOB_MODULE, { parallelism: 2, checkpointing, params: { bootstrapServers } });
 * ```
 */
export const FRAUD_DETECTION_KAFKA_JOB_MODULE: URL = new URL(
  `./fraud-detection-kafka.job.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);
