import { parseArgs } from 'node:util';
import type { RunResult } from './measure.ts';
import { MICRO_QUERIES, makeEvents, runKeyedWindow, runMicro } from './micro/micro-queries.ts';
import { NEXMARK_QUERIES } from './nexmark/queries.ts';
import { type NexmarkRunResult, runNexmark } from './nexmark/run-nexmark.ts';

const USAGE = `usage: npm run bench -- <query> [--events N] [--parallelism P] [--json]
queries: nexmark (all Nexmark queries), ${Object.keys(NEXMARK_QUERIES).join(', ')} (in-process, P subtasks per operator),
micro (all micro queries), ${[...Object.keys(MICRO_QUERIES), 'keyed-window'].map((q) => `micro/${q}`).join(', ')}
micro/keyed-window runs on worker threads: --parallelism P uses P threads.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string' },
    parallelism: { type: 'string' },
    json: { type: 'boolean', default: false },
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

function report(result: RunResult | NexmarkRunResult): void {
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(
    `${result.query.padEnd(20)} p=${result.parallelism} ${result.events} events in ${result.seconds}s: ` +
      `${(result.eventsPerSecond / 1e6).toFixed(2)}M events/s, latency p50 ${result.p50LatencyMs} ms ` +
      `p99 ${result.p99LatencyMs} ms, ${result.cpuSecondsPerMillionEvents} CPU-s/M, peak RSS ${result.peakRssMb} MB\n`,
  );
}

for (const name of nexmarkNames) {
  await runNexmark(name, Math.min(events, 200_000), parallelism); // warm-up (excluded)
  report(await runNexmark(name, events, parallelism));
}

for (const name of names) {
  if (name === 'keyed-window') {
    await runKeyedWindow(Math.min(events, 200_000), parallelism); // warm-up (excluded)
    report(await runKeyedWindow(events, parallelism));
    continue;
  }
  const query = MICRO_QUERIES[name] as (typeof MICRO_QUERIES)[string];
  const data = makeEvents(events, query.keys);
  // Warm-up (excluded): lets the JIT compile the hot path before measuring.
  await runMicro(name, data.slice(0, Math.min(data.length, 200_000)), parallelism);
  report(await runMicro(name, data, parallelism));
}
