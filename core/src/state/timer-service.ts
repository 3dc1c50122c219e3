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
   * was visited (the capture is then over). With `visitRows`, runs of timers that share a time
   * and namespace may come through it instead of `visit`.
   */
  step(max: number, visit: VisitTimer, visitRows?: VisitTimerRows): boolean;
  /** Ends the capture early (the snapshot was abandoned). */
  close(): void;
}

/** A timer seen by a {@link TimerCursor}. */
export type VisitTimer = (timestamp: number, namespaceId: string, key: KeyType, keyGroup: number) => void;

/**
 * Timers seen by a {@link TimerCursor} in a run: `keys[i]` (in key group `keyGroups[i]`) for `i`
 * from `from` to `to` (exclusive), all at `timestamp` in `namespaceId`. The arrays belong to the
 * cursor: read them during the call only.
 */
export type VisitTimerRows = (
  timestamp: number,
  namespaceId: string,
  keys: readonly KeyType[],
  keyGroups: readonly number[],
  from: number,
  to: number,
) => void;

/** time → namespace id → key → the timer's key group when the capture began, or {@link ABSENT_TIMER}. */
type TimerChanges = Map<number, Map<string, Map<KeyType, number>>>;
/** In {@link TimerChanges}: the timer did not exist when the capture began. */
const ABSENT_TIMER = -1;

interface Bucket<N> {
  readonly namespace: N;
  /** key → key group */
  readonly keys: Map<KeyType, number>;
  /** The capture ({@link TimerQueue.capture}) that has visited every timer of this bucket it needs. */
  passed: number;
}

/**
 * Timers laid out time → namespace → key, with a heap of distinct times. Registering a timer
 * allocates nothing when its (time, namespace) bucket exists — the common case for windows, whose
 * keys all share a window's end time — and duplicates are found by a Map lookup, not a string id.
 */
class TimerQueue<N> {
  private readonly byTime = new Map<number, Map<string, Bucket<N>>>();
  /** While a snapshot reads this queue ({@link capture}): the timers changed since it began. */
  private changes: TimerChanges | undefined;
  /** Number of the current (or last) capture; buckets it passed carry it. */
  private epoch = 0;
  private walking: Bucket<N> | undefined;
  private takeRest: (() => void) | undefined;
  /** Distinct times; may hold times whose buckets are gone (skipped lazily). */
  private readonly times = new MinHeap<number>((a, b) => a < b);
  private count = 0;
  private lastBucket: Bucket<N> | undefined;
  private lastTime = 0;
  private lastNamespaceId = '';
  // Cursor over the (time, namespace) buckets being fired.
  private firingTime = 0;
  private firingBucket: Bucket<N> | undefined;
  private namespaceCursor: Iterator<[string, Bucket<N>]> | undefined;
  private keyCursor: Iterator<[KeyType, number]> | undefined;

  add(time: number, namespaceId: string, namespace: N, key: KeyType, keyGroup: number): boolean {
    // Consecutive registrations mostly hit the same bucket (every key of a window, and a window's
    // trigger and cleanup timers): remember the last one.
    const last = this.lastBucket;
    if (last !== undefined && time === this.lastTime && namespaceId === this.lastNamespaceId) {
      if (last.keys.has(key)) return false;
      if (this.changes !== undefined) this.beforeChange(last, time, namespaceId, key, ABSENT_TIMER);
      last.keys.set(key, keyGroup);
      this.count++;
      return true;
    }
    let byNamespace = this.byTime.get(time);
    if (byNamespace === undefined) {
      byNamespace = new Map();
      this.byTime.set(time, byNamespace);
      this.times.push(time);
    }
    let bucket = byNamespace.get(namespaceId);
    if (bucket === undefined) {
      // A bucket made during a capture holds only timers the capture skips or has recorded.
      bucket = { namespace, keys: new Map(), passed: this.changes === undefined ? 0 : this.epoch };
      byNamespace.set(namespaceId, bucket);
    }
    this.lastBucket = bucket;
    this.lastTime = time;
    this.lastNamespaceId = namespaceId;
    if (bucket.keys.has(key)) return false;
    if (this.changes !== undefined) this.beforeChange(bucket, time, namespaceId, key, ABSENT_TIMER);
    bucket.keys.set(key, keyGroup);
    this.count++;
    return true;
  }

  delete(time: number, namespaceId: string, key: KeyType): void {
    const byNamespace = this.byTime.get(time);
    const bucket = byNamespace?.get(namespaceId);
    if (bucket === undefined) return;
    if (this.changes !== undefined) {
      const keyGroup = bucket.keys.get(key);
      if (keyGroup !== undefined) this.beforeChange(bucket, time, namespaceId, key, keyGroup);
    }
    if (!bucket.keys.delete(key)) return;
    this.count--;
    if (bucket.keys.size === 0) {
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
          const [key, keyGroup] = next.value;
          this.count--;
          return { timestamp: this.firingTime, key, keyGroup, namespace: (this.firingBucket as Bucket<N>).namespace };
        }
        this.keyCursor = undefined;
        this.firingBucket = undefined;
      }
      const namespaces = this.namespaceCursor;
      if (namespaces !== undefined) {
        const next = namespaces.next();
        if (!next.done) {
          const [namespaceId, bucket] = next.value;
          this.takeOut(this.firingTime, namespaceId, bucket);
          this.firingBucket = bucket;
          this.keyCursor = bucket.keys.entries();
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
    if (this.changes !== undefined && bucket.passed !== this.epoch) {
      // A snapshot is reading the timers: each of the bucket's timers changes now.
      for (const [key, keyGroup] of bucket.keys) {
        this.beforeChange(bucket, time, namespaceId, key, keyGroup);
        if (bucket.passed === this.epoch) break; // the cursor stopped in it and took its rest
      }
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
        for (const [key, keyGroup] of bucket.keys) visit(timestamp, namespaceId, key, keyGroup);
      }
    }
  }

  /**
   * Starts reading every timer as of now for a snapshot, a slice at a time, while the queue keeps
   * changing. The cursor walks the live Maps (JavaScript Map iterators survive changes); until it
   * is done, the first change of a timer in a bucket it has not passed yet is recorded with
   * whether (and in which key group) the timer existed when the capture began. The cursor skips
   * recorded timers while walking and visits those that existed at the end. A change to the
   * bucket the cursor stopped in first moves the bucket's unvisited rest into the cursor. A bucket
   * of at most `copyMax` timers is copied whole when the cursor reaches it, and passed at once.
   * One capture at a time.
   */
  capture(copyMax = COPIED_BUCKET_MAX): TimerCursor {
    if (this.changes !== undefined) {
      throw new SluiceError('ILLEGAL_STATE', 'A snapshot is already reading these timers; finish it first.');
    }
    this.changes = new Map();
    this.epoch++;
    return new QueueCursor(this, this.byTime.entries(), this.epoch, this.changes, copyMax);
  }

  /** The capture ended (done or abandoned): stop recording changes. */
  endCapture(changes: TimerChanges): void {
    if (this.changes !== changes) return;
    this.changes = undefined;
    this.walking = undefined;
  }

  /** The bucket a capture stopped in, between two slices (and how to take its rest). */
  setWalking(bucket: Bucket<N> | undefined, takeRest: (() => void) | undefined): void {
    this.walking = bucket;
    this.takeRest = takeRest;
  }

  private beforeChange(bucket: Bucket<N>, time: number, namespaceId: string, key: KeyType, keyGroup: number): void {
    if (bucket.passed === this.epoch) return;
    if (bucket === this.walking) {
      (this.takeRest as () => void)(); // marks the bucket passed
      return;
    }
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
    if (!byKey.has(key)) byKey.set(key, keyGroup);
  }

  /** Every timer (snapshot use). */
  timers(): Timer<N>[] {
    const all: Timer<N>[] = [];
    for (const [timestamp, byNamespace] of this.byTime) {
      for (const bucket of byNamespace.values()) {
        for (const [key, keyGroup] of bucket.keys) all.push({ timestamp, key, keyGroup, namespace: bucket.namespace });
      }
    }
    return all;
  }
}

/**
 * Buckets of up to this many timers are copied whole when the capture reaches them (two native
 * Map copies, ~10 ms per million timers here), then visited from the copy; larger ones are
 * walked entry by entry. A copied bucket needs no change recording, and visiting a copy costs
 * ~2x less than walking the Map's entry iterator (decisions/0004, session 9).
 */
export const COPIED_BUCKET_MAX = 1 << 20;

/** {@link TimerQueue.capture}'s cursor: walks time → namespace → bucket, resumable. */
class QueueCursor<N> implements TimerCursor {
  private readonly queue: TimerQueue<N>;
  private readonly times: Iterator<[number, Map<string, Bucket<N>>]>;
  private readonly epoch: number;
  private readonly changes: TimerChanges;
  private namespaces: Iterator<[string, Bucket<N>]> | undefined;
  private bucket: Bucket<N> | undefined;
  private keys: IterableIterator<[KeyType, number]> | undefined;
  /** A copied bucket being visited: keys and key groups (without its recorded timers), and the next row. */
  private copy: { readonly keys: KeyType[]; readonly groups: number[]; at: number } | undefined;
  private time = 0;
  private namespaceId = '';
  private done = false;
  private readonly copyMax: number;

  constructor(
    queue: TimerQueue<N>,
    times: Iterator<[number, Map<string, Bucket<N>>]>,
    epoch: number,
    changes: TimerChanges,
    copyMax: number,
  ) {
    this.queue = queue;
    this.times = times;
    this.epoch = epoch;
    this.changes = changes;
    this.copyMax = copyMax;
  }

  step(max: number, visit: VisitTimer, visitRows?: VisitTimerRows): boolean {
    if (this.done) return true;
    this.queue.setWalking(undefined, undefined);
    const changes = this.changes;
    let visited = 0;
    for (;;) {
      const copy = this.copy;
      if (copy !== undefined) {
        const { keys, groups } = copy;
        const from = copy.at;
        const to = Math.min(keys.length, from + Math.max(1, max - visited));
        if (visitRows !== undefined) visitRows(this.time, this.namespaceId, keys, groups, from, to);
        else
          for (let i = from; i < to; i++) visit(this.time, this.namespaceId, keys[i] as KeyType, groups[i] as number);
        visited += to - from;
        if (to < keys.length) {
          copy.at = to;
          return false;
        }
        this.copy = undefined;
        if (visited >= max) return false;
      }
      const keys = this.keys;
      if (keys !== undefined) {
        // Changes are recorded only between slices, so this lookup holds for the whole slice.
        const changed = changes.size === 0 ? undefined : changes.get(this.time)?.get(this.namespaceId);
        for (let next = keys.next(); !next.done; next = keys.next()) {
          const [key, keyGroup] = next.value;
          // Recorded timers are visited at the end; not counting them bounds the walk by the
          // timers of the capture, however many come and go meanwhile.
          if (changed !== undefined && changed.has(key)) continue;
          visit(this.time, this.namespaceId, key, keyGroup);
          if (++visited >= max) {
            const bucket = this.bucket as Bucket<N>;
            if (bucket.passed !== this.epoch) this.queue.setWalking(bucket, () => this.takeRest());
            return false;
          }
        }
        (this.bucket as Bucket<N>).passed = this.epoch;
        this.keys = undefined;
        this.bucket = undefined;
      }
      const namespaces = this.namespaces;
      if (namespaces !== undefined) {
        const next = namespaces.next();
        if (!next.done) {
          const bucket = next.value[1];
          if (bucket.passed === this.epoch) continue; // made during the capture
          this.namespaceId = next.value[0];
          if (bucket.keys.size <= this.copyMax) {
            // As it is now (its timers changed since the capture began are recorded, and
            // skipped here); passed, so its further changes are not recorded.
            this.copyBucket(bucket, changes.size === 0 ? undefined : changes.get(this.time)?.get(this.namespaceId));
            continue;
          }
          this.bucket = bucket;
          this.keys = bucket.keys.entries();
          continue;
        }
        this.namespaces = undefined;
      }
      const next = this.times.next();
      if (next.done) break;
      this.time = next.value[0];
      this.namespaces = next.value[1].entries();
    }
    for (const [time, byNamespace] of changes) {
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

  /**
   * Copies `bucket` as it is now, without the timers `changed` recorded (they are visited at the
   * end, as they were when the capture began), and passes it: its further changes are not
   * recorded.
   */
  private copyBucket(bucket: Bucket<N>, changed: ReadonlyMap<KeyType, number> | undefined): void {
    let keys = [...bucket.keys.keys()];
    let groups = [...bucket.keys.values()];
    if (changed !== undefined && changed.size > 0) {
      const allKeys = keys;
      const allGroups = groups;
      keys = [];
      groups = [];
      for (let i = 0; i < allKeys.length; i++) {
        const key = allKeys[i] as KeyType;
        if (changed.has(key)) continue;
        keys.push(key);
        groups.push(allGroups[i] as number);
      }
    }
    this.copy = { keys, groups, at: 0 };
    bucket.passed = this.epoch;
  }

  /** The bucket the cursor stopped in is about to change: take its unvisited timers now. */
  private takeRest(): void {
    const bucket = this.bucket as Bucket<N>;
    const rest = [...(this.keys as IterableIterator<[KeyType, number]>)];
    this.keys = rest[Symbol.iterator]();
    bucket.passed = this.epoch;
    this.queue.setWalking(undefined, undefined);
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
    this.eventTime.delete(time, this.namespaceId(namespace), this.backend.getCurrentKey());
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
    this.processingTime.delete(time, this.namespaceId(namespace), this.backend.getCurrentKey());
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
   * Until the cursor is done, each timer's first change costs a Map entry. `copyMax`: buckets
   * (one time and namespace) of at most this many timers are copied whole when the cursor reaches
   * them ({@link COPIED_BUCKET_MAX}); 0 walks every bucket entry by entry.
   */
  captureTimers(domain: TimerDomain, copyMax = COPIED_BUCKET_MAX): TimerCursor {
    return (domain === 'event-time' ? this.eventTime : this.processingTime).capture(copyMax);
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

  /** Live timers, for snapshots. */
  snapshotTimers(): { eventTime: Timer<N>[]; processingTime: Timer<N>[] } {
    return { eventTime: this.eventTime.timers(), processingTime: this.processingTime.timers() };
  }
}
