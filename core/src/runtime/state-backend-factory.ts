import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import type { KeyGroupRange } from '../state/key-groups.ts';
import type { KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { LmdbKeyedStateBackend } from '../state/lmdb/lmdb-keyed-state-backend.ts';
import type { LmdbStateBackendConfig, StateBackendConfig } from '../state/state-backends.ts';
import type { Clock } from '../time/clock.ts';

/** What one keyed operator subtask's backend is created for. */
export interface KeyedBackendSpec {
  readonly uid: string;
  readonly subtask: number;
  readonly maxParallelism: number;
  readonly range: KeyGroupRange;
  readonly clock: Clock;
}

/**
 * Creates the keyed state backends of one task loop (an executor) and owns their files: LMDB
 * environments go to `<workDir>/<uid>-<subtask>`, where `workDir` is given (worker threads: a
 * directory per slot inside the attempt's directory, which the launcher removes) or a fresh
 * `sluice-state-*` directory under the configured parent. {@link disposeAll} closes every backend
 * and removes the directories this factory created.
 *
 * @example
 * ```ts
 * const factory = new KeyedBackendFactory(StateBackends.lmdb(), undefined);
 * const backend = await factory.create({ uid: 'counts', subtask: 0, maxParallelism: 128, range, clock });
 * await factory.disposeAll();
 * ```
 */
export class KeyedBackendFactory {
  readonly config: StateBackendConfig;
  private readonly given: string | undefined;
  private workDir: string | undefined;
  private making: Promise<string> | undefined;
  private readonly created: KeyedStateBackend[] = [];
  private disposed: Promise<void> | undefined;

  constructor(config: StateBackendConfig, workDir: string | undefined) {
    this.config = config;
    this.given = workDir;
  }

  /** Whether checkpoints of these backends are incremental. */
  get incremental(): boolean {
    return this.config.kind === 'lmdb' && this.config.incremental;
  }

  /**
   * A backend for one keyed operator subtask: the heap's at once (so a job on the heap starts in
   * the same turn of the event loop), LMDB's once its environment is open (empty).
   */
  create(spec: KeyedBackendSpec): KeyedStateBackend | Promise<KeyedStateBackend> {
    const { maxParallelism, range, clock } = spec;
    if (this.config.kind === 'heap') {
      const heap = new HeapKeyedStateBackend({ maxParallelism, range, clock });
      this.created.push(heap);
      return heap;
    }
    return this.createLmdb(spec, this.config);
  }

  private async createLmdb(spec: KeyedBackendSpec, config: LmdbStateBackendConfig): Promise<KeyedStateBackend> {
    const { maxParallelism, range, clock } = spec;
    const dir = await this.directory();
    const backend = await LmdbKeyedStateBackend.open({
      directory: join(dir, `${encodeURIComponent(spec.uid)}-${spec.subtask}`),
      maxParallelism,
      range,
      clock,
      ...(config.cacheEntries === undefined ? {} : { cacheEntries: config.cacheEntries }),
      ...(config.mapSizeBytes === undefined ? {} : { mapSizeBytes: config.mapSizeBytes }),
    });
    this.created.push(backend);
    return backend;
  }

  /** Closes every backend created here and removes the working directory (once; later calls wait for it). */
  disposeAll(): Promise<void> {
    this.disposed ??= (async () => {
      for (const backend of this.created.splice(0)) await backend.dispose?.().catch(() => undefined);
      if (this.workDir !== undefined) await rm(this.workDir, { recursive: true, force: true }).catch(() => undefined);
    })();
    return this.disposed;
  }

  /** The working directory, created once (backends open concurrently). */
  private directory(): Promise<string> {
    this.making ??= (async () => {
      if (this.given !== undefined) {
        await mkdir(this.given, { recursive: true });
        this.workDir = this.given;
      } else {
        const parent = (this.config.kind === 'lmdb' ? this.config.directory : undefined) ?? tmpdir();
        await mkdir(parent, { recursive: true });
        this.workDir = await mkdtemp(join(parent, 'sluice-state-'));
      }
      return this.workDir;
    })();
    return this.making;
  }
}

/**
 * A fresh directory for the LMDB working copies of one job attempt that runs on worker threads
 * (each slot uses `<dir>/slot-<n>`); `undefined` for the heap backend. Remove it with
 * {@link removeAttemptStateDirectory} when the attempt ended.
 *
 * @example
 * ```ts
 * const dir = await createAttemptStateDirectory(config);
 * ```
 */
export async function createAttemptStateDirectory(config: StateBackendConfig): Promise<string | undefined> {
  if (config.kind !== 'lmdb') return undefined;
  const parent = config.directory ?? tmpdir();
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, 'sluice-state-'));
}

/**
 * Removes an attempt's state directory (after its task loops ended).
 *
 * @example
 * ```ts
 * await removeAttemptStateDirectory(dir);
 * ```
 */
export async function removeAttemptStateDirectory(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
