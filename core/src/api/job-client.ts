/** Lifecycle of a job. */
export type JobStatus = 'CREATED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** What a finished job reports. */
export interface JobExecutionResult {
  readonly jobName: string;
  /** Wall-clock duration of the run in ms (measured outside operators). */
  readonly netRuntimeMs: number;
}

/** A plain description of the physical plan. */
export interface JobGraphDescription {
  readonly vertices: readonly { id: number; name: string; uid: string; parallelism: number; chain: number }[];
  readonly edges: readonly { from: number; to: number; partitioning: string; sideOutput?: string }[];
}

/**
 * Handle of a running job, from {@link StreamExecutionEnvironment.executeAsync}.
 *
 * @example
 * ```ts
 * const client = env.executeAsync('fraud-detection');
 * console.log(client.status()); // 'RUNNING'
 * await client.cancel();
 * ```
 */
export interface JobClient {
  readonly jobName: string;
  readonly graph: JobGraphDescription;
  status(): JobStatus;
  /** Settles when the job ends: resolves for a bounded job that finished, rejects on failure or cancel. */
  readonly result: Promise<JobExecutionResult>;
  /** Cancels the job and waits until it stopped. */
  cancel(): Promise<void>;
}
