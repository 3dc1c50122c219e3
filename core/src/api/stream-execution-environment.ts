import {
  type CheckpointConfig,
  checkpointConfigOf,
  type CheckpointingOptions,
  type RestoreFrom,
} from '../checkpoint/checkpoint-config.ts';
import { SluiceError } from '../errors.ts';
import { runJob } from '../runtime/job-runner.ts';
import { launchLocal } from '../runtime/local-attempt.ts';
import { compilePlan, type PhysicalPlan } from '../runtime/physical-plan.ts';
import { RestartStrategies, type RestartStrategy } from '../runtime/restart-strategy.ts';
import type { Transformation, TransformationInput } from '../runtime/logical-graph.ts';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups.ts';
import { type StateBackendConfig, stateBackendConfigOf } from '../state/state-backends.ts';
import { type Clock, SystemClock } from '../time/clock.ts';
import { WatermarkStrategy } from '../time/watermark-strategy.ts';
import type { CrossThreadCodec } from '../runtime/threads/remote-link.ts';
import { CollectionSource } from '../connectors/collection/collection-source.ts';
import { DataStream } from './data-stream.ts';
import './keyed-stream.ts';
import type { JobClient, JobExecutionResult } from './job-client.ts';
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
  /** Periodic checkpoints (see {@link StreamExecutionEnvironment.enableCheckpointing}). */
  readonly checkpointing?: CheckpointingOptions & { readonly intervalMs: number };
  /** Where the job restores from when it starts (needs `checkpointing`). */
  readonly restoreFrom?: RestoreFrom;
  /** What a failure does (default: no restart without checkpointing; fixed delay, unlimited, 1 s with it). */
  readonly restartStrategy?: RestartStrategy;
  /** Where keyed state lives (see {@link StreamExecutionEnvironment.setStateBackend}); default the heap. */
  readonly stateBackend?: StateBackendConfig;
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
  private checkpointConfig: CheckpointConfig | undefined;
  private restoreFrom: RestoreFrom | undefined;
  private restartStrategy: RestartStrategy | undefined;
  private backend: StateBackendConfig;
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
    if (options.checkpointing !== undefined) {
      this.enableCheckpointing(options.checkpointing.intervalMs, options.checkpointing);
    }
    this.restoreFrom = options.restoreFrom;
    this.restartStrategy = options.restartStrategy;
    this.backend = stateBackendConfigOf(options.stateBackend);
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

  /**
   * Takes a checkpoint every `intervalMs` (DESIGN.md §5): barriers flow with the records, every
   * stateful operator snapshots when the barrier passes, state goes to `options.storage`, and
   * two-phase-commit sinks commit when a checkpoint completes. A failed job restarts from the
   * latest checkpoint (see {@link setRestartStrategy}).
   *
   * @example
   * ```ts
   * env.enableCheckpointing(1_000, { storage: new FsCheckpointStorage({ directory: '/data/chk' }) });
   * ```
   */
  enableCheckpointing(intervalMs: number, options: CheckpointingOptions): this {
    this.checkpointConfig = checkpointConfigOf(intervalMs, options);
    return this;
  }

  /** The checkpointing configuration, if enabled. */
  get checkpointing(): CheckpointConfig | undefined {
    return this.checkpointConfig;
  }

  /**
   * Restores the job when it starts: `'latest'` (the newest intact checkpoint, if there is one),
   * a checkpoint id or a savepoint id of this job's storage. State is matched to operators by uid;
   * the parallelism may differ from the one the state was taken with.
   *
   * @example
   * ```ts
   * env.setRestoreFrom({ savepointId: 'savepoint-42', allowNonRestoredState: true });
   * ```
   */
  setRestoreFrom(from: RestoreFrom | undefined): this {
    this.restoreFrom = from;
    return this;
  }

  /**
   * What a failure does: restart from the latest checkpoint per the strategy, or fail the job.
   *
   * @example
   * ```ts
   * env.setRestartStrategy(RestartStrategies.fixedDelay(3, 1_000));
   * ```
   */
  setRestartStrategy(strategy: RestartStrategy): this {
    this.restartStrategy = strategy;
    return this;
  }

  /**
   * Where keyed state lives: {@link StateBackends.heap} (the default: JavaScript Maps) or
   * {@link StateBackends.lmdb} (state larger than memory, snapshots read after the barrier,
   * incremental checkpoints). Savepoints are the same for both, so a job may change backends
   * between a savepoint and its restore.
   *
   * @example
   * ```ts
   * env.setStateBackend(StateBackends.lmdb({ directory: '/mnt/ssd/sluice' }));
   * ```
   */
  setStateBackend(backend: StateBackendConfig): this {
    this.backend = stateBackendConfigOf(backend);
    return this;
  }

  /** The state backend jobs of this environment use. */
  get stateBackend(): StateBackendConfig {
    return this.backend;
  }

  /** The effective restart strategy (Flink's default: restart with a fixed delay when checkpointing). */
  get effectiveRestartStrategy(): RestartStrategy {
    return (
      this.restartStrategy ??
      (this.checkpointConfig === undefined ? RestartStrategies.none() : RestartStrategies.fixedDelay(2 ** 31, 1_000))
    );
  }

  /** Where the job restores from, if set. */
  get restoreSetting(): RestoreFrom | undefined {
    return this.restoreFrom;
  }

  /** Runs the job and resolves when it finishes (bounded input) or rejects when it fails. */
  execute(jobName = 'sluice-job'): Promise<JobExecutionResult> {
    return this.executeAsync(jobName).result;
  }

  /** Starts the job and returns a {@link JobClient} at once. */
  executeAsync(jobName = 'sluice-job'): JobClient {
    const plan = this.compile();
    return runJob({
      jobName,
      plan,
      checkpoint: this.checkpointConfig,
      restoreFrom: this.restoreFrom,
      restartStrategy: this.effectiveRestartStrategy,
      launch: (setup) => launchLocal(plan, this, setup),
    });
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
