/**
 * Backpressure in the single-threaded runtime. An operator that cannot take more input without
 * buffering without bound (async I/O at capacity) implements {@link BackpressureSignal}; the local
 * executor does not poll a source while any operator downstream of it reports backpressure, and
 * polls it again once the operator's pending work (delivered through the mailbox) frees capacity.
 * This is what credit-based flow control will do across threads (DESIGN.md §2).
 */
export interface BackpressureSignal {
  /** True while the operator wants no more input. */
  isBackpressured(): boolean;
}

/** Whether `operator` can signal backpressure. */
export function isBackpressureSignal<T>(operator: T): operator is T & BackpressureSignal {
  return typeof (operator as Partial<BackpressureSignal>).isBackpressured === 'function';
}

/**
 * For every vertex, the backpressure signals of the operators reachable downstream of it
 * (itself included). `edges` are (from, to) vertex ids; `signalsOf` gives a vertex's signalling
 * operator instances.
 */
export function downstreamSignals(
  vertexIds: readonly number[],
  edges: readonly { readonly from: number; readonly to: number }[],
  signalsOf: (vertexId: number) => readonly BackpressureSignal[],
): Map<number, BackpressureSignal[]> {
  const next = new Map<number, number[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const result = new Map<number, BackpressureSignal[]>();
  for (const start of vertexIds) {
    const seen = new Set<number>([start]);
    const stack = [start];
    const signals: BackpressureSignal[] = [];
    while (stack.length > 0) {
      const v = stack.pop() as number;
      signals.push(...signalsOf(v));
      for (const to of next.get(v) ?? []) {
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
      }
    }
    result.set(start, signals);
  }
  return result;
}
