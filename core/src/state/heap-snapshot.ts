import { SluiceError } from '../errors.ts';
import type { StateTable } from './heap-keyed-state-backend.ts';
import type { KeyGroupRange, KeyType } from './key-groups.ts';
import { RunColumn } from './snapshot-columns.ts';
import { type EncodableKeyGroup, KeyGroupSnapshotEncoder, type StateSnapshot } from './snapshot-format.ts';
import type { TimerCursor, VisitTimer, VisitTimerKeys } from './timer-service.ts';
import type { SnapshotableTimers } from './timer-snapshot.ts';

/** Work per slice before the snapshot yields the thread back to the task (ms). */
const SLICE_MS = 5;
/** Bytes of the encoded snapshot assembled between two looks at the clock (~1 ms). */
const FINISH_STEP_BYTES = 1 << 20;
/** Timers read between two looks at the clock. */
const TIMERS_PER_STEP = 1 << 15;

type EncodableTimers = EncodableKeyGroup['timers'][number];

/**
 * The timers of one domain of one key group, as read: keys in a column, namespaces and times as
 * runs (a window's timers share both, and the queue is read bucket by bucket).
 */
class TimerColumns {
  keys: KeyType[] = [];
  readonly namespaces = new RunColumn();
  readonly timestamps = new RunColumn();

  push(timestamp: number, namespaceId: string, key: KeyType): void {
    this.keys.push(key);
    this.namespaces.push(namespaceId);
    this.timestamps.push(timestamp);
  }

  /** Appends `keys[from … to)`, all at `timestamp` in `namespaceId` (a {@link VisitTimerKeys} run). */
  pushKeys(timestamp: number, namespaceId: string, keys: KeyType[], from: number, to: number): void {
    // The cursor's copy, whole: kept as the column rather than copied again.
    if (this.keys.length === 0 && from === 0 && to === keys.length) this.keys = keys;
    else for (let i = from; i < to; i++) this.keys.push(keys[i] as KeyType);
    this.namespaces.pushRun(namespaceId, to - from);
    this.timestamps.pushRun(timestamp, to - from);
  }

  encoded(): EncodableTimers['eventTime'] {
    return { keys: this.keys, namespaces: this.namespaces.encoded(), timestamps: this.timestamps.encoded() };
  }
}

interface GroupTimers {
  readonly eventTime: TimerColumns;
  readonly processingTime: TimerColumns;
}

/** The timers of one service, per key group (index: key group - range start), as they are read. */
interface ServiceTimers {
  readonly name: string;
  readonly byGroup: (GroupTimers | undefined)[];
}

interface PendingCursor {
  readonly cursor: TimerCursor;
  readonly visit: VisitTimer;
  readonly visitKeys: VisitTimerKeys;
}

/** What {@link HeapSnapshot} reads: the backend's tables and timers as of the barrier. */
export interface HeapSnapshotSource {
  readonly maxParallelism: number;
  readonly range: KeyGroupRange;
  /** The tables that exist at the barrier (tables created later have nothing in the snapshot). */
  readonly tables: readonly StateTable<unknown>[];
  readonly timerServices: Readonly<Record<string, SnapshotableTimers>>;
  /** Work per slice in ms (default {@link SLICE_MS}); 0: one key group (or timer step) per slice. */
  readonly sliceMs?: number;
  /** Zero bytes before the snapshot in the result, for the caller's own header ({@link KeyGroupSnapshotEncoder}). */
  readonly reserve?: number;
}

/**
 * An asynchronous snapshot of a heap backend: the encoded key groups
 * ({@link KeyGroupSnapshotEncoder}, the canonical format) of the state and timers as they were
 * when it was created, written in slices of about {@link SLICE_MS} ms between the task's own work.
 *
 * The synchronous part (the constructor) is O(tables + timer services): every table starts
 * keeping, per key group not yet written, the barrier value of each entry before its first
 * change — and a copy of each object value before it is handed out, since callers change values
 * in place — and every timer service starts recording its timers' first changes
 * ({@link TimerCursor}). The slices then read the timers (about a bounded number per look at the
 * clock: the keys of one time, namespace and key group are copied natively, become the key
 * group's column when they are its only timers, and their time and namespace are written once),
 * and write the key groups in ascending order, one group at a time (all tables and timers of a
 * group), from the live Maps corrected by what was kept; a written group stops keeping anything.
 * Last, the groups' bytes are assembled into one array with their CRC, about a MB at a time.
 * Between two slices the task loop takes one turn (`setImmediate`): the task never waits more
 * than a slice (or one key group, when a group alone takes longer), and the snapshot ends soon,
 * so few values are touched before their group is written. CPU in total: about what a
 * synchronous snapshot and encoding cost, plus a copy of each value touched before its group was
 * written.
 *
 * @example
 * ```ts
 * const snapshot = new HeapSnapshot({ maxParallelism: 128, range, tables, timerServices }, () => {});
 * const bytes = await snapshot.result; // decodeKeyGroupSnapshots(bytes)
 * ```
 */
export class HeapSnapshot {
  /** The encoded snapshot; rejects when a value cannot be serialized or the snapshot was abandoned. */
  readonly result: Promise<Uint8Array>;
  private readonly source: HeapSnapshotSource;
  private readonly onEnd: () => void;
  private readonly encoder: KeyGroupSnapshotEncoder;
  private readonly services: ServiceTimers[] = [];
  private readonly cursors: PendingCursor[] = [];
  private cursorIndex = 0;
  private nextGroup: number;
  private done = false;
  private resolve!: (bytes: Uint8Array) => void;
  private reject!: (error: unknown) => void;
  private immediate: ReturnType<typeof setImmediate> | undefined;

  /** Takes the barrier view now; `onEnd` runs once when the snapshot completed, failed or was abandoned. */
  constructor(source: HeapSnapshotSource, onEnd: () => void) {
    this.source = source;
    this.onEnd = onEnd;
    this.encoder = new KeyGroupSnapshotEncoder({ reserve: source.reserve ?? 0 });
    this.nextGroup = source.range.start;
    this.result = new Promise<Uint8Array>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    try {
      for (const table of source.tables) table.beginSnapshot(() => this.finishNow());
      for (const [name, service] of Object.entries(source.timerServices)) this.captureTimers(name, service);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.immediate = setImmediate(() => this.slice());
  }

  /** Whether the snapshot completed, failed or was abandoned. */
  get ended(): boolean {
    return this.done;
  }

  /** Writes the rest of the snapshot now, synchronously (a state change needs it, or a new snapshot begins). */
  finishNow(): void {
    if (this.done) return;
    this.cancelSchedule();
    this.run(Number.POSITIVE_INFINITY);
  }

  /** Stops the snapshot (the backend is disposed): `result` rejects, the state stops keeping barrier values. */
  abandon(): void {
    if (this.done) return;
    this.cancelSchedule();
    this.fail(
      new SluiceError(
        'ILLEGAL_STATE',
        'The heap state backend was disposed while a snapshot of it was being written; that checkpoint cannot complete. ' +
          'Wait for pending checkpoints before disposing the state.',
      ),
    );
  }

  private captureTimers(name: string, service: SnapshotableTimers): void {
    const { start, end } = this.source.range;
    const timers: ServiceTimers = { name, byGroup: new Array(end - start + 1).fill(undefined) };
    this.services.push(timers);
    const { byGroup } = timers;
    for (const domain of ['event-time', 'processing-time'] as const) {
      const eventTime = domain === 'event-time';
      const columnsOf = (keyGroup: number): TimerColumns => {
        let group = byGroup[keyGroup - start];
        if (group === undefined) {
          group = { eventTime: new TimerColumns(), processingTime: new TimerColumns() };
          byGroup[keyGroup - start] = group;
        }
        return eventTime ? group.eventTime : group.processingTime;
      };
      const visit: VisitTimer = (timestamp, namespaceId, key, keyGroup) => {
        if (keyGroup >= start && keyGroup <= end) columnsOf(keyGroup).push(timestamp, namespaceId, key);
      };
      const visitKeys: VisitTimerKeys = (timestamp, namespaceId, keyGroup, keys, from, to) => {
        if (keyGroup >= start && keyGroup <= end) columnsOf(keyGroup).pushKeys(timestamp, namespaceId, keys, from, to);
      };
      if (service.captureTimers === undefined) service.forEachTimer(domain, visit);
      else this.cursors.push({ cursor: service.captureTimers(domain), visit, visitKeys });
    }
  }

  private slice(): void {
    this.immediate = undefined;
    const started = performance.now();
    if (!this.run(started + (this.source.sliceMs ?? SLICE_MS))) return;
    // One turn of the task loop (a batch per source) between two slices. Waiting as long as the
    // slice took (the task kept half the thread) made the snapshot last twice as long, and
    // copy-on-write then copied 3-5 times as many values (decisions/0004): slower in total.
    this.immediate = setImmediate(() => this.slice());
  }

  /** Works until `deadline`; true when there is more to do. */
  private run(deadline: number): boolean {
    try {
      if (!this.work(deadline)) return true;
      // The groups' bytes are copied into one array and checksummed (~1 ms per MB) in pieces
      // between looks at the clock: a large snapshot's end is sliced like the rest.
      let bytes: Uint8Array | undefined;
      while ((bytes = this.encoder.finishStep(FINISH_STEP_BYTES)) === undefined) {
        if (performance.now() >= deadline) return true;
      }
      this.end();
      this.resolve(bytes);
    } catch (error) {
      this.fail(error);
    }
    return false;
  }

  /** True when every key group is written. */
  private work(deadline: number): boolean {
    while (this.cursorIndex < this.cursors.length) {
      const { cursor, visit, visitKeys } = this.cursors[this.cursorIndex] as PendingCursor;
      if (cursor.step(TIMERS_PER_STEP, visit, visitKeys)) this.cursorIndex++;
      if (performance.now() >= deadline) return false;
    }
    const { end } = this.source.range;
    while (this.nextGroup <= end) {
      const keyGroup = this.nextGroup++;
      this.writeGroup(keyGroup);
      if (performance.now() >= deadline) return this.nextGroup > end;
    }
    return true;
  }

  private writeGroup(keyGroup: number): void {
    const states: StateSnapshot[] = [];
    for (const table of this.source.tables) {
      const state = table.snapshotGroup(keyGroup, true);
      if (state !== undefined) states.push(state);
    }
    const timers: EncodableTimers[] = [];
    const index = keyGroup - this.source.range.start;
    for (const service of this.services) {
      const group = service.byGroup[index];
      if (group === undefined) continue;
      service.byGroup[index] = undefined;
      timers.push({
        name: service.name,
        eventTime: group.eventTime.encoded(),
        processingTime: group.processingTime.encoded(),
      });
    }
    if (states.length > 0 || timers.length > 0) {
      this.encoder.add({ keyGroup, maxParallelism: this.source.maxParallelism, states, timers });
    }
  }

  private fail(error: unknown): void {
    if (this.done) return;
    for (const { cursor } of this.cursors) cursor.close();
    this.end();
    this.reject(error);
  }

  private end(): void {
    this.done = true;
    for (const table of this.source.tables) table.endSnapshot();
    this.onEnd();
  }

  private cancelSchedule(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
  }
}
