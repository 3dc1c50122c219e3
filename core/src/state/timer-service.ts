import { SluiceError } from '../errors.ts';
import type { Timestamp } from '../time/timestamps.ts';
import { MIN_WATERMARK } from '../time/timestamps.ts';
import type { ProcessingTimeScheduler } from '../runtime/processing-time-scheduler.ts';
import { MinHeap } from '../runtime/min-heap.ts';
import type { KeyedStateBackend } from './keyed-state-backend.ts';
import type { KeyGroupRange, KeyType } from './key-groups.ts';

/** A registered timer: fires for `key` in `namespace` at `timestamp`. */
export interface Timer<N> {
  readonly timestamp: Timestamp;
  readonly key: KeyType;
  readonly keyGroup: number;
  readonly namespace: N;
}

/** Which clock a timer follows. */
export type TimerDomain = 'event-time' | 'processing-time';

/** The operator that owns a timer service and reacts to its timers (with the timer's key set). */
export interface Triggerable<N> {
  onEventTime(timer: Timer<N>): void;
  onProcessingTime(timer: Timer<N>): void;
}

/**
 * Reads the timers of one queue for a snapshot, a slice at a time (see
 * {@link InternalTimerService.captureTimers}).
 *
 * @example
 * ```ts
 * const cursor = timers.captureTimers('event-time');
 * while (!cursor.step(4096, (timestamp, namespaceId, key, keyGroup) => collect(keyGroup, key))) await nextTurn();
 * ```
 */
export interface TimerCursor {
  /**
   * Visits up to `max` more timers (each timer that existed when the capture began, once; the
   * last step also visits every timer that changed during the capture); true when every timer
   * was visited (the capture is then over). With `visitKeys`, runs of timers that share a time,
   * a namespace and a key group may come through it instead of `visit`.
   */
  step(max: number, visit: VisitTimer, visitKeys?: VisitTimerKeys): boolean;
  /** Ends the capture early (the snapshot was abandoned). */
  close(): void;
}

/** A timer seen by a {@link TimerCursor}. */
export type VisitTimer = (timestamp: number, namespaceId: string, key: KeyType, keyGroup: number) => void;

/**
 * Timers seen by a {@link TimerCursor} in a run: `keys[i]` for `i` from `from` to `to`
 * (exclusive), all at `timestamp` in `namespaceId` and in key group `keyGroup`. The array was
 * copied for the capture: when the run covers all of it (`from` 0, `to` its length) the visitor
 * may keep it; otherwise it may read it during the call only.
 */
export type VisitTimerKeys = (
  timestamp: number,
  namespaceId: string,
  keyGroup: number,
  keys: KeyType[],
  from: number,
  to: number,
) => void;

/** time → namespace id → key → the timer's key group when the capture began, or {@link ABSENT_TIMER}. */
type TimerChanges = Map<number, Map<string, Map<KeyType, number>>>;
/** In {@link TimerChanges}: the timer did not exist when the capture began. */
const ABSENT_TIMER = -1;

interface Bucket<N> {
  readonly namespace: N;
  /**
   * key group → the keys with a timer at this time in this namespace. A key group's Set stays
   * when it empties (at most one per key group of the backend's range), so iterating this Map
   * never meets a key group twice.
   */
  readonly groups: Map<number, Set<KeyType>>;
  /** Number of timers. */
  size: number;
  /** The capture ({@link TimerQueue.capture}) that has copied every timer of this bucket it needs. */
  passed: number;
}

/**
 * Timers laid out time → namespace → key group → key, with a heap of distinct times. Registering a
 * timer allocates nothing when its (time, namespace) bucket and key group exist — the common case
 * for windows, whose keys all share a window's end time — and duplicates are found by a Set
 * lookup, not a string id. Keeping each key group's keys in a Set of their own lets a snapshot
 * copy them natively, without a JavaScript step per timer.
 */
class TimerQueue<N> {
  private readonly byTime = new Map<number, Map<string, Bucket<N>>>();
  /** While a snapshot reads this queue ({@link capture}): the timers changed since it began. */
  private changes: TimerChanges | undefined;
  /** Number of the current (or last) capture; buckets it passed carry it. */
  private epoch = 0;
  /** The current capture's cursor. */
  private cursor: QueueCursor<N> | undefined;
  /** Distinct times; may hold times whose buckets are gone (skipped lazily). */
  private readonly times = new MinHeap<number>((a, b) => a < b);
  private count = 0;
  private lastBucket: Bucket<N> | undefined;
  private lastTime = 0;
  private lastNamespaceId = '';
  // Cursor over the (time, namespace) buckets being fired.
  private firingTime = 0;
  private firingBucket: Bucket<N> | undefined;
  private firingGroup = 0;
  private namespaceCursor: Iterator<[string, Bucket<N>]> | undefined;
  private groupCursor: Iterator<[number, Set<KeyType>]> | undefined;
  private keyCursor: Iterator<KeyType> | undefined;

  add(time: number, namespaceId: string, namespace: N, key: KeyType, keyGroup: number): boolean {
    // Consecutive registrations mostly hit the same bucket (every key of a window, and a window's
    // trigger and cleanup timers): remember the last one.
    let bucket = this.lastBucket;
    if (bucket === undefined || time !== this.lastTime || namespaceId !== this.lastNamespaceId) {
      let byNamespace = this.byTime.get(time);
      if (byNamespace === undefined) {
        byNamespace = new Map();
        this.byTime.set(time, byNamespace);
        this.times.push(time);
      }
      bucket = byNamespace.get(namespaceId);
      if (bucket === undefined) {
        // A bucket made during a capture holds only timers the capture skips or has recorded.
        bucket = { namespace, groups: new Map(), size: 0, passed: this.changes === undefined ? 0 : this.epoch };
        byNamespace.set(namespaceId, bucket);
      }
      this.lastBucket = bucket;
      this.lastTime = time;
      this.lastNamespaceId = namespaceId;
    }
    let keys = bucket.groups.get(keyGroup);
    if (keys === undefined) {
      keys = new Set();
      bucket.groups.set(keyGroup, keys);
    } else if (keys.has(key)) {
      return false;
    }
    if (this.changes !== undefined && bucket.passed !== this.epoch) {
      this.beforeChange(bucket, time, namespaceId, key, keyGroup, ABSENT_TIMER);
    }
    keys.add(key);
    bucket.size++;
    this.count++;
    return true;
  }

  delete(time: number, namespaceId: string, key: KeyType, keyGroup: number): void {
    const byNamespace = this.byTime.get(time);
    const bucket = byNamespace?.get(namespaceId);
    const keys = bucket?.groups.get(keyGroup);
    if (bucket === undefined || keys === undefined || !keys.has(key)) return;
    if (this.changes !== undefined && bucket.passed !== this.epoch) {
      this.beforeChange(bucket, time, namespaceId, key, keyGroup, keyGroup);
    }
    keys.delete(key);
    bucket.size--;
    this.count--;
    if (bucket.size === 0) {
      byNamespace?.delete(namespaceId);
      if (byNamespace?.size === 0) this.byTime.delete(time);
      if (bucket === this.lastBucket) this.lastBucket = undefined; // detached: never add to it again
    }
  }

  /**
   * Removes and returns the earliest timer with timestamp <= limit. A (time, namespace) bucket is
   * taken out of the queue whole when its firing starts and then walked: no lookup per fired
   * timer. Timers registered for the same time and namespace while it fires go to a new bucket,
   * which fires next; deleting a timer of the bucket being fired finds nothing (only the current
   * key's timers can be deleted, and its timer in this bucket is the one that fired).
   */
  pollUntil(limit: number): Timer<N> | undefined {
    for (;;) {
      const keys = this.keyCursor;
      if (keys !== undefined) {
        const next = keys.next();
        if (!next.done) {
          this.count--;
          return {
            timestamp: this.firingTime,
            key: next.value,
            keyGroup: this.firingGroup,
            namespace: (this.firingBucket as Bucket<N>).namespace,
          };
        }
        this.keyCursor = undefined;
      }
      const groups = this.groupCursor;
      if (groups !== undefined) {
        const next = groups.next();
        if (!next.done) {
          this.firingGroup = next.value[0];
          this.keyCursor = next.value[1].values();
          continue;
        }
        this.groupCursor = undefined;
        this.firingBucket = undefined;
      }
      const namespaces = this.namespaceCursor;
      if (namespaces !== undefined) {
        const next = namespaces.next();
        if (!next.done) {
          const [namespaceId, bucket] = next.value;
          this.takeOut(this.firingTime, namespaceId, bucket);
          this.firingBucket = bucket;
          this.groupCursor = bucket.groups.entries();
          continue;
        }
        this.namespaceCursor = undefined;
      }
      const time = this.times.peek();
      if (time === undefined || time > limit) return undefined;
      const byNamespace = this.byTime.get(time);
      if (byNamespace === undefined) {
        this.times.pop(); // all its timers fired or were deleted
        continue;
      }
      this.firingTime = time;
      this.namespaceCursor = byNamespace.entries();
    }
  }

  /** Removes a bucket about to fire from the queue (its timers stay counted until they are returned). */
  private takeOut(time: number, namespaceId: string, bucket: Bucket<N>): void {
    // A snapshot is reading the timers and has not copied this bucket yet: it copies it now.
    if (this.changes !== undefined && bucket.passed !== this.epoch) {
      (this.cursor as QueueCursor<N>).copyNow(time, namespaceId, bucket);
    }
    const byNamespace = this.byTime.get(time) as Map<string, Bucket<N>>;
    byNamespace.delete(namespaceId);
    if (byNamespace.size === 0) this.byTime.delete(time);
    if (bucket === this.lastBucket) this.lastBucket = undefined; // detached: never add to it again
  }

  /** Removes and returns every timer, in time order. */
  drainAll(): Timer<N>[] {
    const all: Timer<N>[] = [];
    const end = Number.POSITIVE_INFINITY;
    for (let t = this.pollUntil(end); t !== undefined; t = this.pollUntil(end)) all.push(t);
    return all;
  }

  earliest(): number | undefined {
    for (let time = this.times.peek(); time !== undefined; time = this.times.peek()) {
      if (this.byTime.has(time)) return time;
      this.times.pop();
    }
    return undefined;
  }

  get size(): number {
    return this.count;
  }

  /** Visits every timer with its namespace id (snapshot use; no allocation per timer). */
  forEach(visit: VisitTimer): void {
    for (const [timestamp, byNamespace] of this.byTime) {
      for (const [namespaceId, bucket] of byNamespace) {
        for (const [keyGroup, keys] of bucket.groups)
          for (const key of keys) visit(timestamp, namespaceId, key, keyGroup);
      }
    }
  }

  /**
   * Starts reading every timer as of now for a snapshot, a slice at a time, while the queue keeps
   * changing. The cursor copies the buckets a key group at a time (a native copy of the key
   * group's Set) and passes a bucket once all its key groups are copied. Until the cursor is done,
   * the first change of a timer that is not copied yet is recorded with whether (and in which key
   * group) the timer existed when the capture began; copies leave recorded timers out, and the
   * cursor visits those that existed at the end. A bucket about to fire is copied whole first.
   * One capture at a time.
   */
  capture(): TimerCursor {
    if (this.changes !== undefined) {
      throw new SluiceError('ILLEGAL_STATE', 'A snapshot is already reading these timers; finish it first.');
    }
    this.changes = new Map();
    this.epoch++;
    const cursor = new QueueCursor(this, this.byTime.entries(), this.epoch, this.changes);
    this.cursor = cursor;
    return cursor;
  }

  /** The capture ended (done or abandoned): stop recording changes. */
  endCapture(changes: TimerChanges): void {
    if (this.changes !== changes) return;
    this.changes = undefined;
    this.cursor = undefined;
  }

  /** Records a timer's first change during a capture, unless the capture copied it already. */
  private beforeChange(
    bucket: Bucket<N>,
    time: number,
    namespaceId: string,
    key: KeyType,
    keyGroup: number,
    atCapture: number,
  ): void {
    if ((this.cursor as QueueCursor<N>).hasCopied(bucket, keyGroup)) return;
    const changes = this.changes as TimerChanges;
    let byNamespace = changes.get(time);
    if (byNamespace === undefined) {
      byNamespace = new Map();
      changes.set(time, byNamespace);
    }
    let byKey = byNamespace.get(namespaceId);
    if (byKey === undefined) {
      byKey = new Map();
      byNamespace.set(namespaceId, byKey);
    }
    if (!byKey.has(key)) byKey.set(key, atCapture);
  }
}

/** Keys of one (time, namespace, key group) copied by a capture, not visited yet. */
interface CopiedKeys {
  readonly time: number;
  readonly namespaceId: string;
  readonly keyGroup: number;
  readonly keys: KeyType[];
}

/** {@link TimerQueue.capture}'s cursor: walks time → namespace → key group, copying, resumable. */
class QueueCursor<N> implements TimerCursor {
  private readonly times: Iterator<[number, Map<string, Bucket<N>>]>;
  private readonly queue: TimerQueue<N>;
  private readonly epoch: number;
  private readonly changes: TimerChanges;
  private namespaces: Iterator<[string, Bucket<N>]> | undefined;
  private time = 0;
  private namespaceId = '';
  /** The bucket being copied a key group at a time, its key groups, and those copied so far. */
  private bucket: Bucket<N> | undefined;
  private groups: Iterator<[number, Set<KeyType>]> | undefined;
  private readonly copiedGroups = new Set<number>();
  /** Copies not visited yet (from `head`), and the next row of the first. */
  private readonly copies: (CopiedKeys | undefined)[] = [];
  private head = 0;
  private at = 0;
  private done = false;

  constructor(
    queue: TimerQueue<N>,
    times: Iterator<[number, Map<string, Bucket<N>>]>,
    epoch: number,
    changes: TimerChanges,
  ) {
    this.queue = queue;
    this.times = times;
    this.epoch = epoch;
    this.changes = changes;
  }

  step(max: number, visit: VisitTimer, visitKeys?: VisitTimerKeys): boolean {
    if (this.done) return true;
    let visited = 0;
    for (;;) {
      while (this.head < this.copies.length) {
        if (visited >= max) return false;
        const copy = this.copies[this.head] as CopiedKeys;
        const { keys } = copy;
        const from = this.at;
        const to = Math.min(keys.length, from + max - visited);
        if (visitKeys !== undefined) visitKeys(copy.time, copy.namespaceId, copy.keyGroup, keys, from, to);
        else for (let i = from; i < to; i++) visit(copy.time, copy.namespaceId, keys[i] as KeyType, copy.keyGroup);
        visited += to - from;
        if (to < keys.length) {
          this.at = to;
          return false;
        }
        this.copies[this.head++] = undefined;
        this.at = 0;
      }
      if (this.head > 0) {
        this.copies.length = 0;
        this.head = 0;
      }
      if (visited >= max) return false;
      const groups = this.groups;
      if (groups !== undefined) {
        const next = groups.next();
        if (!next.done) {
          const [keyGroup, keys] = next.value;
          this.copiedGroups.add(keyGroup);
          this.copyGroup(this.time, this.namespaceId, keyGroup, keys);
          continue;
        }
        this.pass(this.bucket as Bucket<N>);
      }
      const namespaces = this.namespaces;
      if (namespaces !== undefined) {
        const next = namespaces.next();
        if (!next.done) {
          const bucket = next.value[1];
          if (bucket.passed === this.epoch) continue; // made during the capture, or copied when it fired
          this.namespaceId = next.value[0];
          this.bucket = bucket;
          this.groups = bucket.groups.entries();
          continue;
        }
        this.namespaces = undefined;
      }
      const next = this.times.next();
      if (next.done) break;
      this.time = next.value[0];
      this.namespaces = next.value[1].entries();
    }
    for (const [time, byNamespace] of this.changes) {
      for (const [namespaceId, byKey] of byNamespace) {
        for (const [key, keyGroup] of byKey) if (keyGroup !== ABSENT_TIMER) visit(time, namespaceId, key, keyGroup);
      }
    }
    this.close();
    return true;
  }

  close(): void {
    this.done = true;
    this.queue.endCapture(this.changes);
  }

  /** Whether this capture has copied `keyGroup` of `bucket` (its later changes are not recorded). */
  hasCopied(bucket: Bucket<N>, keyGroup: number): boolean {
    return bucket === this.bucket && this.copiedGroups.has(keyGroup);
  }

  /** `bucket` is about to fire: copy its key groups not copied yet now, and pass it. */
  copyNow(time: number, namespaceId: string, bucket: Bucket<N>): void {
    // The bucket being copied continues where it stopped; any other starts at its first key group.
    const groups = bucket === this.bucket ? (this.groups as Iterator<[number, Set<KeyType>]>) : bucket.groups.entries();
    for (let next = groups.next(); !next.done; next = groups.next()) {
      this.copyGroup(time, namespaceId, next.value[0], next.value[1]);
    }
    this.pass(bucket);
  }

  /** Copies the keys of one key group of a bucket as they are now, without the recorded ones. */
  private copyGroup(time: number, namespaceId: string, keyGroup: number, keys: ReadonlySet<KeyType>): void {
    if (keys.size === 0) return;
    let copy = [...keys];
    const changed = this.changes.size === 0 ? undefined : this.changes.get(time)?.get(namespaceId);
    if (changed !== undefined) copy = copy.filter((key) => !changed.has(key));
    if (copy.length > 0) this.copies.push({ time, namespaceId, keyGroup, keys: copy });
  }

  /** Every timer of `bucket` the capture needs is copied: its further changes are not recorded. */
  private pass(bucket: Bucket<N>): void {
    bucket.passed = this.epoch;
    if (bucket === this.bucket) {
      this.bucket = undefined;
      this.groups = undefined;
      this.copiedGroups.clear();
    }
  }
}

/**
 * Event- and processing-time timers of one keyed operator, per (key, namespace, time) at most one.
 * Event-time timers fire when the watermark passes them; processing-time timers when the injected
 * clock does. The current key is set on the backend before the owner's callback runs.
 */
export class InternalTimerService<N> {
  private readonly backend: KeyedStateBackend;
  private readonly scheduler: ProcessingTimeScheduler;
  private readonly target: Triggerable<N>;
  private readonly namespaceId: (namespace: N) => string;
  private readonly eventTime = new TimerQueue<N>();
  private readonly processingTime = new TimerQueue<N>();
  private watermark: Timestamp = MIN_WATERMARK;
  private scheduledAt = Number.POSITIVE_INFINITY;

  constructor(
    backend: KeyedStateBackend,
    scheduler: ProcessingTimeScheduler,
    target: Triggerable<N>,
    namespaceId: (namespace: N) => string,
  ) {
    this.backend = backend;
    this.scheduler = scheduler;
    this.target = target;
    this.namespaceId = namespaceId;
    scheduler.onEndOfInput(() => this.fireAllProcessingTimeTimers());
  }

  /** BATCH end of input: fires every processing-time timer held now, in time order. */
  fireAllProcessingTimeTimers(): void {
    for (const t of this.processingTime.drainAll()) {
      this.backend.setCurrentKeyAndGroup(t.key, t.keyGroup);
      this.target.onProcessingTime(t);
    }
  }

  currentWatermark(): Timestamp {
    return this.watermark;
  }

  currentProcessingTime(): number {
    return this.scheduler.clock.now();
  }

  registerEventTimeTimer(namespace: N, time: Timestamp): void {
    const key = this.backend.getCurrentKey();
    this.eventTime.add(time, this.namespaceId(namespace), namespace, key, this.backend.getCurrentKeyGroup());
  }

  deleteEventTimeTimer(namespace: N, time: Timestamp): void {
    this.eventTime.delete(
      time,
      this.namespaceId(namespace),
      this.backend.getCurrentKey(),
      this.backend.getCurrentKeyGroup(),
    );
  }

  registerProcessingTimeTimer(namespace: N, time: number): void {
    const key = this.backend.getCurrentKey();
    const added = this.processingTime.add(
      time,
      this.namespaceId(namespace),
      namespace,
      key,
      this.backend.getCurrentKeyGroup(),
    );
    if (added && time < this.scheduledAt) {
      this.scheduledAt = time;
      this.scheduler.schedule(time, (now) => this.onProcessingTime(now));
    }
  }

  deleteProcessingTimeTimer(namespace: N, time: number): void {
    this.processingTime.delete(
      time,
      this.namespaceId(namespace),
      this.backend.getCurrentKey(),
      this.backend.getCurrentKeyGroup(),
    );
  }

  /** Fires every event-time timer <= `watermark`, in time order. */
  advanceWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    for (let t = this.eventTime.pollUntil(watermark); t !== undefined; t = this.eventTime.pollUntil(watermark)) {
      this.backend.setCurrentKeyAndGroup(t.key, t.keyGroup);
      this.target.onEventTime(t);
    }
  }

  /** Fires every processing-time timer <= `now`, then re-arms the scheduler for the next one. */
  onProcessingTime(now: number): void {
    this.scheduledAt = Number.POSITIVE_INFINITY;
    for (let t = this.processingTime.pollUntil(now); t !== undefined; t = this.processingTime.pollUntil(now)) {
      this.backend.setCurrentKeyAndGroup(t.key, t.keyGroup);
      this.target.onProcessingTime(t);
    }
    const next = this.processingTime.earliest();
    if (next !== undefined && next < this.scheduledAt) {
      this.scheduledAt = next;
      this.scheduler.schedule(next, (time) => this.onProcessingTime(time));
    }
  }

  numEventTimeTimers(): number {
    return this.eventTime.size;
  }

  numProcessingTimeTimers(): number {
    return this.processingTime.size;
  }

  /** The key groups whose timers this service holds (those of its keyed backend). */
  get keyGroupRange(): KeyGroupRange {
    return this.backend.range;
  }

  /**
   * Starts reading the timers of `domain` as of now, for a snapshot that reads them in slices
   * while this service goes on adding, deleting and firing timers (see {@link TimerCursor}).
   * Until the cursor is done, the first change of a timer it has not copied yet costs a Map entry.
   */
  captureTimers(domain: TimerDomain): TimerCursor {
    return (domain === 'event-time' ? this.eventTime : this.processingTime).capture();
  }

  /** Visits every live timer of `domain` with its namespace id, for snapshots. */
  forEachTimer(
    domain: TimerDomain,
    visit: (timestamp: number, namespaceId: string, key: KeyType, keyGroup: number) => void,
  ): void {
    (domain === 'event-time' ? this.eventTime : this.processingTime).forEach(visit);
  }

  /**
   * Adds a timer from a snapshot (restore; needs no current key). After the last one, call
   * {@link rearmProcessingTimeTimers} so the scheduler learns the earliest processing-time timer.
   */
  restoreTimer(domain: TimerDomain, timestamp: number, namespace: N, key: KeyType, keyGroup: number): void {
    (domain === 'event-time' ? this.eventTime : this.processingTime).add(
      timestamp,
      this.namespaceId(namespace),
      namespace,
      key,
      keyGroup,
    );
  }

  /** Schedules the earliest processing-time timer with the scheduler if it is not yet (after a restore). */
  rearmProcessingTimeTimers(): void {
    const next = this.processingTime.earliest();
    if (next !== undefined && next < this.scheduledAt) {
      this.scheduledAt = next;
      this.scheduler.schedule(next, (time) => this.onProcessingTime(time));
    }
  }

  /** The namespace id of `namespace` (the id timers of that namespace are snapshotted under). */
  namespaceIdOf(namespace: N): string {
    return this.namespaceId(namespace);
  }
}
