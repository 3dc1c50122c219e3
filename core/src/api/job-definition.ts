import { SluiceError } from '../errors.ts';
import { runThreaded } from '../runtime/threads/threaded-job.ts';
import type { JobClient } from './job-client.ts';
import { type EnvironmentOptions, StreamExecutionEnvironment } from './stream-execution-environment.ts';

/**
 * A job as a module's default export: a name, default options and a function that builds the
 * pipeline on an environment. The same module is loaded by every worker thread, so this is how
 * job code reaches threads: by module path, with no serialization of functions.
 *
 * @example
 * ```ts
 * // word-count.job.ts
 * export default defineJob('word-count', (env) => {
 *   const sink = new CollectSink<[string, number]>();
 *   env.fromElements('a b', 'b').flatMap((l, out) => l.split(' ').forEach((w) => out.collect(w)))
 *     .keyBy((w) => w).map((w) => [w, 1] as [string, number]).sinkTo(sink);
 *   return { sink };
 * });
 * ```
 */
export interface JobDefinition<R, P = JobParams> {
  readonly kind: 'sluice-job';
  readonly name: string;
  readonly build: (env: StreamExecutionEnvironment, params: P) => R;
  readonly options: EnvironmentOptions;
}

/** Job parameters: plain data (structured-cloneable), the same in every worker. */
export type JobParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** Declares a job (export it as the module's default export). `params` come from {@link startJob}. */
export function defineJob<R, P = JobParams>(
  name: string,
  build: (env: StreamExecutionEnvironment, params: P) => R,
  options: EnvironmentOptions = {},
): JobDefinition<R, P> {
  return { kind: 'sluice-job', name, build, options };
}

/** Options of {@link startJob}: environment options plus how many worker threads (slots) to use. */
export interface StartJobOptions extends EnvironmentOptions {
  /**
   * Worker threads to run the job's subtasks on (subtask s of every operator runs on slot
   * s % slots). 1 (default) runs everything in the calling thread.
   */
  readonly slots?: number;
  /** Passed to the job's build function (in every worker). */
  readonly params?: JobParams;
}

/** A started job, with what the job's build function returned (e.g. its sinks). */
export interface StartedJob<R> extends JobClient {
  readonly built: R;
}

/** Loads a job module and checks its default export. */
export async function loadJobDefinition<R>(module: string | URL): Promise<JobDefinition<R, JobParams>> {
  const url = typeof module === 'string' ? module : module.href;
  const loaded = (await import(url)) as { default?: Partial<JobDefinition<R, JobParams>> };
  const def = loaded.default;
  if (def === undefined || def.kind !== 'sluice-job') {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `${url} has no job as its default export. Write \`export default defineJob('name', (env) => { ... })\`.`,
    );
  }
  return def as JobDefinition<R, JobParams>;
}

/**
 * Starts the job defined in `module` (a file URL or path URL of a module whose default export is
 * a {@link defineJob} result). With `slots > 1` the subtasks run on that many worker threads,
 * each of which loads the same module; records cross threads in batches with credit-based flow
 * control. Results of `CollectSink`s come back to the sinks returned in `built`.
 *
 * @example
 * ```ts
 * const job = await startJob<{ sink: CollectSink<string> }>(new URL('./word-count.job.ts', import.meta.url), {
 *   parallelism: 2,
 *   slots: 2,
 * });
 * await job.result;
 * console.log(job.built.sink.values);
 * ```
 */
export async function startJob<R>(module: string | URL, options: StartJobOptions = {}): Promise<StartedJob<R>> {
  const def = await loadJobDefinition<R>(module);
  const { slots = 1, params = {}, ...envOptions } = options;
  if (!Number.isInteger(slots) || slots < 1) {
    throw new SluiceError('INVALID_ARGUMENT', `slots must be an integer >= 1; got ${slots}`);
  }
  const merged: EnvironmentOptions = { ...def.options, ...envOptions };
  const env = StreamExecutionEnvironment.create(merged);
  const built = def.build(env, params);
  if (slots === 1) return { ...env.executeAsync(def.name), built };
  if (merged.clock !== undefined) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      'A custom clock cannot cross worker threads; run with slots: 1 to use a ManualClock.',
    );
  }
  const url = typeof module === 'string' ? module : module.href;
  return { ...runThreaded({ moduleUrl: url, jobName: def.name, env, options: merged, slots, params }), built };
}
