/**
 * Benchmark instrumentation (it reads the wall clock, so it belongs to the harness, never to an
 * operator): remembers, for every millisecond of event time, the wall time (`performance.now()`)
 * at which the source first generated an event at or past it. An output that became known at
 * event time `t` (a row's own time; a window's end) could not have been produced before
 * `firstAtOrAfter(t)`: the difference to its arrival at the sink is its event-to-output latency.
 */
export class EventTimeProbe {
  private readonly base: number;
  private readonly firstWall: Float64Array;
  private marked: number;

  /** `base`: event time of the first event; `spanMs`: event time covered by the run. */
  constructor(base: number, spanMs: number) {
    this.base = base;
    this.firstWall = new Float64Array(Math.max(1, Math.ceil(spanMs) + 1)).fill(Number.NaN);
    this.marked = -1;
  }

  /** Called by the generator with each event's time. */
  mark(eventTime: number): void {
    const t = eventTime - this.base;
    if (t <= this.marked) return;
    const now = performance.now();
    const last = Math.min(t, this.firstWall.length - 1);
    for (let i = this.marked + 1; i <= last; i++) this.firstWall[i] = now;
    this.marked = t;
  }

  /** Wall time at which event time `eventTime` was first reached; undefined if it never was. */
  firstAtOrAfter(eventTime: number): number | undefined {
    const t = Math.max(0, eventTime - this.base);
    if (t > this.marked || t >= this.firstWall.length) return undefined;
    return this.firstWall[t];
  }
}
