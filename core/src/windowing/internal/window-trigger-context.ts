import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { StateDescriptor } from '../../state/state-descriptors.ts';
import type { InternalTimerService } from '../../state/timer-service.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { type KeyedStateStore, type OnMergeContext, type Trigger, TriggerResult } from '../triggers/trigger.ts';
import type { Window } from '../windows/window.ts';
import { mergeNamespaces, NamespacedStateStore } from './window-state-stores.ts';

/**
 * The one {@link OnMergeContext} of a window operator: runs the trigger for the current key and
 * window (`setWindow` also scopes keyed state to the window). Repeated registrations of the same
 * timer (triggers register per element) are cheap: the timer service finds duplicates by Map lookups.
 */
export class WindowTriggerContext<T, W extends Window> implements OnMergeContext {
  window!: W;
  private readonly trigger: Trigger<T, W>;
  private readonly backend: KeyedStateBackend;
  private readonly timers: InternalTimerService<W>;
  private readonly store: NamespacedStateStore;
  private mergedWindows: readonly W[] = [];

  constructor(trigger: Trigger<T, W>, backend: KeyedStateBackend, timers: InternalTimerService<W>) {
    this.trigger = trigger;
    this.backend = backend;
    this.timers = timers;
    this.store = new NamespacedStateStore(backend, undefined);
  }

  /** Makes `window` current (its id becomes the keyed-state namespace). */
  setWindow(window: W): void {
    this.window = window;
    this.backend.setCurrentNamespace(window.id);
  }

  onElement(element: T, timestamp: Timestamp): TriggerResult {
    return this.trigger.onElement(element, timestamp, this.window, this);
  }

  onEventTime(time: Timestamp): TriggerResult {
    const onEventTime = this.trigger.onEventTime;
    return onEventTime === undefined ? TriggerResult.CONTINUE : onEventTime.call(this.trigger, time, this.window, this);
  }

  onProcessingTime(time: number): TriggerResult {
    const onProcessingTime = this.trigger.onProcessingTime;
    return onProcessingTime === undefined
      ? TriggerResult.CONTINUE
      : onProcessingTime.call(this.trigger, time, this.window, this);
  }

  /** Runs the trigger's onMerge for the current window (the merge result). */
  onMerge(mergedWindows: readonly W[]): void {
    this.mergedWindows = mergedWindows;
    try {
      this.trigger.onMerge?.(this.window, this);
    } finally {
      this.mergedWindows = [];
    }
  }

  /** Runs the trigger's clear for the current window. */
  clear(): void {
    this.trigger.clear?.(this.window, this);
  }

  /** Registers a timer of `window` (not necessarily the current one), e.g. its cleanup timer. */
  registerEventTimeTimerFor(window: W, time: Timestamp): void {
    this.timers.registerEventTimeTimer(window, time);
  }

  registerProcessingTimeTimerFor(window: W, time: number): void {
    this.timers.registerProcessingTimeTimer(window, time);
  }

  deleteEventTimeTimerFor(window: W, time: Timestamp): void {
    this.timers.deleteEventTimeTimer(window, time);
  }

  deleteProcessingTimeTimerFor(window: W, time: number): void {
    this.timers.deleteProcessingTimeTimer(window, time);
  }

  // TriggerContext
  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }
  currentWatermark(): Timestamp {
    return this.timers.currentWatermark();
  }
  registerEventTimeTimer(time: Timestamp): void {
    this.registerEventTimeTimerFor(this.window, time);
  }
  registerProcessingTimeTimer(time: number): void {
    this.registerProcessingTimeTimerFor(this.window, time);
  }
  deleteEventTimeTimer(time: Timestamp): void {
    this.deleteEventTimeTimerFor(this.window, time);
  }
  deleteProcessingTimeTimer(time: number): void {
    this.deleteProcessingTimeTimerFor(this.window, time);
  }
  getState: KeyedStateStore['getState'] = (d) => this.store.getState(d);
  getListState: KeyedStateStore['getListState'] = (d) => this.store.getListState(d);
  getMapState: KeyedStateStore['getMapState'] = (d) => this.store.getMapState(d);
  getReducingState: KeyedStateStore['getReducingState'] = (d) => this.store.getReducingState(d);
  getAggregatingState: KeyedStateStore['getAggregatingState'] = (d) => this.store.getAggregatingState(d);

  // OnMergeContext
  mergePartitionedState(descriptor: StateDescriptor<string>): void {
    const sources: string[] = [];
    for (const w of this.mergedWindows) sources.push(w.id);
    mergeNamespaces(this.backend, descriptor, this.window.id, sources);
  }
}
