import { createKafkaClient, type KafkaAdmin, KafkaSource, StreamExecutionEnvironment } from '@sluice/core';
import { round } from '../../measure.ts';
import { CountingSink } from '../../micro/counting-sink.ts';
import { nexmarkWatermarks } from '../generator.ts';
import type { NexmarkEvent } from '../model.ts';
import { NEXMARK_QUERIES, type NexmarkQuery } from '../queries.ts';
import { createNexmarkTopic, runNexmarkProducer } from './nexmark-topic.ts';

/** One lag sample: seconds since the step started, events acknowledged by the broker and read by the job. */
export interface LagSample {
  readonly atSeconds: number;
  readonly produced: number;
  readonly consumed: number;
}

/** The outcome of one rate step. */
export interface RateStep {
  /** Target rate, events/s. */
  readonly rate: number;
  /** Rate the producer reached (it may fall short on a loaded machine). */
  readonly producedPerSecond: number;
  /** Rate the job read at over the judged part of the step. */
  readonly consumedPerSecond: number;
  /** Consumer lag (produced - consumed) at the end of the step. */
  readonly finalLag: number;
  /** Growth of the lag over the judged part of the step (least squares), events/s. */
  readonly lagGrowthPerSecond: number;
  /** The job kept up: the lag stopped growing (and the producer reached the rate). */
  readonly sustained: boolean;
  /**
   * The producer could not write the rate (the step says nothing about the job: on a small
   * machine the producer, the broker and the job share the cores).
   */
  readonly producerLimited: boolean;
  /** Why the step is not sustained, or undefined. */
  readonly reason?: string;
}

/**
 * Judges a rate step from its lag samples: the first third of the step is start-up (consumer
 * connecting, JIT) and is skipped; over the rest, the lag must not grow by more than 2% of the
 * rate per second (least-squares slope), and the producer must have reached 95% of the rate
 * (otherwise the step measured the producer, not the job).
 *
 * @example
 * ```ts
 * const step = judgeRateStep(100_000, samples);
 * if (!step.sustained) console.log(step.reason);
 * ```
 */
export function judgeRateStep(rate: number, samples: readonly LagSample[]): RateStep {
  const last = samples.at(-1);
  const span = last?.atSeconds ?? 0;
  const judged = samples.filter((s) => s.atSeconds >= span / 3);
  const first = judged[0];
  if (last === undefined || first === undefined || judged.length < 3 || last.atSeconds <= first.atSeconds) {
    return {
      rate,
      producedPerSecond: 0,
      consumedPerSecond: 0,
      finalLag: 0,
      lagGrowthPerSecond: 0,
      sustained: false,
      producerLimited: false,
      reason: 'too few samples',
    };
  }
  const seconds = last.atSeconds - first.atSeconds;
  const producedPerSecond = (last.produced - first.produced) / seconds;
  const consumedPerSecond = (last.consumed - first.consumed) / seconds;
  const n = judged.length;
  const meanT = judged.reduce((a, s) => a + s.atSeconds, 0) / n;
  const meanLag = judged.reduce((a, s) => a + (s.produced - s.consumed), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of judged) {
    num += (s.atSeconds - meanT) * (s.produced - s.consumed - meanLag);
    den += (s.atSeconds - meanT) ** 2;
  }
  const lagGrowthPerSecond = den === 0 ? 0 : num / den;
  const producerShort = producedPerSecond < 0.95 * rate;
  const lagGrows = lagGrowthPerSecond > 0.02 * rate;
  const reason = producerShort
    ? `the producer reached only ${Math.round(producedPerSecond)} events/s`
    : lagGrows
      ? `the lag grew by ${Math.round(lagGrowthPerSecond)} events/s`
      : undefined;
  return {
    rate,
    producedPerSecond: Math.round(producedPerSecond),
    consumedPerSecond: Math.round(consumedPerSecond),
    finalLag: last.produced - last.consumed,
    lagGrowthPerSecond: Math.round(lagGrowthPerSecond),
    sustained: reason === undefined,
    producerLimited: producerShort,
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Options of {@link sustainableThroughput}. */
export interface SustainableThroughputOptions {
  readonly query: string;
  readonly bootstrapServers: readonly string[];
  readonly partitions: number;
  readonly parallelism: number;
  /** Rates to try, events/s, ascending; the search stops at the first one not sustained. */
  readonly rates: readonly number[];
  /** How long each rate is produced, s. */
  readonly stepSeconds: number;
  /** Called after each step (progress output). */
  readonly onStep?: (step: RateStep) => void;
}

/** What {@link sustainableThroughput} found. */
export interface SustainableThroughputResult {
  readonly query: string;
  readonly source: 'kafka';
  readonly parallelism: number;
  readonly partitions: number;
  readonly stepSeconds: number;
  readonly steps: readonly RateStep[];
  /** The highest rate sustained (every lower one tried was too); null if even the first was not. */
  readonly sustainableEventsPerSecond: number | null;
  /**
   * True when the search ended without finding a rate the job could not keep up with (the
   * producer fell short, or every rate was sustained): the job sustains at least that much.
   */
  readonly lowerBound: boolean;
}

/**
 * Sustainable throughput of a Nexmark query reading Kafka: for each rate (ascending), a fresh
 * topic, the query job reading it from the start (unbounded), and a producer process writing
 * Nexmark events at that constant rate for `stepSeconds`; the lag (acknowledged minus read
 * events) is sampled every 500 ms and judged by {@link judgeRateStep}. Stops at the first rate
 * whose lag keeps growing and reports the highest one before it.
 *
 * @example
 * ```ts
 * const r = await sustainableThroughput({ query: 'q11', bootstrapServers: ['localhost:9092'], partitions: 4,
 *   parallelism: 1, rates: [50_000, 100_000, 200_000], stepSeconds: 20 });
 * console.log(r.sustainableEventsPerSecond);
 * ```
 */
export async function sustainableThroughput(
  options: SustainableThroughputOptions,
): Promise<SustainableThroughputResult> {
  const query = NEXMARK_QUERIES[options.query];
  if (query === undefined) throw new RangeError(`unknown Nexmark query '${options.query}'`);
  const steps: RateStep[] = [];
  let sustainable: number | null = null;
  const admin = (await createKafkaClient({ bootstrapServers: options.bootstrapServers })).admin();
  try {
    for (const rate of options.rates) {
      const step = await runStep(rate, query, options, admin);
      steps.push(step);
      options.onStep?.(step);
      if (!step.sustained) break;
      sustainable = rate;
    }
  } finally {
    await admin.close();
  }
  return {
    query: options.query,
    source: 'kafka',
    parallelism: options.parallelism,
    partitions: options.partitions,
    stepSeconds: round(options.stepSeconds, 1),
    steps,
    sustainableEventsPerSecond: sustainable,
    lowerBound: steps.at(-1)?.sustained !== false || steps.at(-1)?.producerLimited === true,
  };
}

/** One rate step: fresh topic, the job reading it, the producer writing `rate` events/s, lag sampled every 500 ms. */
async function runStep(
  rate: number,
  query: NexmarkQuery,
  options: SustainableThroughputOptions,
  admin: KafkaAdmin,
): Promise<RateStep> {
  const target = await createNexmarkTopic(options.bootstrapServers, `nexmark-rate-${rate}`, options.partitions);
  const env = StreamExecutionEnvironment.create({ parallelism: options.parallelism });
  const source = new KafkaSource<NexmarkEvent>({
    bootstrapServers: target.bootstrapServers,
    topics: [target.topic],
    deserializer: {
      deserialize: (record) => JSON.parse((record.value as Buffer).toString('utf8')) as NexmarkEvent,
    },
  });
  query.build(env.fromSource(source, nexmarkWatermarks(), 'nexmark')).sinkTo(new CountingSink(), 'results');
  const client = env.executeAsync(`nexmark-${options.query}-rate-${rate}`);
  client.result.catch(() => {}); // cancelled at the end of the step
  const consumed = (): number => client.metrics().operators.find((o) => o.name === 'nexmark')?.recordsOut ?? 0;
  const samples: LagSample[] = [];
  const started = performance.now();
  const producing = runNexmarkProducer(target, options.partitions, { rate, seconds: options.stepSeconds });
  let done = false;
  const finished = producing.finally(() => {
    done = true;
  });
  try {
    // Produced = the topic's end offsets (what the broker holds), read = the source's output.
    const partitions = await admin.partitionsOf([target.topic]);
    while (!done) {
      const ends = await admin.listOffsets(partitions, { kind: 'latest' });
      samples.push({
        atSeconds: (performance.now() - started) / 1000,
        produced: ends.reduce((sum, o) => sum + o.offset, 0),
        consumed: consumed(),
      });
      await Promise.race([finished.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    await producing;
  } finally {
    await client.cancel().catch(() => {});
  }
  return judgeRateStep(rate, samples);
}
