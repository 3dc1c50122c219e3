import { SluiceError, userFunctionFailed } from '../../errors.ts';
import type { Collector, KeyedRuntimeContext } from '../../api/functions.ts';
import type { KeyedStateBackend, KeyedStateTable } from '../../state/keyed-state-backend.ts';
import { VOID_NAMESPACE } from '../../state/keyed-state-scope.ts';
import type { KeyType } from '../../state/key-groups.ts';
import { InternalTimerService, type Timer, type Triggerable } from '../../state/timer-service.ts';
import { MAX_WATERMARK, type Timestamp } from '../../time/timestamps.ts';
import {
  isMergingWindowAssigner,
  type MergingWindowAssigner,
  type WindowAssigner,
  type WindowAssignerContext,
} from '../../windowing/assigners/window-assigner.ts';
import type { EvictorContext } from '../../windowing/evictors/evictor.ts';
import {
  addWindow,
  type MergingWindowMap,
  retireWindow,
  stateWindowOf,
} from '../../windowing/internal/merging-window-set.ts';
import type { WindowContents } from '../../windowing/internal/window-contents.ts';
import { WindowProcessContext } from '../../windowing/internal/window-process-context.ts';
import { MERGING_WINDOW_STATE, NamespacedStateStore } from '../../windowing/internal/window-state-stores.ts';
import { WindowTriggerContext } from '../../windowing/internal/window-trigger-context.ts';
import type { ProcessWindowFunction } from '../../windowing/process-window-function.ts';
import { type KeyedStateStore, type Trigger, TriggerResult } from '../../windowing/triggers/trigger.ts';
import type { Window } from '../../windowing/windows/window.ts';
import { EventTimeTrigger } from '../../windowing/triggers/event-time-trigger.ts';
import { ProcessingTimeTrigger } from '../../windowing/triggers/processing-time-trigger.ts';
import {
  AbstractStreamOperator,
  type OneInputStreamOperator,
  type RestorableTimerService,
} from '../stream-operator.ts';
import { GlobalWindow } from '../../windowing/windows/global-window.ts';
import { TimeWindow } from '../../windowing/windows/time-window.ts';

/** The window with id `id` (the inverse of `Window.id` for the built-in window types). */
function windowFromId(id: string): Window {
  return id === GlobalWindow.get().id ? GlobalWindow.get() : TimeWindow.fromId(id);
}

/** The id of a window, or of a restored plain copy of a TimeWindow (which lost its getter). */
function windowIdOf(window: Window | { start: number; end: number }): string {
  if (window instanceof TimeWindow || window instanceof GlobalWindow) return window.id;
  const plain = window as { start: number; end: number };
  return TimeWindow.of(plain.start, plain.end).id;
}
import { requireKeyedBackend } from './keyed-udf-operator.ts';
import { runtimeContextOf } from './process-operator.ts';

/** Everything a {@link WindowOperator} is built from (by `WindowedStream`). */
export interface WindowOperatorSpec<K extends KeyType, IN, S, E, OUT, W extends Window> {
  readonly keySelector: (value: IN) => K;
  readonly assigner: WindowAssigner<IN, W>;
  readonly trigger: Trigger<IN, W>;
  /** How a window keeps its elements (reduced value, accumulator, list, evicting list). */
  readonly contents: WindowContents<IN, S, E>;
  /** Evaluates fired windows; undefined emits the elements (E = OUT) as they are. */
  readonly windowFunction: ProcessWindowFunction<E, OUT, K, W> | undefined;
  /** Event time a window stays open after its end for late elements (ms). */
  readonly allowedLateness: number;
  /** Side output id for elements dropped as late; undefined counts them only. */
  readonly lateDataTag: string | undefined;
}

const CONTENTS_TABLE = '__window-contents';
const MERGING_TABLE = '__window-merging-set';

/** `trigger` is `type`'s shared instance (per subtask) with its own `onElement`. */
function isBuiltIn(
  trigger: Trigger<unknown, Window>,
  type: typeof EventTimeTrigger | typeof ProcessingTimeTrigger,
): boolean {
  return trigger instanceof type && trigger.onElement === type.prototype.onElement;
}

/**
 * Keyed windows with Flink's semantics: assigns each element to windows, keeps per (key, window)
 * state in the keyed backend (namespace = window id), asks the trigger what to do, fires the
 * window function with `window.maxTimestamp()` as the result timestamp, and cleans a window up at
 * `maxTimestamp + allowedLateness` (event time) or `maxTimestamp` (processing time). Elements for
 * windows already cleaned up are late: they go to the late side output if set, else are dropped
 * and counted in {@link numLateRecordsDropped}. Merging assigners (sessions) keep their in-flight
 * windows per key in keyed state and merge contents, trigger state and timers.
 */
export class WindowOperator<K extends KeyType, IN, S, E, OUT, W extends Window>
  extends AbstractStreamOperator<OUT>
  implements OneInputStreamOperator<IN, OUT>, Triggerable<W>, Collector<OUT>, WindowAssignerContext, EvictorContext
{
  /** Elements dropped because every window they belong to was already cleaned up (no late side output set). */
  numLateRecordsDropped = 0;

  private readonly keySelector: (value: IN) => K;
  private readonly assigner: WindowAssigner<IN, W>;
  private readonly merging: MergingWindowAssigner<IN, W> | undefined;
  private readonly trigger: Trigger<IN, W>;
  private readonly contents: WindowContents<IN, S, E>;
  private readonly fn: ProcessWindowFunction<E, OUT, K, W> | undefined;
  private readonly lateness: number;
  private readonly lateTag: string | undefined;
  private readonly eventTime: boolean;
  /** Non-merging windows with the assigner's built-in time trigger (see {@link hasWindowTimers}). */
  private readonly defaultTrigger: boolean;
  private readonly mergeFn = this.mergeWindows.bind(this);

  private backend!: KeyedStateBackend;
  private timers!: InternalTimerService<W>;
  private table!: KeyedStateTable<S>;
  private mergingTable: KeyedStateTable<MergingWindowMap<W>> | undefined;
  private triggerCtx!: WindowTriggerContext<IN, W>;
  private processCtx!: WindowProcessContext<W>;
  /** Key and key group of the element or timer being processed. */
  private key!: K;
  private group = 0;
  private emitTimestamp: Timestamp = 0;

  constructor(spec: WindowOperatorSpec<K, IN, S, E, OUT, W>) {
    super();
    this.keySelector = spec.keySelector;
    this.assigner = spec.assigner;
    this.merging = isMergingWindowAssigner(spec.assigner) ? spec.assigner : undefined;
    this.trigger = spec.trigger;
    this.contents = spec.contents;
    this.fn = spec.windowFunction;
    this.lateness = spec.allowedLateness;
    this.lateTag = spec.lateDataTag;
    this.eventTime = spec.assigner.isEventTime();
    this.defaultTrigger =
      this.merging === undefined &&
      (this.eventTime ? isBuiltIn(spec.trigger, EventTimeTrigger) : isBuiltIn(spec.trigger, ProcessingTimeTrigger));
  }

  override open(): void {
    const backend = requireKeyedBackend(this.ctx.keyedBackend, this.ctx.name);
    this.backend = backend;
    this.table = backend.table<S>(CONTENTS_TABLE);
    this.mergingTable = this.merging === undefined ? undefined : backend.table<MergingWindowMap<W>>(MERGING_TABLE);
    this.timers = new InternalTimerService<W>(backend, this.ctx.processingTime, this, (w) => w.id);
    this.triggerCtx = new WindowTriggerContext<IN, W>(this.trigger, backend, this.timers);
    const globalState = new NamespacedStateStore(backend, VOID_NAMESPACE);
    const windowState =
      this.merging === undefined ? new NamespacedStateStore(backend, undefined) : MERGING_WINDOW_STATE;
    this.processCtx = new WindowProcessContext<W>(
      windowState,
      globalState,
      () => this.timers.currentWatermark(),
      this.ctx.clock,
      this.out as never,
    );
    const runtimeContext: KeyedRuntimeContext = { ...runtimeContextOf(this.ctx), ...bindStore(globalState) };
    try {
      this.fn?.open?.(runtimeContext);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  override close(): void {
    this.fn?.close?.();
  }

  restorableTimerServices(): readonly RestorableTimerService[] {
    return [
      { name: 'window-timers', service: this.timers as InternalTimerService<unknown>, namespaceFromId: windowFromId },
    ];
  }

  /**
   * The current key's merging window set. Sets that come from a snapshot or from a backend that
   * stores bytes (LMDB) hold plain objects, not window classes: their windows are rebuilt in
   * place the first time they are read (one method lookup per read otherwise).
   */
  private mappingOf(table: KeyedStateTable<MergingWindowMap<W>>): MergingWindowMap<W> | undefined {
    const mapping = table.get(this.group, this.key, VOID_NAMESPACE);
    if (mapping === undefined) return undefined;
    const first = mapping.values().next().value;
    if (first === undefined || typeof (first.window as Partial<W>).maxTimestamp === 'function') return mapping;
    for (const [id, entry] of mapping) {
      mapping.set(id, {
        window: windowFromId(entry.window.id ?? id) as W,
        stateWindow: windowFromId(windowIdOf(entry.stateWindow)) as W,
      });
    }
    return mapping;
  }

  /** The operator's timer service (tooling: counting timers). */
  internalTimerServices(): readonly InternalTimerService<unknown>[] {
    return [this.timers as InternalTimerService<unknown>];
  }

  processElement(value: IN, timestamp: Timestamp): void {
    try {
      const key = this.keySelector(value);
      this.backend.setCurrentKey(key);
      this.key = key;
      this.group = this.backend.getCurrentKeyGroup();
      const windows = this.assigner.assignWindows(value, timestamp, this);
      const skipped =
        this.merging === undefined
          ? this.addToWindows(value, timestamp, windows)
          : this.addToMergingWindows(value, timestamp, windows, this.merging);
      if (skipped && this.eventTime && timestamp + this.lateness <= this.timers.currentWatermark()) {
        if (this.lateTag === undefined) this.numLateRecordsDropped++;
        else this.out.collectSide(this.lateTag, value, timestamp);
      }
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  /** Returns true when every window was late (the element was skipped). */
  private addToWindows(value: IN, timestamp: Timestamp, windows: readonly W[]): boolean {
    let skipped = true;
    const { table, contents, triggerCtx } = this;
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i] as W;
      if (this.isWindowLate(window)) continue;
      skipped = false;
      const id = window.id;
      const state = table.get(this.group, this.key, id);
      const next = contents.add(state, value, timestamp);
      if (next !== state) table.put(this.group, this.key, id, next);
      if (state !== undefined && this.hasWindowTimers(window)) continue;
      triggerCtx.setWindow(window);
      const result = triggerCtx.onElement(value, timestamp);
      if (result !== TriggerResult.CONTINUE) this.apply(result, window, id);
      this.registerCleanupTimer(window);
    }
    return skipped;
  }

  private addToMergingWindows(
    value: IN,
    timestamp: Timestamp,
    windows: readonly W[],
    assigner: MergingWindowAssigner<IN, W>,
  ): boolean {
    const mergingTable = this.mergingTable as KeyedStateTable<MergingWindowMap<W>>;
    let mapping = this.mappingOf(mergingTable);
    const stored = mapping !== undefined;
    mapping ??= new Map();
    let skipped = true;
    const { table, contents, triggerCtx } = this;
    for (let i = 0; i < windows.length; i++) {
      const actual = addWindow(mapping, windows[i] as W, assigner as MergingWindowAssigner<unknown, W>, this.mergeFn);
      if (this.isWindowLate(actual)) {
        retireWindow(mapping, actual);
        continue;
      }
      skipped = false;
      const stateWindow = stateWindowOf(mapping, actual);
      if (stateWindow === undefined) {
        throw new SluiceError('ILLEGAL_STATE', `Window ${String(actual)} is not in the in-flight window set.`);
      }
      const id = stateWindow.id;
      const state = table.get(this.group, this.key, id);
      const next = contents.add(state, value, timestamp);
      if (next !== state) table.put(this.group, this.key, id, next);
      triggerCtx.setWindow(actual);
      const result = triggerCtx.onElement(value, timestamp);
      if (result !== TriggerResult.CONTINUE) this.apply(result, actual, id);
      this.registerCleanupTimer(actual);
    }
    this.persist(mapping, stored);
    return skipped;
  }

  /** Windows merged into `mergeResult`: merge trigger state, move timers, fold the contents. */
  private mergeWindows(
    mergeResult: W,
    mergedWindows: readonly W[],
    stateWindowResult: W,
    mergedStateWindows: readonly W[],
  ): void {
    if (
      this.eventTime
        ? this.cleanupTime(mergeResult) <= this.timers.currentWatermark()
        : mergeResult.maxTimestamp() <= this.ctx.clock.now()
    ) {
      throw new SluiceError(
        'ILLEGAL_STATE',
        `Merging produced ${String(mergeResult)}, which ends before the current ${this.eventTime ? 'watermark' : 'processing time'}; ` +
          'a merging window assigner must not shrink windows.',
      );
    }
    const { triggerCtx, table, contents } = this;
    triggerCtx.setWindow(mergeResult);
    triggerCtx.onMerge(mergedWindows);
    for (const m of mergedWindows) {
      triggerCtx.setWindow(m);
      triggerCtx.clear();
      this.deleteCleanupTimer(m);
    }
    // A session that grew without absorbing another keeps its contents where they are.
    if (mergedStateWindows.length === 0) return;
    const targetId = stateWindowResult.id;
    let merged = table.get(this.group, this.key, targetId);
    for (const source of mergedStateWindows) {
      const value = table.get(this.group, this.key, source.id);
      if (value === undefined) continue;
      merged = merged === undefined ? value : contents.merge(merged, value);
      table.remove(this.group, this.key, source.id);
    }
    if (merged !== undefined) table.put(this.group, this.key, targetId, merged);
  }

  override processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    this.timers.advanceWatermark(watermark);
    this.out.emitWatermark(watermark);
  }

  onEventTime(timer: Timer<W>): void {
    this.onTimer(timer, true);
  }

  onProcessingTime(timer: Timer<W>): void {
    this.onTimer(timer, false);
  }

  private onTimer(timer: Timer<W>, eventTimeTimer: boolean): void {
    try {
      const window = timer.namespace;
      this.key = timer.key as K;
      this.group = timer.keyGroup;
      let mapping: MergingWindowMap<W> | undefined;
      let stateId = window.id;
      if (this.mergingTable !== undefined) {
        mapping = this.mappingOf(this.mergingTable);
        const stateWindow = mapping === undefined ? undefined : stateWindowOf(mapping, window);
        // A timer of a window that merged away or was cleaned up: nothing left to do.
        if (mapping === undefined || stateWindow === undefined) return;
        stateId = stateWindow.id;
      }
      const triggerCtx = this.triggerCtx;
      triggerCtx.setWindow(window);
      const result = eventTimeTimer
        ? triggerCtx.onEventTime(timer.timestamp)
        : triggerCtx.onProcessingTime(timer.timestamp);
      if (result !== TriggerResult.CONTINUE) this.apply(result, window, stateId);
      if (this.eventTime === eventTimeTimer && timer.timestamp === this.cleanupTime(window)) {
        this.clearAllState(window, stateId, mapping);
      }
      if (mapping !== undefined) this.persist(mapping, true);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  /** Fires and/or purges the window whose contents live in namespace `stateId`. */
  private apply(result: TriggerResult, window: W, stateId: string): void {
    if (result === TriggerResult.FIRE || result === TriggerResult.FIRE_AND_PURGE) {
      const state = this.table.get(this.group, this.key, stateId);
      if (state !== undefined) this.emit(window, stateId, state);
    }
    if (result === TriggerResult.PURGE || result === TriggerResult.FIRE_AND_PURGE) {
      this.table.remove(this.group, this.key, stateId);
    }
  }

  private emit(window: W, stateId: string, state: S): void {
    const ts = window.maxTimestamp();
    this.emitTimestamp = ts;
    const elements = this.contents.elements(state, window, this);
    const fn = this.fn;
    if (fn === undefined) {
      for (const element of elements) this.out.collect(element as unknown as OUT, ts);
    } else {
      this.processCtx.window = window;
      fn.process(this.key, this.processCtx, elements, this);
    }
    const kept = this.contents.afterFire(state, window, this);
    if (kept === undefined) this.table.remove(this.group, this.key, stateId);
    else if (kept !== state) this.table.put(this.group, this.key, stateId, kept);
  }

  private clearAllState(window: W, stateId: string, mapping: MergingWindowMap<W> | undefined): void {
    this.table.remove(this.group, this.key, stateId);
    this.triggerCtx.setWindow(window);
    this.triggerCtx.clear();
    const clear = this.fn?.clear;
    if (clear !== undefined) {
      this.processCtx.window = window;
      clear.call(this.fn, this.processCtx);
    }
    if (mapping !== undefined) retireWindow(mapping, window);
  }

  private persist(mapping: MergingWindowMap<W>, stored: boolean): void {
    const table = this.mergingTable as KeyedStateTable<MergingWindowMap<W>>;
    if (mapping.size === 0) {
      if (stored) table.remove(this.group, this.key, VOID_NAMESPACE);
    } else if (!stored) {
      table.put(this.group, this.key, VOID_NAMESPACE, mapping);
    }
  }

  /** When the window's state is dropped: end + lateness in event time, the end in processing time. */
  private cleanupTime(window: W): Timestamp {
    const max = window.maxTimestamp();
    if (!this.eventTime) return max;
    const time = max + this.lateness;
    return time >= MAX_WATERMARK ? MAX_WATERMARK : time;
  }

  private isWindowLate(window: W): boolean {
    return this.eventTime && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  /**
   * Whether a window whose contents existed before this element is sure to hold every timer this
   * element would register, so the trigger need not be asked: with the built-in event-time trigger,
   * every element registers the window's end while the end is ahead of the watermark (nothing
   * deletes that timer before it fires or the window is cleaned up, and the watermark never goes
   * back, so the element that created the contents registered it too); with the built-in
   * processing-time trigger, contents exist only until the window's end timer fires and cleans
   * them up. The cleanup timer was registered with the first element either way. Asking again
   * costs lookups in a timer Map holding every key of the window: with many keys, the largest
   * per-record cost of a keyed window (decisions/0004, session 7).
   */
  private hasWindowTimers(window: W): boolean {
    if (!this.defaultTrigger) return false;
    return !this.eventTime || window.maxTimestamp() > this.timers.currentWatermark();
  }

  private registerCleanupTimer(window: W): void {
    const time = this.cleanupTime(window);
    if (time === MAX_WATERMARK) return;
    if (this.eventTime) this.triggerCtx.registerEventTimeTimerFor(window, time);
    else this.triggerCtx.registerProcessingTimeTimerFor(window, time);
  }

  private deleteCleanupTimer(window: W): void {
    const time = this.cleanupTime(window);
    if (time === MAX_WATERMARK) return;
    if (this.eventTime) this.triggerCtx.deleteEventTimeTimerFor(window, time);
    else this.triggerCtx.deleteProcessingTimeTimerFor(window, time);
  }

  // Collector of the window function: results carry the window's max timestamp.
  collect(value: OUT): void {
    this.out.collect(value, this.emitTimestamp);
  }

  // WindowAssignerContext, EvictorContext
  currentProcessingTime(): number {
    return this.ctx.clock.now();
  }

  currentWatermark(): Timestamp {
    return this.timers.currentWatermark();
  }
}

function bindStore(store: NamespacedStateStore): KeyedStateStore {
  return {
    getState: store.getState,
    getListState: store.getListState,
    getMapState: store.getMapState,
    getReducingState: store.getReducingState,
    getAggregatingState: store.getAggregatingState,
  };
}
