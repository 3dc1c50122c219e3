import { deserialize, serialize } from 'node:v8';
import { SluiceError } from '../errors.ts';
import { type BroadcastStateSnapshot, redistributeBroadcastState } from '../state/broadcast-state.ts';
import type { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { restoreKeyGroups, snapshotKeyGroups } from '../state/keyed-state-snapshot.ts';
import { type OperatorStateSnapshot, redistributeOperatorState } from '../state/operator-state.ts';
import { decodeKeyGroupSnapshots, encodeKeyGroupSnapshots, type KeyGroupSnapshot } from '../state/snapshot-format.ts';
import { restoreTimers, type SnapshotableTimers } from '../state/timer-snapshot.ts';
import type { OperatorSnapshot, RestoredOperatorState, StreamOperator } from './stream-operator.ts';

const MAGIC = 'sluice-subtask-state';
const VERSION = 1;

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

/**
 * Snapshots one operator subtask (the synchronous part of a checkpoint: one pass over the state;
 * values are serialized now, so later writes cannot leak into the checkpoint).
 */
export function snapshotSubtask(
  operator: StreamOperator<unknown>,
  meta: { uid: string; subtask: number; parallelism: number; maxParallelism: number },
  backend: HeapKeyedStateBackend | undefined,
  checkpointId: number,
): Uint8Array {
  let keyed: Uint8Array | undefined;
  if (backend !== undefined) {
    const timers: Record<string, SnapshotableTimers> = {};
    for (const t of operator.restorableTimerServices?.() ?? []) timers[t.name] = t.service;
    keyed = encodeKeyGroupSnapshots(snapshotKeyGroups(backend, undefined, timers));
  }
  const state: SubtaskState = {
    ...meta,
    keyed,
    operator: operator.snapshotState?.(checkpointId) ?? {},
  };
  try {
    return serialize({ magic: MAGIC, version: VERSION, state });
  } catch (cause) {
    throw new SluiceError(
      'USER_FUNCTION_FAILED',
      `Operator '${meta.uid}' holds state that cannot be serialized (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'State must be structured-cloneable data: no functions, class instances lose their prototype.',
      { cause },
    );
  }
}

/** Decodes a state file written by {@link snapshotSubtask}; damaged bytes are a CORRUPT_CHECKPOINT error. */
export function decodeSubtaskState(bytes: Uint8Array, where: string): SubtaskState {
  let decoded: { magic?: unknown; version?: unknown; state?: SubtaskState };
  try {
    decoded = deserialize(bytes) as typeof decoded;
  } catch (cause) {
    throw new SluiceError('CORRUPT_CHECKPOINT', `State file ${where} cannot be decoded; it is damaged.`, { cause });
  }
  if (decoded?.magic !== MAGIC || decoded.state === undefined) {
    throw new SluiceError('CORRUPT_CHECKPOINT', `State file ${where} is not a Sluice subtask state file.`);
  }
  if (decoded.version !== VERSION) {
    throw new SluiceError(
      'SNAPSHOT_INCOMPATIBLE',
      `State file ${where} has format version ${String(decoded.version)}; this build reads ${VERSION}.`,
    );
  }
  return decoded.state;
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

  /** All key-group snapshots of all old subtasks (decoded once, shared by the new subtasks). */
  allKeyGroups(): KeyGroupSnapshot[] {
    if (this.keyGroups === undefined) {
      this.keyGroups = [];
      for (const s of this.states) if (s.keyed !== undefined) this.keyGroups.push(...decodeKeyGroupSnapshots(s.keyed));
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
  restoreKeyed(backend: HeapKeyedStateBackend): void {
    restoreKeyGroups(backend, this.allKeyGroups());
  }

  /** Restores the operator's timers (after `open` created its timer services). */
  restoreTimers(operator: StreamOperator<unknown>): void {
    const snapshots = this.allKeyGroups();
    for (const t of operator.restorableTimerServices?.() ?? []) {
      restoreTimers(t.service, t.name, snapshots, t.namespaceFromId);
    }
  }
}
