import { parseArgs } from 'node:util';
import type { RunResult } from './measure.ts';
import { MICRO_QUERIES, makeEvents, runKeyedWindow, runMicro } from './micro/micro-queries.ts';
import { type PreloadedTopics, preloadNexmarkTopics } from './nexmark/kafka/nexmark-topic.ts';
import { type RateStep, sustainableThroughput } from './nexmark/kafka/sustainable-throughput.ts';
import { NEXMARK_QUERIES } from './nexmark/queries.ts';
import { type NexmarkRunResult, runNexmark } from './nexmark/run-nexmark.ts';

const USAGE = `usage: npm run bench -- <query> [--events N] [--parallelism P] [--checkpoint-interval MS]
         [--source inprocess|kafka] [--partitions N] [--bootstrap host:port] [--json]
       npm run bench -- <nexmark query> --source kafka --sustainable [--rates R1,R2,...] [--step-seconds S]
--checkpoint-interval MS (Nexmark only): checkpoint every MS ms to a temporary directory, report count, duration p50/p99/max, last size.
--source kafka (Nexmark only): a producer process first pre-loads a fresh topic (--partitions, default 4) with the
  events as JSON (not timed), then the query reads it with a bounded KafkaSource. Brokers: --bootstrap or KAFKA_BOOTSTRAP_SERVERS.
--sustainable: for each rate (events/s, ascending; default 50000,100000,200000,300000,400000,600000,800000) a producer
  process writes that rate for --step-seconds (default 20) while the query reads; reports the highest rate whose lag stopped growing.
queries: nexmark (all Nexmark queries), ${Object.keys(NEXMARK_QUERIES).join(', ')} (in-process, P subtasks per operator),
micro (all micro queries), ${[...Object.keys(MICRO_QUERIES), 'keyed-window'].map((q) => `micro/${q}`).join(', ')}
micro/keyed-window runs on worker threads: --parallelism P uses P threads; its sources use watermark
  alignment (--no-watermark-alignment: without, to compare).`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string' },
    parallelism: { type: 'string' },
    'checkpoint-interval': { type: 'string' },
    source: { type: 'string', default: 'inprocess' },
    partitions: { type: 'string', default: '4' },
    bootstrap: { type: 'string' },
    sustainable: { type: 'boolean', default: false },
    rates: { type: 'string', default: '50000,100000,200000,300000,400000,600000,800000' },
    'step-seconds': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    'no-watermark-alignment': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const target = positionals[0];
if (values.help || target === undefined) fail('which benchmark?');
const events = Number(values.events ?? 2_000_000);
const parallelism = Number(values.parallelism ?? 1);
if (!Number.isInteger(events) || events <= 0) fail(`--events must be a positive integer; got ${values.events}`);
if (!Number.isInteger(parallelism) || parallelism <= 0)
  fail(`--parallelism must be a positive integer; got ${values.parallelism}`);

const checkpointIntervalMs =
  values['checkpoint-interval'] === undefined ? undefined : Number(values['checkpoint-interval']);
if (checkpointIntervalMs !== undefined && (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs <= 0))
  fail(`--checkpoint-interval must be a positive integer (ms); got ${values['checkpoint-interval']}`);

const source = values.source;
if (source !== 'inprocess' && source !== 'kafka') fail(`--source must be inprocess or kafka; got ${source}`);
const partitions = Number(values.partitions);
if (!Number.isInteger(partitions) || partitions <= 0)
  fail(`--partitions must be a positive integer; got ${values.partitions}`);
const bootstrap = (values.bootstrap ?? process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '').split(',').filter(Boolean);
if (source === 'kafka' && bootstrap.length === 0)
  fail('--source kafka needs brokers: pass --bootstrap host:port or set KAFKA_BOOTSTRAP_SERVERS');
if (values.sustainable && source !== 'kafka') fail('--sustainable measures a query reading Kafka: add --source kafka');
const rates = values.rates.split(',').map(Number);
if (rates.some((r) => !(r > 0))) fail(`--rates must be positive numbers (events/s); got ${values.rates}`);
const stepSeconds = Number(values['step-seconds']);
if (!(stepSeconds >= 3)) fail(`--step-seconds must be at least 3; got ${values['step-seconds']}`);

const nexmark = Object.keys(NEXMARK_QUERIES);
const known = [...Object.keys(MICRO_QUERIES), 'keyed-window'];
const nexmarkNames = target === 'nexmark' ? nexmark : nexmark.includes(target) ? [target] : [];
const names =
  nexmarkNames.length > 0
    ? []
    : target === 'micro'
      ? known
      : target.startsWith('micro/') && known.includes(target.slice(6))
        ? [target.slice(6)]
        : fail(`unknown benchmark '${target}'`);

function checkpointLine(result: RunResult | NexmarkRunResult): string {
  if (!('checkpoints' in result) || result.checkpointIntervalMs === null) return '';
  if (result.checkpoints === 0) return `, 0 checkpoints (every ${result.checkpointIntervalMs} ms)`;
  const mb = ((result.checkpointLastSizeBytes ?? 0) / 1e6).toFixed(1);
  return (
    `, ${result.checkpoints} checkpoints (every ${result.checkpointIntervalMs} ms): p50 ${result.checkpointP50Ms} ms ` +
    `p99 ${result.checkpointP99Ms} ms max ${result.checkpointMaxMs} ms, last ${mb} MB`
  );
}

function report(result: RunResult | NexmarkRunResult): void {
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(
    `${result.query.padEnd(20)} p=${result.parallelism} ${result.events} events in ${result.seconds}s: ` +
      `${(result.eventsPerSecond / 1e6).toFixed(2)}M events/s` +
      `${result.steadyEventsPerSecond === undefined ? '' : ` (steady state ${(result.steadyEventsPerSecond / 1e6).toFixed(2)}M)`}, latency p50 ${result.p50LatencyMs} ms ` +
      `p99 ${result.p99LatencyMs} ms, ${result.cpuSecondsPerMillion} CPU-s/M, peak RSS ${result.peakRssMb} MB` +
      `${checkpointLine(result)}\n`,
  );
}

function stepLine(step: RateStep): string {
  return (
    `rate ${step.rate} events/s: produced ${step.producedPerSecond}/s, read ${step.consumedPerSecond}/s, ` +
    `lag ${step.finalLag} (growing ${step.lagGrowthPerSecond}/s): ${step.sustained ? 'sustained' : `not sustained (${step.reason})`}`
  );
}

if (values.sustainable) {
  if (nexmarkNames.length === 0) fail('--sustainable works with Nexmark queries only');
  for (const name of nexmarkNames) {
    const result = await sustainableThroughput({
      query: name,
      bootstrapServers: bootstrap,
      partitions,
      parallelism,
      rates: [...rates].sort((a, b) => a - b),
      stepSeconds,
      onStep: (step) => {
        if (!values.json) process.stdout.write(`${name.padEnd(6)} ${stepLine(step)}\n`);
      },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else
      process.stdout.write(
        `${name.padEnd(6)} sustainable throughput: ${result.lowerBound ? 'at least ' : ''}` +
          `${result.sustainableEventsPerSecond ?? 'none'} events/s` +
          `${result.steps.at(-1)?.producerLimited ? ' (the producer could not write faster on this machine)' : ''}\n`,
      );
  }
  process.exit(0);
}

// --source kafka: pre-load once (a producer process, not timed), then every query reads the same topics.
const topics: PreloadedTopics | undefined =
  source === 'kafka' && nexmarkNames.length > 0
    ? await preloadNexmarkTopics(bootstrap, partitions, events, Math.min(events, 200_000))
    : undefined;
if (topics !== undefined && !values.json) {
  process.stderr.write(
    `pre-loaded ${events} events into ${topics.main.topic} in ${topics.preloadSeconds.toFixed(1)} s\n`,
  );
}

for (const name of nexmarkNames) {
  const warmUpEvents = topics?.warmUpEvents ?? Math.min(events, 200_000);
  await runNexmark(name, warmUpEvents, parallelism, { checkpointIntervalMs, kafka: topics?.warmUp }); // warm-up (excluded)
  report(await runNexmark(name, events, parallelism, { checkpointIntervalMs, kafka: topics?.main }));
}

for (const name of names) {
  if (name === 'keyed-window') {
    const aligned = !values['no-watermark-alignment'];
    await runKeyedWindow(Math.min(events, 200_000), parallelism, aligned); // warm-up (excluded)
    report(await runKeyedWindow(events, parallelism, aligned));
    continue;
  }
  const query = MICRO_QUERIES[name] as (typeof MICRO_QUERIES)[string];
  const data = makeEvents(events, query.keys);
  // Warm-up (excluded): lets the JIT compile the hot path before measuring.
  await runMicro(name, data.slice(0, Math.min(data.length, 200_000)), parallelism);
  report(await runMicro(name, data, parallelism));
}
