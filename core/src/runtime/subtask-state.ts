import { deserialize, serialize } from 'node:v8';
import type { StateFile } from '../checkpoint/checkpoint-coordinator.ts';
import { SluiceError } from '../errors.ts';
import { type BroadcastStateSnapshot, redistributeBroadcastState } from '../state/broadcast-state.ts';
import { isIncremental, type KeyedStateBackend } from '../state/keyed-state-backend.ts';
import { type OperatorStateSnapshot, redistributeOperatorState } from '../state/operator-state.ts';
import { decodeKeyGroupSnapshots, encodeKeyGroupSnapshots, type KeyGroupSnapshot } from '../state/snapshot-format.ts';
import { collectTimers, restoreTimers, type SnapshotableTimers } from '../state/timer-snapshot.ts';
import type { SharedKeyGroupFiles } from './shared-key-group-files.ts';
import type { OperatorSnapshot, RestoredOperatorState, StreamOperator } from './stream-operator.ts';

const MAGIC = 'sluice-subtask-state';
/**
 * Versions 1 (keyed state inline) and 2 (incremental checkpoints: key groups in shared files too)
 * are one `node:v8` value, the keyed bytes inside it. Version 3, which this build writes, is framed:
 * {@link FRAME_MAGIC}, the header's length (uint32, little-endian), the header (`node:v8`: magic,
 * version and the state without its keyed bytes, `hasKeyed` instead), then the keyed bytes to
 * the end of the file. The heap backend encodes its snapshot straight into the file's buffer
 * behind the header, so the state (tens of MB) is not copied again to make the file, and a
 * restore reads it in place.
 */
const VERSION = 1;
const VERSION_SHARED = 2;
const VERSION_FRAMED = 3;
/** "SLUICE3\n": never the first bytes of a `node:v8` value (those start with 0xFF). */
const FRAME_MAGIC = Uint8Array.from([0x53, 0x4c, 0x55, 0x49, 0x43, 0x45, 0x33, 0x0a]);
const FRAME_FIXED_BYTES = FRAME_MAGIC.length + 4;

/**
 * A key group whose state lives in a shared file of the job's checkpoint storage (incremental
 * checkpoints): the file holds that one key group's state (no timers) in the canonical format.
 */
export interface SharedKeyGroupRef {
  readonly keyGroup: number;
  /** Path relative to the job's `shared/` directory. */
  readonly path: string;
}

/**
 * The checkpoint state of one operator subtask: keyed state and timers per key group (the
 * canonical format of snapshot-format.ts, so any backend can restore it, at any parallelism),
 * plus operator, union and broadcast state. One state file per operator subtask:
 * `<uid>/<subtask>-of-<parallelism>`.
 */
export interface SubtaskState {
  readonly uid: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Encoded key-group snapshots (with CRC), or undefined for non-keyed operators. */
  readonly keyed: Uint8Array | undefined;
  readonly operator: OperatorSnapshot;
  /**
   * Incremental checkpoints: key groups whose state is in shared files (then `keyed` holds the
   * timers only). Absent in savepoints and full checkpoints.
   */
  readonly sharedKeyGroups?: readonly SharedKeyGroupRef[];
  /** Filled by the restore loader (never written): the bytes of `sharedKeyGroups`' files, in order. */
  readonly sharedKeyed?: readonly Uint8Array[];
}

/**
 * What one operator subtask contributes to a checkpoint.
 *
 * @example
 * ```ts
 * const files = await takeSubtaskSnapshot(operator, meta, backend, 7, undefined);
 * ```
 */
export interface SubtaskSnapshotFiles {
  /** The subtask's state file, at {@link subtaskStatePath}. */
  readonly state: StateFile;
  /** Shared key-group files created by this snapshot (paths relative to the job's `shared/`). */
  readonly sharedFiles: readonly StateFile[];
  /** Every shared file the state file references: created now or by an earlier checkpoint. */
  readonly sharedRefs: readonly string[];
}

/** The state file path of an operator subtask inside a checkpoint directory. */
export function subtaskStatePath(uid: string, subtask: number, parallelism: number): string {
  return `${encodeURIComponent(uid)}/${subtask}-of-${parallelism}`;
}

/** The operator uid of a state file path (the inverse of {@link subtaskStatePath}). */
export function uidOfStatePath(path: string): string | undefined {
  const slash = path.indexOf('/');
  return slash < 0 ? undefined : decodeURIComponent(path.slice(0, slash));
}

/** Identity of an operator subtask in its state file. */
export interface SubtaskMeta {
  readonly uid: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/**
 * Snapshots one operator subtask for a checkpoint. What must be consistent is taken before this
 * returns — the operator's own state, the timers, and the keyed state (heap: a copy-on-write
 * view, {@link KeyedStateBackend.snapshotEncodedAsync}; LMDB: an MVCC view,
 * {@link KeyedStateBackend.snapshotAsync}) — so the caller
 * may forward the barrier and go on processing; reading the view, encoding and (with `shared`,
 * for incremental backends) cutting changed key groups into shared files happen in the returned
 * promise. The result is returned directly when nothing was left to do asynchronously.
 *
 * @example
 * ```ts
 * const files = await takeSubtaskSnapshot(operator, meta, backend, 7, incremental ? tracker : undefined);
 * ```
 */
export function takeSubtaskSnapshot(
  operator: StreamOperator<unknown>,
  meta: SubtaskMeta,
  backend: KeyedStateBackend | undefined,
  checkpointId: number,
  shared: SharedKeyGroupFiles | undefined,
): SubtaskSnapshotFiles | Promise<SubtaskSnapshotFiles> {
  const path = subtaskStatePath(meta.uid, meta.subtask, meta.parallelism);
  const timers = timersOf(operator);
  const header: FramedState = { ...meta, operator: operator.snapshotState?.(checkpointId) ?? {}, hasKeyed: true };
  const whole = (keyed: Uint8Array | undefined): SubtaskSnapshotFiles => ({
    state: { path, bytes: frame({ ...header, hasKeyed: keyed !== undefined }, keyed) },
    sharedFiles: [],
    sharedRefs: [],
  });
  if (backend === undefined) return whole(undefined);
  if (shared !== undefined && isIncremental(backend)) {
    const pending = backend.snapshotIncrementalAsync(checkpointId);
    const unchanged = shared.begin(pending);
    const { start, end } = backend.range;
    const timerGroups = [...collectTimers(timers, (g) => g >= start && g <= end)]
      .sort((a, b) => a[0] - b[0])
      .map(
        ([keyGroup, t]): KeyGroupSnapshot => ({ keyGroup, maxParallelism: meta.maxParallelism, states: [], timers: t }),
      );
    return pending.changed.then((changed) => {
      const sharedFiles: StateFile[] = [];
      const created: SharedKeyGroupRef[] = [];
      for (const group of changed) {
        if (group.states.length === 0) continue;
        const file = { keyGroup: group.keyGroup, path: shared.pathFor(group.keyGroup, checkpointId) };
        created.push(file);
        sharedFiles.push({ path: file.path, bytes: encodeKeyGroupSnapshots([{ ...group, timers: [] }]) });
      }
      shared.finish(checkpointId, created);
      const refs = [...unchanged, ...created].sort((a, b) => a.keyGroup - b.keyGroup);
      const bytes = frame({ ...header, sharedKeyGroups: refs }, encodeKeyGroupSnapshots(timerGroups));
      return { state: { path, bytes }, sharedFiles, sharedRefs: refs.map((r) => r.path) };
    });
  }
  if (backend.snapshotEncodedAsync !== undefined) {
    // The header is written now (the operator state as of the barrier); the snapshot is encoded
    // behind it, into the file's own buffer.
    const prefix = framePrefix(header);
    return backend.snapshotEncodedAsync(timers, prefix.length).then((bytes) => {
      bytes.set(prefix, 0);
      return { state: { path, bytes }, sharedFiles: [], sharedRefs: [] };
    });
  }
  if (backend.snapshotAsync !== undefined) {
    return backend.snapshotAsync(undefined, timers).then((groups) => whole(encodeKeyGroupSnapshots(groups)));
  }
  return whole(encodeKeyGroupSnapshots(backend.snapshot(undefined, timers)));
}

function timersOf(operator: StreamOperator<unknown>): Record<string, SnapshotableTimers> {
  const timers: Record<string, SnapshotableTimers> = {};
  for (const t of operator.restorableTimerServices?.() ?? []) timers[t.name] = t.service;
  return timers;
}

/** The header of a framed (version 3) state file: the state without its keyed bytes. */
type FramedState = Omit<SubtaskState, 'keyed' | 'sharedKeyed'> & { readonly hasKeyed: boolean };

/** A framed state file: {@link framePrefix} of `state`, then `keyed` (copied once). */
function frame(state: FramedState, keyed: Uint8Array | undefined): Uint8Array {
  const prefix = framePrefix(state);
  if (keyed === undefined) return prefix;
  const out = new Uint8Array(prefix.length + keyed.length);
  out.set(prefix, 0);
  out.set(keyed, prefix.length);
  return out;
}

/** Everything of a framed state file before its keyed bytes. */
function framePrefix(state: FramedState): Uint8Array {
  const header = serializeHeader(state);
  const prefix = new Uint8Array(FRAME_FIXED_BYTES + header.length);
  prefix.set(FRAME_MAGIC, 0);
  new DataView(prefix.buffer).setUint32(FRAME_MAGIC.length, header.length, true);
  prefix.set(header, FRAME_FIXED_BYTES);
  return prefix;
}

function serializeHeader(state: FramedState): Uint8Array {
  try {
    return serialize({ magic: MAGIC, version: VERSION_FRAMED, state });
  } catch (cause) {
    throw new SluiceError(
      'USER_FUNCTION_FAILED',
      `Operator '${state.uid}' holds state that cannot be serialized (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'State must be structured-cloneable data: no functions, class instances lose their prototype.',
      { cause },
    );
  }
}

/**
 * Decodes a state file written by {@link takeSubtaskSnapshot} (any format version); damaged bytes
 * are a CORRUPT_CHECKPOINT error. The keyed bytes of a framed file are a view of `bytes`.
 */
export function decodeSubtaskState(bytes: Uint8Array, where: string): SubtaskState {
  const framed = isFramed(bytes);
  let body = bytes;
  if (framed) {
    // A cut frame (shorter than its fixed part) counts as a header that does not fit.
    const length =
      bytes.length < FRAME_FIXED_BYTES
        ? Number.POSITIVE_INFINITY
        : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(FRAME_MAGIC.length, true);
    if (FRAME_FIXED_BYTES + length > bytes.length) {
      throw new SluiceError('CORRUPT_CHECKPOINT', `State file ${where} is truncated: its header is incomplete.`);
    }
    body = bytes.subarray(FRAME_FIXED_BYTES, FRAME_FIXED_BYTES + length);
  }
  let decoded: { magic?: unknown; version?: unknown; state?: SubtaskState & { hasKeyed?: unknown } };
  try {
    decoded = deserialize(body) as typeof decoded;
  } catch (cause) {
    throw new SluiceError('CORRUPT_CHECKPOINT', `State file ${where} cannot be decoded; it is damaged.`, { cause });
  }
  if (decoded?.magic !== MAGIC || decoded.state === undefined) {
    throw new SluiceError('CORRUPT_CHECKPOINT', `State file ${where} is not a Sluice subtask state file.`);
  }
  const expected = framed ? [VERSION_FRAMED] : [VERSION, VERSION_SHARED];
  if (!expected.includes(decoded.version as number)) {
    throw new SluiceError(
      'SNAPSHOT_INCOMPATIBLE',
      `State file ${where} has format version ${String(decoded.version)}; this build reads ${VERSION} to ${VERSION_FRAMED}.`,
    );
  }
  if (!framed) return decoded.state;
  const { hasKeyed, ...state } = decoded.state;
  const keyedAt = FRAME_FIXED_BYTES + body.length;
  if (hasKeyed !== true && keyedAt !== bytes.length) {
    throw new SluiceError('CORRUPT_CHECKPOINT', `State file ${where} has bytes after its header but no keyed state.`);
  }
  return { ...state, keyed: hasKeyed === true ? bytes.subarray(keyedAt) : undefined };
}

function isFramed(bytes: Uint8Array): boolean {
  if (bytes.length < FRAME_MAGIC.length) return false;
  for (let i = 0; i < FRAME_MAGIC.length; i++) if (bytes[i] !== FRAME_MAGIC[i]) return false;
  return true;
}

/** Everything restored for one operator uid: the states of all its old subtasks. */
export class RestoredOperator {
  readonly checkpointId: number;
  readonly states: readonly SubtaskState[];
  private keyGroups: KeyGroupSnapshot[] | undefined;

  constructor(checkpointId: number, states: readonly SubtaskState[]) {
    this.checkpointId = checkpointId;
    this.states = [...states].sort((a, b) => a.subtask - b.subtask);
  }

  /**
   * All key-group snapshots of all old subtasks (decoded once, shared by the new subtasks). Key
   * groups of incremental checkpoints are put back together: state from the shared file, timers
   * from the subtask's file.
   */
  allKeyGroups(): KeyGroupSnapshot[] {
    if (this.keyGroups === undefined) {
      const all: KeyGroupSnapshot[] = [];
      let split = false;
      for (const s of this.states) {
        if (s.keyed !== undefined) all.push(...decodeKeyGroupSnapshots(s.keyed));
        const refs = s.sharedKeyGroups ?? [];
        if (refs.length === 0) continue;
        split = true;
        const bytes = s.sharedKeyed ?? [];
        if (bytes.length !== refs.length) {
          throw new SluiceError(
            'ILLEGAL_STATE',
            `Operator '${s.uid}' subtask ${s.subtask} references ${refs.length} shared state files but ${bytes.length} were loaded.`,
          );
        }
        for (const b of bytes) all.push(...decodeKeyGroupSnapshots(b));
      }
      this.keyGroups = split ? mergeKeyGroups(all) : all;
    }
    return this.keyGroups;
  }

  /** The operator state of new subtask `subtask` of `parallelism` (list state dealt, union merged). */
  operatorStateFor(subtask: number, parallelism: number): RestoredOperatorState {
    const lists = this.states.map((s) => s.operator.listState ?? {});
    const listState = redistributeOperatorState(lists, parallelism)[subtask] as OperatorStateSnapshot;
    const unionState: Record<string, unknown[]> = {};
    for (const s of this.states) {
      for (const [name, items] of Object.entries(s.operator.unionState ?? {})) {
        (unionState[name] ??= []).push(...items);
      }
    }
    const broadcasts = this.states
      .map((s) => s.operator.broadcastState)
      .filter((b): b is BroadcastStateSnapshot => b !== undefined);
    const broadcastState = redistributeBroadcastState(broadcasts, parallelism)[subtask] as BroadcastStateSnapshot;
    return { checkpointId: this.checkpointId, listState, unionState, broadcastState };
  }

  /** Restores keyed state into `backend` (its key-group range only). */
  restoreKeyed(backend: KeyedStateBackend): void {
    backend.restore(this.allKeyGroups());
  }

  /** Restores the operator's timers (after `open` created its timer services). */
  restoreTimers(operator: StreamOperator<unknown>): void {
    const snapshots = this.allKeyGroups();
    for (const t of operator.restorableTimerServices?.() ?? []) {
      restoreTimers(t.service, t.name, snapshots, t.namespaceFromId);
    }
  }
}

/** One snapshot per key group: the states and timers of entries for the same group put together. */
function mergeKeyGroups(snapshots: readonly KeyGroupSnapshot[]): KeyGroupSnapshot[] {
  const byGroup = new Map<number, KeyGroupSnapshot>();
  for (const s of snapshots) {
    const seen = byGroup.get(s.keyGroup);
    byGroup.set(
      s.keyGroup,
      seen === undefined
        ? s
        : { ...seen, states: [...seen.states, ...s.states], timers: [...seen.timers, ...s.timers] },
    );
  }
  return [...byGroup.values()].sort((a, b) => a.keyGroup - b.keyGroup);
}
