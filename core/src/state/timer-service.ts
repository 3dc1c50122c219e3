import type { Timestamp } from '../time/timestamps.ts';
import { MIN_WATERMARK } from '../time/timestamps.ts';
import type { ProcessingTimeScheduler } from '../runtime/processing-time-scheduler.ts';
import { MinHeap } from '../runtime/min-heap.ts';
import type { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import type { KeyType } from './key-groups.ts';

/** A registered timer: fires for `key` in `namespace` at `timestamp`. */
export interface Timer<N> {
  readonly timestamp: Timestamp;
  readonly key: KeyType;
  readonly keyGroup: number;
  readonly namespace: N;
}

/** The operator that owns a timer service and reacts to its timers (with the timer's key set). */
export interface Triggerable<N> {
  onEventTime(timer: Timer<N>): void;
  onProcessingTime(timer: Timer<N>): void;
}

interface Entry<N> extends Timer<N> {
  readonly id: string;
}

function keyId(key: KeyType): string {
  return `${typeof key === 'string' ? 's' : typeof key === 'number' ? 'n' : typeof key === 'bigint' ? 'b' : 'z'}${String(key)}`;
}

class TimerQueue<N> {
  private readonly heap = new MinHeap<Entry<N>>((a, b) => a.timestamp < b.timestamp);
  /** Live timer ids; a heap entry whose id is gone was deleted (lazy deletion). */
  private readonly live = new Set<string>();

  add(entry: Entry<N>): boolean {
    if (this.live.has(entry.id)) return false;
    this.live.add(entry.id);
    this.heap.push(entry);
    return true;
  }

  delete(id: string): void {
    this.live.delete(id);
  }

  /** Removes and returns the earliest live timer with timestamp <= time. */
  pollUntil(time: number): Entry<N> | undefined {
    for (let top = this.heap.peek(); top !== undefined && top.timestamp <= time; top = this.heap.peek()) {
      this.heap.pop();
      if (this.live.delete(top.id)) return top;
    }
    return undefined;
  }

  /** Removes and returns every live timer, in time order. */
  drainAll(): Entry<N>[] {
    const all: Entry<N>[] = [];
    for (let top = this.heap.pop(); top !== undefined; top = this.heap.pop()) {
      if (this.live.delete(top.id)) all.push(top);
    }
    return all;
  }

  earliest(): number | undefined {
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (this.live.has(top.id)) return top.timestamp;
      this.heap.pop();
    }
    return undefined;
  }

  get size(): number {
    return this.live.size;
  }

  /** Live timers (snapshot use). */
  timers(): Timer<N>[] {
    return this.heap.toArray().filter((e) => this.live.has(e.id));
  }
}

/**
 * Event- and processing-time timers of one keyed operator, per (key, namespace, time) at most one.
 * Event-time timers fire when the watermark passes them; processing-time timers when the injected
 * clock does. The current key is set on the backend before the owner's callback runs.
 */
export class InternalTimerService<N> {
  private readonly backend: HeapKeyedStateBackend;
  private readonly scheduler: ProcessingTimeScheduler;
  private readonly target: Triggerable<N>;
  private readonly namespaceId: (namespace: N) => string;
  private readonly eventTime = new TimerQueue<N>();
  private readonly processingTime = new TimerQueue<N>();
  private watermark: Timestamp = MIN_WATERMARK;
  private scheduledAt = Number.POSITIVE_INFINITY;

  constructor(
    backend: HeapKeyedStateBackend,
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
    this.eventTime.add(this.entry(namespace, time));
  }

  deleteEventTimeTimer(namespace: N, time: Timestamp): void {
    this.eventTime.delete(this.id(namespace, time));
  }

  registerProcessingTimeTimer(namespace: N, time: number): void {
    if (this.processingTime.add(this.entry(namespace, time)) && time < this.scheduledAt) {
      this.scheduledAt = time;
      this.scheduler.schedule(time, (now) => this.onProcessingTime(now));
    }
  }

  deleteProcessingTimeTimer(namespace: N, time: number): void {
    this.processingTime.delete(this.id(namespace, time));
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

  /** Live timers, for snapshots. */
  snapshotTimers(): { eventTime: Timer<N>[]; processingTime: Timer<N>[] } {
    return { eventTime: this.eventTime.timers(), processingTime: this.processingTime.timers() };
  }

  private id(namespace: N, time: number): string {
    return `${keyId(this.backend.getCurrentKey())}\u0000${this.namespaceId(namespace)}\u0000${time}`;
  }

  private entry(namespace: N, time: number): Entry<N> {
    const key = this.backend.getCurrentKey();
    return {
      id: this.id(namespace, time),
      timestamp: time,
      key,
      keyGroup: this.backend.getCurrentKeyGroup(),
      namespace,
    };
  }
}
