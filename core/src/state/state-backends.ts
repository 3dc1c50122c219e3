import { SluiceError } from '../errors.ts';

/**
 * Keyed state in JavaScript Maps (the default): fastest, bounded by the JS heap; every checkpoint
 * writes the whole state.
 *
 * @example
 * ```ts
 * env.setStateBackend(StateBackends.heap());
 * ```
 */
export interface HeapStateBackendConfig {
  readonly kind: 'heap';
}

/**
 * Keyed state in LMDB (see {@link StateBackends.lmdb}). Plain data, so it reaches worker threads.
 *
 * @example
 * ```ts
 * const config: LmdbStateBackendConfig = StateBackends.lmdb({ directory: '/var/lib/sluice/state' });
 * ```
 */
export interface LmdbStateBackendConfig {
  readonly kind: 'lmdb';
  /** Parent of the per-job working directories; default the OS temp directory. */
  readonly directory: string | undefined;
  /** Largest size an operator subtask's LMDB file may grow to (lmdb-js `mapSize`); default lmdb-js's. */
  readonly mapSizeBytes: number | undefined;
  /** Bound of each subtask's write-back cache, in entries (default 100 000). */
  readonly cacheEntries: number | undefined;
  /** Checkpoints upload only the key groups changed since the last completed checkpoint. */
  readonly incremental: boolean;
}

/**
 * Where keyed state lives: {@link StateBackends.heap} or {@link StateBackends.lmdb}. The choice
 * never changes what a savepoint holds (the canonical per-key-group format), so a job can switch
 * backends between a savepoint and its restore.
 *
 * @example
 * ```ts
 * const backend: StateBackendConfig = useDisk ? StateBackends.lmdb() : StateBackends.heap();
 * env.setStateBackend(backend);
 * ```
 */
export type StateBackendConfig = HeapStateBackendConfig | LmdbStateBackendConfig;

/**
 * Options of {@link StateBackends.lmdb}.
 *
 * @example
 * ```ts
 * const options: LmdbStateBackendOptions = { directory: '/mnt/ssd/sluice', incremental: true };
 * ```
 */
export interface LmdbStateBackendOptions {
  /**
   * Parent directory of the working copies (one LMDB environment per keyed operator subtask, in a
   * directory per job attempt that is removed when the attempt ends). Default: `os.tmpdir()`.
   * Use a local disk: the files are a cache of state that checkpoints make durable.
   */
  readonly directory?: string;
  /** Largest size (bytes) of one subtask's LMDB file; raise it for very large state. */
  readonly mapSizeBytes?: number;
  /** Entries each subtask keeps in its write-back cache (default 100 000). */
  readonly cacheEntries?: number;
  /**
   * Incremental checkpoints (default true): a checkpoint uploads the key groups changed since the
   * last completed one into the job's `shared/` directory and references the others. Savepoints
   * are always full and self-contained.
   */
  readonly incremental?: boolean;
}

function positiveInteger(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SluiceError('INVALID_ARGUMENT', `StateBackends.lmdb: ${name} must be a positive integer; got ${value}.`);
  }
  return value;
}

/**
 * The state backends a job can choose with {@link StreamExecutionEnvironment.setStateBackend}
 * (or the `stateBackend` environment option), as Flink's `HashMapStateBackend` and
 * `EmbeddedRocksDBStateBackend`.
 *
 * @example
 * ```ts
 * env.setStateBackend(StateBackends.lmdb({ directory: '/mnt/ssd/sluice', incremental: true }));
 * env.enableCheckpointing(10_000, { storage: new FsCheckpointStorage({ directory: '/data/chk' }) });
 * ```
 */
export const StateBackends = {
  /**
   * Keyed state in JavaScript Maps (the default).
   *
   * @example
   * ```ts
   * env.setStateBackend(StateBackends.heap());
   * ```
   */
  heap(): HeapStateBackendConfig {
    return { kind: 'heap' };
  },

  /**
   * Keyed state in LMDB (the `lmdb` package, loaded only when a job uses it): state larger than
   * memory, snapshots read from an LMDB read transaction after the barrier while processing goes
   * on, and incremental checkpoints (see {@link LmdbStateBackendOptions.incremental}).
   *
   * @example
   * ```ts
   * env.setStateBackend(StateBackends.lmdb({ directory: '/mnt/ssd/sluice', mapSizeBytes: 8 * 2 ** 30 }));
   * ```
   */
  lmdb(options: LmdbStateBackendOptions = {}): LmdbStateBackendConfig {
    if (options.directory !== undefined && (typeof options.directory !== 'string' || options.directory === '')) {
      throw new SluiceError('INVALID_ARGUMENT', 'StateBackends.lmdb: directory must be a non-empty path.');
    }
    return {
      kind: 'lmdb',
      directory: options.directory,
      mapSizeBytes: positiveInteger('mapSizeBytes', options.mapSizeBytes),
      cacheEntries: positiveInteger('cacheEntries', options.cacheEntries),
      incremental: options.incremental ?? true,
    };
  },
} as const;

/**
 * Checks a state backend given as plain data (environment options, worker threads).
 *
 * @example
 * ```ts
 * const config = stateBackendConfigOf(options.stateBackend); // heap when undefined
 * ```
 */
export function stateBackendConfigOf(config: StateBackendConfig | undefined): StateBackendConfig {
  if (config === undefined) return StateBackends.heap();
  if (config.kind === 'heap') return config;
  if (config.kind === 'lmdb') return StateBackends.lmdb({ ...config, directory: config.directory ?? undefined });
  throw new SluiceError(
    'INVALID_ARGUMENT',
    `Unknown state backend ${JSON.stringify(config)}; use StateBackends.heap() or StateBackends.lmdb().`,
  );
}
