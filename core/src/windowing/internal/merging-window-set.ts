import { SluiceError } from '../../errors.ts';
import type { MergingWindowAssigner } from '../assigners/window-assigner.ts';
import { EventTimeSessionWindows } from '../assigners/event-time-session-windows.ts';
import { ProcessingTimeSessionWindows } from '../assigners/processing-time-session-windows.ts';
import { TimeWindow } from '../windows/time-window.ts';
import type { Window } from '../windows/window.ts';

/** An in-flight window of a merging assigner and the window whose namespace holds its state. */
export interface MergingWindowEntry<W extends Window> {
  readonly window: W;
  readonly stateWindow: W;
}

/**
 * The in-flight windows of one key (window id → entry), kept as is in keyed state so it is part
 * of snapshots. When windows merge, the state stays in the namespace of one of them (the "state
 * window") instead of being copied (Flink's MergingWindowSet).
 */
export type MergingWindowMap<W extends Window> = Map<string, MergingWindowEntry<W>>;

/**
 * Called when windows merge: `mergedWindows` (the existing windows that became `mergeResult`)
 * and their state windows, to fold into `stateWindowResult`.
 */
export type MergeFunction<W extends Window> = (
  mergeResult: W,
  mergedWindows: readonly W[],
  stateWindowResult: W,
  mergedStateWindows: readonly W[],
) => void;

/** The state window of an in-flight window, or undefined if it is not in flight. */
export function stateWindowOf<W extends Window>(mapping: MergingWindowMap<W>, window: W): W | undefined {
  return mapping.get(window.id)?.stateWindow;
}

/** Removes a window that is done (cleaned up, or late on arrival). */
export function retireWindow<W extends Window>(mapping: MergingWindowMap<W>, window: W): void {
  if (!mapping.delete(window.id)) {
    throw new SluiceError('ILLEGAL_STATE', `Window ${String(window)} is not in the in-flight window set.`);
  }
}

function removeOne<W extends Window>(list: W[], window: W): boolean {
  let i = list.indexOf(window);
  if (i < 0) i = list.findIndex((w) => w.id === window.id);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

const NO_WINDOWS: readonly never[] = Object.freeze([]);

/** Whether the assigner merges exactly the TimeWindows that intersect (`TimeWindow.mergeWindows`). */
function mergesIntersectingTimeWindows(assigner: MergingWindowAssigner<unknown, Window>): boolean {
  // Both classes have private constructors, so no subclass can change how they merge.
  return assigner instanceof EventTimeSessionWindows || assigner instanceof ProcessingTimeSessionWindows;
}

/**
 * {@link addWindow} for session assigners when the key has at most one window in flight (nearly
 * always): the same outcome as the general path, without building, sorting and copying arrays.
 * Returns undefined when it does not apply.
 */
function addTimeWindowFast<W extends Window>(
  mapping: MergingWindowMap<W>,
  newWindow: W,
  merge: MergeFunction<W>,
): W | undefined {
  if (mapping.size > 1 || !(newWindow instanceof TimeWindow)) return undefined;
  if (mapping.size === 0) {
    mapping.set(newWindow.id, { window: newWindow, stateWindow: newWindow });
    return newWindow;
  }
  const entry = mapping.values().next().value as MergingWindowEntry<W>;
  const existing = entry.window;
  if (!(existing instanceof TimeWindow)) return undefined;
  if (!existing.intersects(newWindow)) {
    mapping.set(newWindow.id, { window: newWindow, stateWindow: newWindow });
    return newWindow;
  }
  // Inside the in-flight window (e.g. bids of the same millisecond): nothing changes.
  if (existing.start <= newWindow.start && newWindow.end <= existing.end) return existing as W;
  const cover = existing.cover(newWindow) as unknown as W;
  mapping.delete(existing.id);
  mapping.set(cover.id, { window: cover, stateWindow: entry.stateWindow });
  merge(cover, [existing as W], entry.stateWindow, NO_WINDOWS);
  return cover;
}

/**
 * Adds `newWindow` to the in-flight windows, merging as the assigner says; `merge` is called for
 * every merge that involves existing windows. Returns the window `newWindow` ended up in.
 */
export function addWindow<W extends Window>(
  mapping: MergingWindowMap<W>,
  newWindow: W,
  assigner: MergingWindowAssigner<unknown, W>,
  merge: MergeFunction<W>,
): W {
  if (mergesIntersectingTimeWindows(assigner)) {
    const fast = addTimeWindowFast(mapping, newWindow, merge);
    if (fast !== undefined) return fast;
  }
  const windows: W[] = [];
  for (const entry of mapping.values()) windows.push(entry.window);
  windows.push(newWindow);
  const results: { result: W; merged: W[] }[] = [];
  assigner.mergeWindows(windows, (toBeMerged, mergeResult) =>
    results.push({ result: mergeResult, merged: [...toBeMerged] }),
  );

  let resultWindow = newWindow;
  let mergedNewWindow = false;
  for (const { result: mergeResult, merged: mergedWindows } of results) {
    if (removeOne(mergedWindows, newWindow)) {
      mergedNewWindow = true;
      resultWindow = mergeResult;
    }
    const first = mergedWindows[0];
    const firstEntry = first === undefined ? undefined : mapping.get(first.id);
    if (firstEntry === undefined) {
      throw new SluiceError(
        'ILLEGAL_STATE',
        `Merging windows reported a window that is not in flight: ${String(first)}.`,
      );
    }
    const mergedStateWindow = firstEntry.stateWindow;
    const mergedStateWindows: W[] = [];
    for (const w of mergedWindows) {
      const entry = mapping.get(w.id);
      if (entry !== undefined) {
        mergedStateWindows.push(entry.stateWindow);
        mapping.delete(w.id);
      }
    }
    mapping.set(mergeResult.id, { window: mergeResult, stateWindow: mergedStateWindow });
    removeOne(mergedStateWindows, mergedStateWindow);
    const onlyItself = mergedWindows.length === 1 && (mergedWindows[0] as W).id === mergeResult.id;
    if (!onlyItself) merge(mergeResult, mergedWindows, mergedStateWindow, mergedStateWindows);
  }
  if (results.length === 0 || (resultWindow === newWindow && !mergedNewWindow)) {
    mapping.set(resultWindow.id, { window: resultWindow, stateWindow: resultWindow });
  }
  return resultWindow;
}
