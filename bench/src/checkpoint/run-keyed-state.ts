import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type CheckpointMetrics, StateBackends, startJob } from '@sluice/core';
import { peakRssMb, round } from '../measure.ts';
import type { CountingSink } from '../micro/counting-sink.ts';
import type { KeyedStateParams } from './keyed-state.job.ts';

const fromSource = import.meta.url.endsWith('.ts');
/** The job module, as the worker-free `startJob` loads it. */
export const KEYED_STATE_JOB = new URL(fromSource ? './keyed-state.job.ts' : './keyed-state.job.js', import.meta.url);

/** One completed checkpoint as seen by polling `JobClient.metrics()`. */
export interface ObservedCheckpoint {
  readonly checkpointId: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
}

/** What one run of the keyed-state job measured. */
export interface KeyedStateRunResult {
  /** `heap` or `lmdb` (incremental checkpoints). */
  readonly backend: string;
  readonly storage: string;
  readonly events: number;
  readonly keys: number;
  readonly intervalMs: number | undefined;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly cpuSecondsPerMillionEvents: number;
  readonly peakRssMb: number;
  readonly outputs: number;
  readonly checkpoints: readonly ObservedCheckpoint[];
  readonly failedCheckpoints: number;
  /**
   * How late a 1 ms timer of this thread ran (ms), over the run: the longest stretches of work
   * that did not yield, the job's own (a batch, the firing at end of input, GC) and the
   * checkpoints' (the barrier, one slice of the snapshot, the digest steps). Absent in results
   * recorded before it was measured.
   */
  readonly loopDelayMs?: { readonly p99: number; readonly p999: number; readonly max: number };
}

/**
 * Runs the keyed-state job to the end in this process (one thread) and polls its checkpoint
 * metrics every 10 ms, recording every completed checkpoint's duration and size. Keyed state
 * lives on the heap, or in LMDB with `backend: 'lmdb'` (working files under `lmdbDirectory`).
 *
 * @example
 * ```ts
 * const r = await runKeyedState({ events: 10_000_000, keys: 1_000_000, storage: 'fs', directory: '/tmp/chk' }, 'heap');
 * ```
 */
export async function runKeyedState(
  params: KeyedStateParams,
  backend: 'heap' | 'lmdb' = 'heap',
  lmdbDirectory?: string,
): Promise<KeyedStateRunResult> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const job = await startJob<{ sink: CountingSink<number> }>(KEYED_STATE_JOB, {
    params,
    stateBackend:
      backend === 'lmdb'
        ? StateBackends.lmdb(lmdbDirectory === undefined ? {} : { directory: lmdbDirectory })
        : StateBackends.heap(),
  });
  const checkpoints: ObservedCheckpoint[] = [];
  let last: number | undefined;
  const observe = (m: CheckpointMetrics): void => {
    if (m.lastCheckpointId === undefined || m.lastCheckpointId === last) return;
    last = m.lastCheckpointId;
    checkpoints.push({
      checkpointId: m.lastCheckpointId,
      durationMs: m.lastDurationMs ?? 0,
      sizeBytes: m.lastSizeBytes ?? 0,
    });
  };
  const poll = setInterval(() => observe(job.metrics().checkpoints), 10);
  try {
    await job.result;
  } finally {
    clearInterval(poll);
  }
  observe(job.metrics().checkpoints);
  delay.disable();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const events = Number(params['events']);
  return {
    backend,
    storage: String(params['storage'] ?? 'none'),
    events,
    keys: Number(params['keys'] ?? 1_000_000),
    intervalMs:
      params['storage'] === undefined || params['storage'] === 'none' ? undefined : Number(params['interval'] ?? 1_000),
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round(events / seconds),
    cpuSecondsPerMillionEvents: round((cpu.user + cpu.system) / 1e6 / (events / 1e6), 3),
    peakRssMb: peakRssMb(),
    outputs: job.built.sink.count,
    checkpoints,
    failedCheckpoints: job.metrics().checkpoints.failed,
    loopDelayMs: {
      p99: round(delay.percentile(99) / 1e6, 1),
      p999: round(delay.percentile(99.9) / 1e6, 1),
      max: round(delay.max / 1e6, 1),
    },
  };
}
