import { randomUUID } from 'node:crypto';
import { createKafkaClient, type KafkaAdmin } from '@sluice/core';
import { peakRssMb, round } from '../measure.ts';
import { judgeRateStep, type LagSample, type RateStep } from '../nexmark/kafka/sustainable-throughput.ts';
import { BenchError } from '../errors.ts';
import { forkBenchScript } from './fork-bench-script.ts';
import { type BenchGuarantee, startKafkaMapJob } from './kafka-map-job.ts';

/** Where the Kafka benchmark runs. */
export interface KafkaBenchTarget {
  readonly bootstrapServers: readonly string[];
  /** Partitions of the input and output topics. */
  readonly partitions: number;
  readonly checkpointIntervalMs: number;
}

/** A drain run: N pre-loaded records read, mapped and written as fast as the job can. */
export interface DrainResult {
  readonly guarantee: BenchGuarantee;
  readonly records: number;
  /** From the first record mapped to the job's end (the last commit included). */
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** From the job's start to its first record (connecting, metadata, first fetch). */
  readonly startupSeconds: number;
  readonly checkpoints: number;
  readonly peakRssMb: number;
  readonly cpuSecondsPerMillion: number;
}

/** The rate search of one guarantee. */
export interface SustainableResult {
  readonly guarantee: BenchGuarantee;
  readonly stepSeconds: number;
  readonly steps: readonly RateStep[];
  /** The highest rate sustained (every lower one tried was too); null if even the first was not. */
  readonly sustainableRecordsPerSecond: number | null;
}

/** End-to-end latency at a constant rate. */
export interface LatencyResult {
  readonly guarantee: BenchGuarantee;
  readonly rate: number;
  readonly seconds: number;
  /** Records whose latency was measured (sent after the warm-up). */
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

interface ProducerSummary {
  readonly produced: number;
  readonly seconds: number;
}

interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Creates `<prefix>-in` and `<prefix>-out` topics (unique names, data kept an hour). */
async function createTopics(
  target: KafkaBenchTarget,
  prefix: string,
): Promise<{ readonly input: string; readonly output: string }> {
  const id = randomUUID().slice(0, 8);
  const input = `${prefix}-${id}-in`;
  const output = `${prefix}-${id}-out`;
  const client = await createKafkaClient({ bootstrapServers: target.bootstrapServers, clientId: 'sluice-bench-admin' });
  const admin = client.admin();
  try {
    const configs = { 'retention.ms': String(3_600_000), 'segment.bytes': String(64 * 1024 * 1024) };
    await admin.createTopics([
      { topic: input, partitions: target.partitions, configs },
      { topic: output, partitions: target.partitions, configs },
    ]);
  } finally {
    await admin.close();
  }
  return { input, output };
}

function producerArgs(target: KafkaBenchTarget, topic: string, mode: string[]): string[] {
  return [
    '--bootstrap',
    target.bootstrapServers.join(','),
    '--topic',
    topic,
    '--partitions',
    `${target.partitions}`,
    ...mode,
  ];
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Pre-loads `records` records into a fresh topic (a producer process, not timed), then runs the
 * job bounded to them and measures its drain rate.
 *
 * @example
 * ```ts
 * const r = await drain(target, 'exactly-once', 1_000_000);
 * console.log(r.recordsPerSecond);
 * ```
 */
export async function drain(
  target: KafkaBenchTarget,
  guarantee: BenchGuarantee,
  records: number,
): Promise<DrainResult> {
  const topics = await createTopics(target, `kafka-bench-drain-${guarantee}`);
  await forkBenchScript<ProducerSummary>(
    'kafka-bench-producer',
    producerArgs(target, topics.input, ['--records', `${records}`]),
  ).summary;
  const job = startKafkaMapJob({ ...target, ...topics, guarantee, bounded: true });
  const started = performance.now();
  const cpuAtStart = cpuSeconds();
  try {
    await job.client.result;
    const finished = performance.now();
    const first = job.firstRecordAt() ?? started;
    const written = job.written();
    if (job.read() !== records || written !== records) {
      throw new BenchError('RUN_FAILED', `the job read ${job.read()} and wrote ${written} of ${records} records`);
    }
    const seconds = (finished - first) / 1000;
    return {
      guarantee,
      records,
      seconds: round(seconds),
      recordsPerSecond: Math.round(records / seconds),
      startupSeconds: round((first - started) / 1000),
      checkpoints: job.client.metrics().checkpoints.completed,
      peakRssMb: peakRssMb(),
      cpuSecondsPerMillion: round(((cpuSeconds() - cpuAtStart) * 1e6) / records),
    };
  } finally {
    await job.dispose();
  }
}

/**
 * For each rate (ascending): fresh topics, the job reading from the start, a producer process
 * writing that rate for `stepSeconds`; every 500 ms the lag (records in the input topic minus
 * records the sink had acknowledged or committed) is sampled and judged by `judgeRateStep`
 * (the lag must stop growing). Stops at the first rate not sustained.
 *
 * @example
 * ```ts
 * const r = await sustainable(target, 'at-least-once', [50_000, 100_000], 20);
 * ```
 */
export async function sustainable(
  target: KafkaBenchTarget,
  guarantee: BenchGuarantee,
  rates: readonly number[],
  stepSeconds: number,
  onStep?: (step: RateStep) => void,
): Promise<SustainableResult> {
  const steps: RateStep[] = [];
  let best: number | null = null;
  const client = await createKafkaClient({ bootstrapServers: target.bootstrapServers, clientId: 'sluice-bench-admin' });
  const admin = client.admin();
  try {
    for (const rate of rates) {
      const step = await rateStep(target, guarantee, rate, stepSeconds, admin);
      steps.push(step);
      onStep?.(step);
      if (!step.sustained) break;
      best = rate;
    }
  } finally {
    await admin.close();
  }
  return { guarantee, stepSeconds, steps, sustainableRecordsPerSecond: best };
}

async function rateStep(
  target: KafkaBenchTarget,
  guarantee: BenchGuarantee,
  rate: number,
  stepSeconds: number,
  admin: KafkaAdmin,
): Promise<RateStep> {
  const topics = await createTopics(target, `kafka-bench-rate-${guarantee}-${rate}`);
  const job = startKafkaMapJob({ ...target, ...topics, guarantee, bounded: false });
  try {
    const partitions = await admin.partitionsOf([topics.input]);
    const producer = forkBenchScript<ProducerSummary>(
      'kafka-bench-producer',
      producerArgs(target, topics.input, ['--rate', `${rate}`, '--seconds', `${stepSeconds}`]),
    );
    let done = false;
    const finished = producer.summary.finally(() => {
      done = true;
    });
    const samples: LagSample[] = [];
    const started = performance.now();
    while (!done) {
      const ends = await admin.listOffsets(partitions, { kind: 'latest' });
      samples.push({
        atSeconds: (performance.now() - started) / 1000,
        produced: ends.reduce((sum, o) => sum + o.offset, 0),
        consumed: job.written(),
      });
      await Promise.race([finished.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    await producer.summary;
    return judgeRateStep(rate, samples);
  } finally {
    await job.dispose();
  }
}

/**
 * The job at a constant `rate` for `seconds`, and a read_committed consumer process measuring
 * send-to-committed-output latency of the records sent after the first third (warm-up).
 *
 * @example
 * ```ts
 * const r = await latency(target, 'at-least-once', 50_000, 30);
 * console.log(r.p99Ms);
 * ```
 */
export async function latency(
  target: KafkaBenchTarget,
  guarantee: BenchGuarantee,
  rate: number,
  seconds: number,
): Promise<LatencyResult> {
  const topics = await createTopics(target, `kafka-bench-latency-${guarantee}`);
  const job = startKafkaMapJob({ ...target, ...topics, guarantee, bounded: false });
  try {
    const warmUpMs = (seconds * 1000) / 3;
    let ready: () => void = () => undefined;
    const consumerReady = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const from = performance.timeOrigin + performance.now() + warmUpMs + 2_000;
    const consumer = forkBenchScript<LatencySummary>(
      'kafka-latency-consumer',
      [
        '--bootstrap',
        target.bootstrapServers.join(','),
        '--topic',
        topics.output,
        '--seconds',
        `${seconds + 5 + target.checkpointIntervalMs / 1000 + 3}`,
        '--from',
        `${from}`,
      ],
      (message) => {
        if (message['ready'] === true) ready();
      },
    );
    await Promise.race([consumerReady, consumer.summary]);
    await forkBenchScript<ProducerSummary>(
      'kafka-bench-producer',
      producerArgs(target, topics.input, ['--rate', `${rate}`, '--seconds', `${seconds}`]),
    ).summary;
    const measured = await consumer.summary;
    return {
      guarantee,
      rate,
      seconds,
      samples: measured.count,
      p50Ms: measured.p50Ms,
      p99Ms: measured.p99Ms,
      p999Ms: measured.p999Ms,
      maxMs: measured.maxMs,
    };
  } finally {
    await job.dispose();
  }
}
