import type { CheckpointMetrics } from '../api/job-client.ts';
import { SluiceError } from '../errors.ts';
import type { CheckpointConfig } from './checkpoint-config.ts';
import { type CheckpointInfo, type CheckpointStore, infoOf } from './checkpoint-store.ts';
import type { CheckpointFileEntry, JsonValue } from './metadata.ts';
import type { CheckpointRef } from './paths.ts';
import { decideOnCheckpointFailure, decideTrigger } from './trigger-decisions.ts';

/** How a checkpoint is taken: a periodic checkpoint, or a savepoint that may stop the job. */
export interface TriggerOptions {
  readonly kind: 'checkpoint' | 'savepoint';
  /** Stop-with-savepoint: 'drain' flushes event time first; 'suspend' keeps state as is. */
  readonly stop?: 'drain' | 'suspend';
}

/** One state file a participant produced for a checkpoint. */
export interface StateFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** What one participant (a task loop: the main thread, or a worker thread) reports for a checkpoint. */
export interface ParticipantAck {
  readonly checkpointId: number;
  readonly files: readonly StateFile[];
  /** Per source uid and subtask: the split positions (listing only; restore reads the state files). */
  readonly sourcePositions: Readonly<Record<string, JsonValue>>;
  /** Incremental checkpoints: shared files created now (paths relative to `<jobId>/shared/`). */
  readonly sharedFiles?: readonly StateFile[];
  /** Incremental checkpoints: every shared file the state files reference (created now or earlier). */
  readonly sharedRefs?: readonly string[];
}

/** The task loops taking part in checkpoints, as the coordinator drives them. */
export interface CheckpointParticipants {
  /** How many acknowledgements complete a checkpoint. */
  readonly count: number;
  trigger(checkpointId: number, options: TriggerOptions): void;
  notifyComplete(checkpointId: number): void;
  notifyAborted(checkpointId: number): void;
}

interface Pending {
  readonly id: number;
  readonly options: TriggerOptions;
  readonly triggeredAt: number;
  acks: number;
  readonly uploads: Promise<CheckpointFileEntry>[];
  readonly sharedUploads: Promise<CheckpointFileEntry>[];
  readonly sharedRefs: Set<string>;
  readonly sourcePositions: Record<string, JsonValue>;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly settle: { resolve(info: CheckpointInfo): void; reject(error: unknown): void };
}

/** Hooks of the job around the coordinator. */
export interface CoordinatorHooks {
  /** Too many checkpoints failed: the job must fail with `error`. */
  onJobFailure(error: SluiceError): void;
  /** Lines for operators (completion, failures, fallbacks). */
  log?(line: string): void;
}

/**
 * The checkpoint coordinator (DESIGN.md §5): triggers checkpoints periodically (and savepoints on
 * request) by asking every task loop to inject barrier n at its sources; uploads each loop's state
 * files as its acknowledgement arrives (asynchronously: processing goes on); once all loops acked
 * and all files are stored it writes `_metadata` LAST and notifies completion (sinks commit then).
 * Timeouts and storage errors abort a checkpoint; more consecutive failures than tolerated fail
 * the job. When to trigger and what a failure means are the pure functions of trigger-decisions.ts.
 *
 * @example
 * ```ts
 * const coordinator = new CheckpointCoordinator(config, store, participants, { onJobFailure: fail });
 * coordinator.start();
 * const savepoint = await coordinator.trigger({ kind: 'savepoint' });
 * ```
 */
export class CheckpointCoordinator {
  private readonly config: CheckpointConfig;
  private readonly store: CheckpointStore;
  private readonly participants: CheckpointParticipants;
  private readonly hooks: CoordinatorHooks;
  private readonly pending = new Map<number, Pending>();
  private nextId: number;
  private periodic: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastTriggeredAt: number | undefined;
  private lastEndedAt: number | undefined;
  private consecutiveFailures = 0;
  private completed = 0;
  private failed = 0;
  private last: CheckpointInfo | undefined;
  private readonly restoredFrom: number | undefined;
  /** Shared files of the last completed checkpoint, by path: later incremental checkpoints reference them. */
  private sharedEntries = new Map<string, CheckpointFileEntry>();

  constructor(
    config: CheckpointConfig,
    store: CheckpointStore,
    participants: CheckpointParticipants,
    hooks: CoordinatorHooks,
    restoredCheckpointId?: number,
  ) {
    this.config = config;
    this.store = store;
    this.participants = participants;
    this.hooks = hooks;
    this.restoredFrom = restoredCheckpointId;
    // Ids continue after the restored checkpoint, so a restored job never reuses a checkpoint id.
    this.nextId = (restoredCheckpointId ?? 0) + 1;
  }

  /** Starts periodic checkpoints. */
  start(): void {
    this.schedule(this.config.intervalMs);
  }

  /** Stops triggering and aborts what is in flight (job ending). */
  stop(reason = 'the job stopped'): void {
    this.stopped = true;
    if (this.periodic !== undefined) clearTimeout(this.periodic);
    for (const p of [...this.pending.values()]) this.abort(p, reason, false);
  }

  /** Never hands out ids below `nextId` (a restarted attempt continues its predecessor's numbering). */
  continueIdsFrom(nextId: number): void {
    if (nextId > this.nextId) this.nextId = nextId;
  }

  /** Checkpoint numbers are continuous across checkpoints and savepoints; this is the next one. */
  get nextCheckpointId(): number {
    return this.nextId;
  }

  metrics(): CheckpointMetrics {
    return {
      enabled: true,
      completed: this.completed,
      failed: this.failed,
      inProgress: this.pending.size,
      lastCheckpointId: this.last?.checkpointId,
      lastDurationMs: this.last?.durationMs,
      lastSizeBytes: this.last?.totalSizeBytes,
      lastUploadedSizeBytes: this.last?.uploadedSizeBytes,
      lastCompletedAt: this.last?.completedAt,
      restoredFrom: this.restoredFrom,
    };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.periodic = setTimeout(() => this.tick(), ms);
    this.periodic.unref?.();
  }

  private tick(): void {
    const decision = decideTrigger({
      now: Date.now(),
      intervalMs: this.config.intervalMs,
      minPauseMs: this.config.minPauseMs,
      maxConcurrent: this.config.maxConcurrent,
      inProgress: this.pending.size,
      lastTriggeredAt: this.lastTriggeredAt,
      lastEndedAt: this.lastEndedAt,
    });
    if (decision.action === 'trigger') {
      this.trigger({ kind: 'checkpoint' }).catch(() => undefined); // failures are counted in abort()
      this.schedule(this.config.intervalMs);
    } else {
      this.schedule(decision.ms);
    }
  }

  /** Triggers a checkpoint or savepoint now; resolves with its listing once `_metadata` is written. */
  trigger(options: TriggerOptions): Promise<CheckpointInfo> {
    if (this.stopped) {
      return Promise.reject(
        new SluiceError('CHECKPOINT_FAILED', 'The job is not running, so no checkpoint can be taken.'),
      );
    }
    const id = this.nextId++;
    const triggeredAt = Date.now();
    this.lastTriggeredAt = triggeredAt;
    return new Promise<CheckpointInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p !== undefined) this.abort(p, `it did not complete within ${this.config.timeoutMs} ms`, true);
      }, this.config.timeoutMs);
      timer.unref?.();
      this.pending.set(id, {
        id,
        options,
        triggeredAt,
        acks: 0,
        uploads: [],
        sharedUploads: [],
        sharedRefs: new Set(),
        sourcePositions: {},
        timer,
        settle: { resolve, reject },
      });
      this.participants.trigger(id, options);
    });
  }

  private refOf(p: Pending): CheckpointRef {
    return p.options.kind === 'checkpoint'
      ? { kind: 'checkpoint', checkpointId: p.id }
      : { kind: 'savepoint', savepointId: savepointIdOf(p.id) };
  }

  /** A participant's snapshot for a checkpoint: its files start uploading now. */
  acknowledge(ack: ParticipantAck): void {
    const p = this.pending.get(ack.checkpointId);
    if (p === undefined) return; // aborted or timed out meanwhile
    const ref = this.refOf(p);
    for (const file of ack.files) p.uploads.push(this.store.writeStateFile(ref, file.path, file.bytes));
    for (const file of ack.sharedFiles ?? []) p.sharedUploads.push(this.store.writeSharedFile(file.path, file.bytes));
    for (const path of ack.sharedRefs ?? []) p.sharedRefs.add(path);
    Object.assign(p.sourcePositions, ack.sourcePositions);
    p.acks++;
    if (p.acks === this.participants.count) {
      // Test harnesses (the crash-and-replay checker) kill the process while the upload runs.
      if (process.env['SLUICE_TRACE_CHECKPOINTS'] === '1') this.hooks.log?.(`[sluice] checkpoint ${p.id} uploading`);
      void this.complete(p);
    }
  }

  /** A participant could not snapshot (e.g. a failure while it was running). */
  decline(checkpointId: number, reason: string): void {
    const p = this.pending.get(checkpointId);
    if (p !== undefined) this.abort(p, reason, true);
  }

  private async complete(p: Pending): Promise<void> {
    let info: CheckpointInfo;
    try {
      const entries = await Promise.all(p.uploads);
      const created = await Promise.all(p.sharedUploads);
      if (!this.pending.has(p.id)) return;
      const shared = this.sharedEntriesOf(p, created);
      const completedAt = Date.now();
      const body = { checkpointId: p.id, triggeredAt: p.triggeredAt, completedAt, sourcePositions: p.sourcePositions };
      const metadata = await this.store.completeCheckpoint(
        p.options.kind === 'checkpoint'
          ? { kind: 'checkpoint', ...body }
          : { kind: 'savepoint', savepointId: savepointIdOf(p.id), ...body },
        entries,
        shared,
      );
      if (p.options.kind === 'checkpoint') this.sharedEntries = new Map(shared.map((e) => [e.path, e]));
      info = infoOf(metadata, `${this.store.storage.description}/${this.store.paths.dirOf(this.refOf(p))}`);
    } catch (error) {
      if (this.pending.has(p.id)) {
        this.abort(p, `storing it failed: ${error instanceof Error ? error.message : String(error)}`, true, error);
      }
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(p.id);
    this.lastEndedAt = Date.now();
    this.consecutiveFailures = 0;
    this.completed++;
    this.last = info;
    // Older checkpoints still pending can never complete usefully: abort them (as Flink subsumes them).
    for (const older of [...this.pending.values()])
      if (older.id < p.id) this.abort(older, `chk-${p.id} completed first`, false);
    this.hooks.log?.(
      `[sluice] ${info.kind} ${p.id} completed in ${info.durationMs} ms (${info.totalSizeBytes} bytes, ${info.fileCount} files` +
        `${info.uploadedSizeBytes === info.totalSizeBytes ? '' : `; ${info.uploadedSizeBytes} bytes uploaded, the rest shared`})`,
    );
    this.participants.notifyComplete(p.id);
    p.settle.resolve(info);
  }

  /** The entries of every shared file checkpoint `p` references: created by it, or by the last completed one. */
  private sharedEntriesOf(p: Pending, created: readonly CheckpointFileEntry[]): CheckpointFileEntry[] {
    const byPath = new Map(created.map((e) => [e.path, e]));
    return [...p.sharedRefs].map((path) => {
      const entry = byPath.get(path) ?? this.sharedEntries.get(path);
      if (entry === undefined) {
        throw new SluiceError(
          'ILLEGAL_STATE',
          `Incremental checkpoint ${p.id} references shared state file '${path}', which no completed checkpoint wrote.`,
        );
      }
      return entry;
    });
  }

  private abort(p: Pending, reason: string, countsAsFailure: boolean, cause?: unknown): void {
    clearTimeout(p.timer);
    this.pending.delete(p.id);
    this.lastEndedAt = Date.now();
    const error = new SluiceError('CHECKPOINT_FAILED', `${p.options.kind} ${p.id} was aborted: ${reason}.`, { cause });
    this.participants.notifyAborted(p.id);
    p.settle.reject(error);
    if (!countsAsFailure || p.options.kind === 'savepoint') return;
    this.failed++;
    this.hooks.log?.(`[sluice] ${error.message}`);
    const decision = decideOnCheckpointFailure(this.consecutiveFailures, this.config.tolerableFailures);
    this.consecutiveFailures = decision.consecutiveFailures;
    if (decision.action === 'fail-job') {
      this.hooks.onJobFailure(
        new SluiceError(
          'CHECKPOINT_FAILED',
          `${decision.consecutiveFailures} checkpoints failed in a row (tolerated: ${this.config.tolerableFailures}); ` +
            `the last: ${reason}. Raise tolerableFailures or fix the cause.`,
          { cause: error },
        ),
      );
    }
  }
}

/** A random part per process, so savepoints of a restarted job never collide with older ones (as Flink). */
const SAVEPOINT_NONCE = Math.random().toString(36).slice(2, 8);

/** The savepoint id of a savepoint taken as checkpoint number `checkpointId` (unique across runs). */
export function savepointIdOf(checkpointId: number): string {
  return `savepoint-${checkpointId}-${SAVEPOINT_NONCE}`;
}
