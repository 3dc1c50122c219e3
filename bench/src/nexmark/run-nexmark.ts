import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataGeneratorSource,
  FsCheckpointStorage,
  KafkaSource,
  type Source,
  StreamExecutionEnvironment,
  SystemClock,
} from '@sluice/core';
import { LatencyRecorder, peakRssMb, type RunResult, round } from '../measure.ts';
import { type CheckpointStats, checkpointStats } from './checkpoint-stats.ts';
import { DEFAULT_NEXMARK_CONFIG } from './config.ts';
import { EventTimeProbe } from './event-time-probe.ts';
import { nexmarkGenerator, nexmarkTimestamp, nexmarkWatermarks } from './generator.ts';
import { LatencySink } from './latency-sink.ts';
import type { NexmarkEvent } from './model.ts';
import type { NexmarkKafkaTarget } from './kafka/nexmark-topic.ts';
import { NEXMARK_QUERIES } from './queries.ts';

/**
 * One Nexmark run's figures: {@link RunResult}, except that latency is `null` when no output had
 * a measurable latency (e.g. a run too short for any window to close before the end of input),
 * and the run's checkpoints ({@link CheckpointStats}).
 */
export interface NexmarkRunResult extends Omit<RunResult, 'p50LatencyMs' | 'p99LatencyMs'>, CheckpointStats {
  readonly p50LatencyMs: number | null;
  readonly p99LatencyMs: number | null;
  /** Where the events came from: `inprocess` (the seeded generator in the job's process) or `kafka`. */
  readonly source: 'inprocess' | 'kafka';
  /** The checkpoint interval of the run, ms; null without checkpointing. */
  readonly checkpointIntervalMs: number | null;
}

/** Options of {@link runNexmark}. */
export interface NexmarkRunOptions {
  /**
   * Checkpoint every this many ms (exactly-once, heap state, filesystem storage in a temporary
   * directory that is removed after the run). Default: no checkpoints.
   */
  readonly checkpointIntervalMs?: number;
  /**
   * Read the events from this Kafka topic (bounded at its end offsets when the job starts; it must
   * hold exactly `events` Nexmark events as JSON, see `runNexmarkProducer`) instead of generating
   * them in-process.
   */
  readonly kafka?: NexmarkKafkaTarget;
}

/**
 * The run's source. The probe learns when each event time was first reached: as the in-process
 * generator makes an event, or as an event read from Kafka is deserialized.
 */
function sourceOf(
  events: number,
  probe: EventTimeProbe,
  kafka: NexmarkKafkaTarget | undefined,
): Source<NexmarkEvent, never, never> | Source<NexmarkEvent> {
  if (kafka !== undefined) {
    return new KafkaSource<NexmarkEvent>({
      bootstrapServers: kafka.bootstrapServers,
      topics: [kafka.topic],
      bounded: 'latest-at-start',
      deserializer: {
        deserialize: (record) => {
          const e = JSON.parse((record.value as Buffer).toString('utf8')) as NexmarkEvent;
          probe.mark(e.dateTime);
          return e;
        },
      },
    });
  }
  const generate = nexmarkGenerator();
  return new DataGeneratorSource<NexmarkEvent>({
    count: events,
    generate: (n, random) => {
      const e = generate(n, random);
      probe.mark(e.dateTime);
      return e;
    },
  });
}

/**
 * Runs one Nexmark query in-process over `events` generated events (seed 0, reference settings)
 * with `parallelism` subtasks per operator, and measures it. The events come from the in-process
 * generator, or with `kafka` from a topic pre-loaded with the same events. Latency is
 * event-to-output: for each (sampled) output, the wall time from the moment the source first
 * generated (or read) an event at or past the output's event time (see `NexmarkQuery.outputTime`)
 * until the output reached the sink. The source runs unthrottled, so this includes batching and watermark delays
 * but no waiting for a real-time event clock. For processing-time queries (q12) latency is the
 * system clock at the sink minus the moment the window's timer was due. With
 * `checkpointIntervalMs`, the run checkpoints to a temporary directory and reports the count,
 * duration percentiles and last size of its checkpoints.
 *
 * @example
 * ```ts
 * const result = await runNexmark('q5', 1_000_000, 2, { checkpointIntervalMs: 10_000 });
 * console.log(result.eventsPerSecond, result.p99LatencyMs, result.checkpoints, result.checkpointP99Ms);
 * ```
 */
export async function runNexmark(
  name: string,
  events: number,
  parallelism: number,
  options: NexmarkRunOptions = {},
): Promise<NexmarkRunResult> {
  const query = NEXMARK_QUERIES[name];
  if (query === undefined) throw new RangeError(`unknown Nexmark query '${name}'`);
  const base = DEFAULT_NEXMARK_CONFIG.baseTime;
  const probe = new EventTimeProbe(base, nexmarkTimestamp(events) - base);
  const latency = new LatencyRecorder();
  const clock = new SystemClock();
  const latencyOf =
    query.latencyClock === 'processing'
      ? (out: unknown, ts: number): number => clock.now() - query.outputTime(out, ts)
      : (out: unknown, ts: number): number | undefined => {
          const reached = probe.firstAtOrAfter(query.outputTime(out, ts));
          return reached === undefined ? undefined : performance.now() - reached;
        };
  const sink = new LatencySink(latencyOf, latency, query.latencySampling);
  const source = sourceOf(events, probe, options.kafka);
  const env = StreamExecutionEnvironment.create({ parallelism, clock });
  const interval = options.checkpointIntervalMs;
  const checkpointDir = interval === undefined ? undefined : mkdtempSync(join(tmpdir(), 'sluice-bench-chk-'));
  try {
    if (checkpointDir !== undefined) {
      // Keep every checkpoint (the directory goes away after the run) so all durations are listed.
      env.enableCheckpointing(interval as number, {
        storage: new FsCheckpointStorage({ directory: checkpointDir }),
        retainedCheckpoints: 1_000_000,
      });
    }
    query.build(env.fromSource(source, nexmarkWatermarks(), 'nexmark')).sinkTo(sink, 'results');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const client = env.executeAsync(`nexmark-${name}`);
    await client.result;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const measured = sink.samples > 0;
    return {
      query: name,
      source: options.kafka === undefined ? 'inprocess' : 'kafka',
      events,
      parallelism,
      seconds: round(seconds, 3),
      eventsPerSecond: Math.round(events / seconds),
      p50LatencyMs: measured ? round(latency.percentile(50), 3) : null,
      p99LatencyMs: measured ? round(latency.percentile(99), 3) : null,
      peakRssMb: peakRssMb(),
      cpuSecondsPerMillion: round((cpu.user + cpu.system) / 1e6 / (events / 1e6), 3),
      outputs: sink.count,
      checkpointIntervalMs: interval ?? null,
      ...checkpointStats(checkpointDir === undefined ? [] : await client.listCheckpoints()),
    };
  } finally {
    if (checkpointDir !== undefined) rmSync(checkpointDir, { recursive: true, force: true });
  }
}
