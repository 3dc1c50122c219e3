import type { RecoveryResult } from './measure-recovery.ts';
import type { KeyedStateRunResult } from './run-keyed-state.ts';

/** CPU time the profiled run spent in the parts of a checkpoint (ms, whole run). */
export interface SnapshotProfile {
  readonly storage: string;
  readonly checkpoints: number;
  /** CPU time of the whole profiled run. */
  readonly totalMs: number;
  /** The synchronous part, on the task thread: `triggerCheckpoint` of the local executor. */
  readonly syncMs: number;
  /**
   * The heap snapshot's asynchronous part, still on the task thread between its batches: the
   * slices of `HeapSnapshot` (state/heap-snapshot.ts).
   */
  readonly asyncSnapshotMs?: number;
  /** Of which: reading the timers (`TimerCursor.step`). */
  readonly readTimersMs?: number;
  /** Of which: encoding the key groups (`KeyGroupSnapshotEncoder.add`, v8 `writeValue`). */
  readonly encodeKeyGroupsMs: number;
  /**
   * Copy-on-write in the task's own processing: keeping barrier values of entries changed before
   * their key group was written (`keepHandedOut`, `keepBeforeWrite` of the heap StateTable).
   */
  readonly copyOnWriteMs?: number;
  /** Results written before the asynchronous heap snapshot: copying tables (`snapshotKeyGroups`). */
  readonly snapshotKeyGroupsMs?: number;
  /** All v8 `serialize` calls (the subtask state file around the encoded key groups). */
  readonly serializeMs: number;
  /** The asynchronous part: SHA-256 and writing each state file (`writeStateFile`). */
  readonly uploadMs: number;
}

/** Everything `npm run bench:checkpoint` measured; kept in bench/results/checkpoint.json. */
export interface CheckpointBenchResults {
  readonly generatedAt: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGb: number;
    readonly os: string;
    readonly node: string;
    readonly loadBefore: number;
    readonly loadAfter: number;
  };
  readonly keys: number;
  readonly intervalMs: number;
  /**
   * One entry per backend (`heap`, `lmdb`), accumulator and storage (`none`: no checkpoints, `fs`,
   * `s3`).
   */
  readonly configs: readonly {
    readonly backend: string;
    /** `object` (`{ n, pad }` per key) or `number` (a count); absent in results from before: `object`. */
    readonly accumulator?: string;
    readonly storage: string;
    readonly runs: readonly KeyedStateRunResult[];
  }[];
  readonly profile: SnapshotProfile | undefined;
  readonly recovery: readonly RecoveryResult[];
  /** Why something was not measured (S3 without an endpoint, LMDB not wired, …). */
  readonly notes: readonly string[];
  /** The commands that reproduce the figures. */
  readonly commands: readonly string[];
}
