import type { KeyType } from '../../state/key-groups.ts';

/** Up to two live timer times of one (key, window); NaN = free. */
interface Slots {
  a: number;
  b: number;
}

/**
 * Remembers timers a window operator registered and that have not fired or been deleted, per
 * (key, window): up to two times each (a trigger's timer and the cleanup timer). Triggers register
 * their timer for every element (as Flink's do); with the memo, repeats cost two Map lookups
 * instead of building the timer service's id string. Forgetting is always safe (the timer service
 * deduplicates too); the memo only must never claim a timer that is not live, so the operator
 * calls `remove` for every timer that fires or is deleted. Not part of snapshots.
 */
export class TimerMemo {
  private readonly byKey = new Map<KeyType, Map<string, Slots>>();

  /** True if the timer is known to be live; otherwise records it (the caller registers it). */
  add(key: KeyType, namespace: string, time: number): boolean {
    let byNamespace = this.byKey.get(key);
    if (byNamespace === undefined) {
      byNamespace = new Map();
      this.byKey.set(key, byNamespace);
    }
    const slots = byNamespace.get(namespace);
    if (slots === undefined) {
      byNamespace.set(namespace, { a: time, b: Number.NaN });
      return false;
    }
    if (slots.a === time || slots.b === time) return true;
    if (Number.isNaN(slots.b)) slots.b = time;
    else {
      // Both taken: keep the newest two.
      slots.a = slots.b;
      slots.b = time;
    }
    return false;
  }

  /** The timer fired or was deleted. */
  remove(key: KeyType, namespace: string, time: number): void {
    const byNamespace = this.byKey.get(key);
    const slots = byNamespace?.get(namespace);
    if (byNamespace === undefined || slots === undefined) return;
    if (slots.a === time) slots.a = Number.NaN;
    if (slots.b === time) slots.b = Number.NaN;
    if (Number.isNaN(slots.a) && Number.isNaN(slots.b)) {
      byNamespace.delete(namespace);
      if (byNamespace.size === 0) this.byKey.delete(key);
    } else if (Number.isNaN(slots.a)) {
      slots.a = slots.b;
      slots.b = Number.NaN;
    }
  }
}
