import { describe, expect, it } from 'vitest';
import { runKeyedWindow, steadyEventsPerSecond, type WindowFired } from '../index.ts';

describe('steadyEventsPerSecond', () => {
  it('divides the events between the windows closing 10% and 90% into the run by the wall time between them', () => {
    // 2M events at 100 per ms: 20 windows of 1 s event time; 10% = 2 000 ms, 90% = 18 000 ms.
    const marks: WindowFired[] = [];
    for (let end = 1000; end <= 20_000; end += 1000) {
      // A slow start: the first two windows take 500 ms each, then 100 ms per window.
      const atMs = 1_000_000 + (end <= 2000 ? end / 2 : 1000 + (end - 2000) / 10);
      marks.push({ end, atMs });
    }
    // Windows 2 000 → 18 000: 16 s of event time = 1.6M events in 1.6 s of wall time.
    expect(steadyEventsPerSecond(marks, 2_000_000, 100)).toBe(1_000_000);
  });

  it('takes a window as fired when its last thread fired it', () => {
    const marks: WindowFired[] = [
      { end: 1000, atMs: 100 },
      { end: 1000, atMs: 90 }, // the other thread, earlier
      { end: 9000, atMs: 500 },
      { end: 9000, atMs: 600 },
    ];
    // 8 000 ms of event time × 100 events/ms = 800k events in 0.5 s.
    expect(steadyEventsPerSecond(marks, 1_000_000, 100)).toBe(1_600_000);
  });

  it('is undefined for a run too short to have two windows inside its middle', () => {
    expect(steadyEventsPerSecond([{ end: 1000, atMs: 5 }], 200_000, 100)).toBeUndefined();
    expect(steadyEventsPerSecond([], 10_000_000, 100)).toBeUndefined();
  });
});

describe('runKeyedWindow', () => {
  it('reports a steady-state rate on every in-process run, not only the first', async () => {
    // The job's probes are module state shared by in-process runs (the CLI's warm-up and measured
    // run): a stale "last window fired" from the first run would hide every mark of the second.
    const first = await runKeyedWindow(600_000, 1);
    const second = await runKeyedWindow(600_000, 1);
    for (const run of [first, second]) {
      expect(run.outputs).toBeGreaterThan(0);
      expect(run.steadyEventsPerSecond).toBeGreaterThan(0);
    }
    // Window latencies start from this run's own source: none may span the two runs.
    expect(second.p99LatencyMs).toBeLessThan(first.seconds * 1000);
  });
});
