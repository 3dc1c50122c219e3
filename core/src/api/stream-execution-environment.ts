import { checkpointingDisabled, emptyMetrics } from '../runtime/job-client-defaults.ts';
import { SluiceError } from '../errors.ts';
import { compilePlan, describePlan, type PhysicalPlan } from '../runtime/physical-plan.ts';
import { LocalExecutor } from '../runtime/local-executor.ts';
import type { Transformation, TransformationInput } from '../runtime/logical-graph.ts';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups.ts';
import { type Clock, SystemClock } from '../time/clock.ts';
import { WatermarkStrategy } from '../time/watermark-strategy.ts';
import type { CrossThreadCodec } from '../runtime/threads/remote-link.ts';
import { CollectionSource } from '../connectors/collection/collection-source.ts';
import { DataStream } from './data-stream.ts';
import './keyed-stream.ts';
import type { JobClient, JobExecutionResult, JobStatus } from './job-client.ts';
import type { Source } from './source.ts';

/** STREAMING processes unbounded input as it comes; BATCH runs bounded input to completion. */
export type RuntimeMode = 'STREAMING' | 'BATCH';

/** Options of {@link StreamExecutionEnvironment.create}. */
export interface EnvironmentOptions {
  /** Default parallelism of operators (default 1). */
  readonly parallelism?: number;
  /** Number of key groups, the upper bound of parallelism (default 128). */
  readonly maxParallelism?: number;
  readonly runtimeMode?: RuntimeMode;
  /** Processing-time clock (default: the system clock). Tests pass a `ManualClock`. */
  readonly clock?: Clock;
  /** How often (processing time, ms) idle sources re-evaluate watermarks and idleness (default 200). */
  readonly autoWatermarkIntervalMs?: number;
  /**
   * Upper bound (ms, default 5) on how long a record may wait in a cross-thread buffer. Today
   * buffers are flushed when full (1024 records) and at the end of every task-loop step, which
   * keeps waits well below this; the value is kept for a future timer-based flush and is not read.
   */
  readonly bufferTimeoutMs?: number;
  /**
   * Encoding of records that cross worker threads (`startJob` with `slots > 1`). 'json' is faster
   * for plain data; the default 'structured-clone' accepts anything postMessage does.
   */
  readonly crossThreadCodec?: CrossThreadCodec;
}

/**
 * Entry point of every Sluice job: configures execution, creates sources, runs the job.
 *
 * @example
 * ```ts
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * const sink = new CollectSink<[string, number]>();
 * env.fromElements('a', 'b', 'a')
 *   .map((w) => [w, 1] as [string, number])
 *   .keyBy(([w]) => w)
 *   .reduce('count-words', (a, b) => [a[0], a[1] + b[1]])
 *   .sinkTo(sink);
 * await env.execute('word-count');
 * ```
 */
export class StreamExecutionEnvironment {
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly runtimeMode: RuntimeMode;
  readonly clock: Clock;
  readonly autoWatermarkIntervalMs: number;
  readonly bufferTimeoutMs: number;
  readonly crossThreadCodec: CrossThreadCodec;
  private readonly transformations: Transformation[] = [];
  private collections = 0;
  /** Per environment, so building the same job twice (e.g. in each worker) yields the same ids. */
  private nextTransformationId = 1;

  private constructor(options: EnvironmentOptions) {
    this.parallelism = options.parallelism ?? 1;
    this.maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.runtimeMode = options.runtimeMode ?? 'STREAMING';
    this.clock = options.clock ?? new SystemClock();
    this.autoWatermarkIntervalMs = options.autoWatermarkIntervalMs ?? 200;
    this.bufferTimeoutMs = options.bufferTimeoutMs ?? 5;
    this.crossThreadCodec = options.crossThreadCodec ?? 'structured-clone';
    if (!Number.isInteger(this.parallelism) || this.parallelism < 1) {
      throw new SluiceError('INVALID_ARGUMENT', `parallelism must be an integer >= 1; got ${this.parallelism}`);
    }
    if (
      !Number.isInteger(this.maxParallelism) ||
      this.maxParallelism < this.parallelism ||
      this.maxParallelism > 32768
    ) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `maxParallelism must be an integer between parallelism (${this.parallelism}) and 32768; got ${this.maxParallelism}`,
      );
    }
  }

  /** Creates an environment. */
  static create(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /**
   * A stream from a {@link Source}, with event time and watermarks from `watermarks`.
   * @example
   * ```ts
   * env.fromSource(new DataGeneratorSource({ count: 1000, generate: (i) => i }), WatermarkStrategy.noWatermarks(), 'numbers');
   * ```
   */
  fromSource<T>(
    source: Source<T, never, never> | Source<T>,
    watermarks: WatermarkStrategy<T>,
    name: string,
  ): DataStream<T> {
    const t = this.addTransformation({
      kind: 'source',
      name,
      named: true,
      inputs: [],
      stateful: true,
      keySelector: undefined,
      twoInput: false,
      createOperator: undefined,
      source: { source: source as Source<unknown>, watermarks: watermarks as WatermarkStrategy<unknown> },
      isSink: false,
      maxSourceParallelism: source.maxParallelism,
    });
    return new DataStream<T>(this, [{ upstream: t, partitioning: { kind: 'forward' }, inputIndex: 0 }], t);
  }

  /** A bounded stream of the given values (parallelism 1), without timestamps. */
  fromElements<T>(...values: T[]): DataStream<T> {
    return this.fromCollection(values);
  }

  /** A bounded stream of `values` (parallelism 1), without timestamps. Unnamed ones are numbered. */
  fromCollection<T>(values: Iterable<T>, name?: string): DataStream<T> {
    const label = name ?? (++this.collections === 1 ? 'collection' : `collection-${this.collections}`);
    return this.fromSource(new CollectionSource<T>([...values]), WatermarkStrategy.noWatermarks<T>(), label);
  }

  /** Runs the job and resolves when it finishes (bounded input) or rejects when it fails. */
  execute(jobName = 'sluice-job'): Promise<JobExecutionResult> {
    return this.executeAsync(jobName).result;
  }

  /** Starts the job and returns a {@link JobClient} at once. */
  executeAsync(jobName = 'sluice-job'): JobClient {
    const plan = this.compile();
    const abort = new AbortController();
    let status: JobStatus = 'RUNNING';
    const startedAt = performance.now();
    const executor = new LocalExecutor(plan, {
      clock: this.clock,
      runtimeMode: this.runtimeMode,
      autoWatermarkIntervalMs: this.autoWatermarkIntervalMs,
      signal: abort.signal,
    });
    const result = executor.run().then(
      () => {
        status = 'FINISHED';
        return { jobName, netRuntimeMs: performance.now() - startedAt };
      },
      (error: unknown) => {
        status = abort.signal.aborted ? 'CANCELED' : 'FAILED';
        throw error;
      },
    );
    return {
      jobName,
      graph: describePlan(plan),
      status: () => status,
      result,
      cancel: async () => {
        abort.abort();
        await result.catch(() => undefined);
      },
      listCheckpoints: async () => [],
      triggerSavepoint: () => Promise.reject(checkpointingDisabled('take a savepoint')),
      stopWithSavepoint: () => Promise.reject(checkpointingDisabled('stop with a savepoint')),
      metrics: emptyMetrics,
    };
  }

  /** @internal Compiles the job built so far into a physical plan (checks uids, sinks, parallelism). */
  compile(): PhysicalPlan {
    return compilePlan(this.reachableFromSinks(), {
      parallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
    });
  }

  /** @internal Registers a node of the logical graph (used by the stream classes). */
  addTransformation(spec: Omit<Transformation, 'id' | 'uid' | 'parallelism'>): Transformation {
    const t: Transformation = { ...spec, id: this.nextTransformationId++, uid: undefined, parallelism: undefined };
    this.transformations.push(t);
    return t;
  }

  private reachableFromSinks(): Transformation[] {
    const sinks = this.transformations.filter((t) => t.isSink);
    if (sinks.length === 0) {
      throw new SluiceError(
        'INVALID_PIPELINE',
        'The job has no sink, so it would compute nothing observable. Add one with sinkTo(...) or print().',
      );
    }
    const seen = new Set<Transformation>();
    const visit = (t: Transformation): void => {
      if (seen.has(t)) return;
      seen.add(t);
      for (const input of t.inputs as TransformationInput[]) visit(input.upstream);
    };
    for (const s of sinks) visit(s);
    return [...seen];
  }
}
