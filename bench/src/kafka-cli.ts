import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type DrainResult,
  drain,
  type KafkaBenchTarget,
  type LatencyResult,
  latency,
  type SustainableResult,
  sustainable,
} from './kafka/kafka-bench.ts';
import type { BenchGuarantee } from './kafka/kafka-map-job.ts';
import { type KafkaBenchResults, withKafkaSection } from './kafka/kafka-section.ts';

/*
 * `npm run bench:kafka` (issue #5): Kafka → map → Kafka, one subtask, 200-byte JSON records, per
 * delivery guarantee: the drain rate of a pre-loaded topic, the highest sustainable rate under a
 * constant-rate producer process (rate steps until the lag keeps growing), and the end-to-end
 * latency at half that rate measured by a read_committed consumer process. Writes
 * bench/results/kafka.json and the Kafka section of bench/RESULTS.md (other sections untouched).
 */

const USAGE = `usage: npm run bench:kafka -- [--guarantees at-least-once,exactly-once] [--records N]
         [--rates R1,R2,...] [--step-seconds S] [--latency-seconds S] [--latency-rates ALO,EO]
         [--partitions P] [--checkpoint-interval MS] [--bootstrap host:port]
         [--no-drain] [--no-sustainable] [--no-latency] [--no-write]
       npm run bench:kafka -- --render-only   (re-render the Kafka section of bench/RESULTS.md from
         bench/results/kafka.json and bench/results/kafka-analysis.md, e.g. after editing the analysis)
Brokers: --bootstrap or KAFKA_BOOTSTRAP_SERVERS. Latency runs at half the sustainable (else drain) rate of each
guarantee unless --latency-rates gives them. Results go to bench/results/kafka.json and bench/RESULTS.md
unless --no-write; one JSON line per result goes to stdout.`;

const { values } = parseArgs({
  options: {
    guarantees: { type: 'string', default: 'at-least-once,exactly-once' },
    records: { type: 'string', default: '1000000' },
    rates: { type: 'string', default: '25000,50000,75000,100000,125000,150000,200000' },
    'step-seconds': { type: 'string', default: '20' },
    'latency-seconds': { type: 'string', default: '30' },
    'latency-rates': { type: 'string' },
    partitions: { type: 'string', default: '4' },
    'checkpoint-interval': { type: 'string', default: '1000' },
    bootstrap: { type: 'string' },
    'no-drain': { type: 'boolean', default: false },
    'no-sustainable': { type: 'boolean', default: false },
    'no-latency': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

if (values.help) fail('');
const benchDir = new URL('../', import.meta.url); // bench/ from src/ and from dist/
const resultsFile = new URL('RESULTS.md', benchDir);
if (values['render-only']) {
  writeFileSync(resultsFile, `${withKafkaSection(readFileSync(resultsFile, 'utf8'), benchDir).trimEnd()}\n`);
  process.exit(0);
}
const guarantees = values.guarantees.split(',') as BenchGuarantee[];
if (guarantees.some((g) => g !== 'at-least-once' && g !== 'exactly-once'))
  fail(`--guarantees must list at-least-once and/or exactly-once; got ${values.guarantees}`);
const records = Number(values.records);
if (!Number.isInteger(records) || records <= 0) fail(`--records must be a positive integer; got ${values.records}`);
const rates = values.rates.split(',').map(Number);
if (rates.some((r) => !(r > 0))) fail(`--rates must be positive numbers; got ${values.rates}`);
const stepSeconds = Number(values['step-seconds']);
if (!(stepSeconds >= 3)) fail(`--step-seconds must be at least 3; got ${values['step-seconds']}`);
const latencySeconds = Number(values['latency-seconds']);
if (!(latencySeconds >= 3)) fail(`--latency-seconds must be at least 3; got ${values['latency-seconds']}`);
const latencyRates = values['latency-rates']?.split(',').map(Number);
if (latencyRates?.some((r) => !(r > 0)))
  fail(`--latency-rates must be positive numbers; got ${values['latency-rates']}`);
const partitions = Number(values.partitions);
if (!Number.isInteger(partitions) || partitions <= 0) fail(`--partitions must be a positive integer`);
const checkpointIntervalMs = Number(values['checkpoint-interval']);
if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs <= 0)
  fail('--checkpoint-interval must be a positive integer (ms)');
const bootstrapServers = (values.bootstrap ?? process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '').split(',').filter(Boolean);
if (bootstrapServers.length === 0) fail('no brokers: pass --bootstrap host:port or set KAFKA_BOOTSTRAP_SERVERS');

const target: KafkaBenchTarget = { bootstrapServers, partitions, checkpointIntervalMs };
const log = (line: string): void => {
  process.stderr.write(`[bench:kafka] ${line}\n`);
};
const emit = (kind: string, result: object): void => {
  process.stdout.write(`${JSON.stringify({ kind, ...result })}\n`);
};

const loadAverageBefore = loadavg();
const drains: DrainResult[] = [];
const searches: SustainableResult[] = [];
const latencies: LatencyResult[] = [];
for (const guarantee of guarantees) {
  if (!values['no-drain']) {
    log(`${guarantee}: drain of ${records} pre-loaded records`);
    const d = await drain(target, guarantee, records);
    drains.push(d);
    emit('drain', d);
  }
  if (!values['no-sustainable']) {
    log(`${guarantee}: rate search ${rates.join(', ')} records/s, ${stepSeconds} s each`);
    const s = await sustainable(target, guarantee, rates, stepSeconds, (step) =>
      log(`  ${step.rate}/s: ${step.sustained ? 'sustained' : `not sustained (${step.reason ?? ''})`}`),
    );
    searches.push(s);
    emit('sustainable', s);
  }
  if (!values['no-latency']) {
    const index = guarantees.indexOf(guarantee);
    const reference =
      searches.find((s) => s.guarantee === guarantee)?.sustainableRecordsPerSecond ??
      drains.find((d) => d.guarantee === guarantee)?.recordsPerSecond;
    const rate = latencyRates?.[index] ?? (reference === undefined ? undefined : Math.round(reference / 2));
    if (rate === undefined) {
      log(`${guarantee}: no rate for the latency run (give --latency-rates or run the drain or rate search)`);
    } else {
      log(`${guarantee}: latency at ${rate} records/s for ${latencySeconds} s`);
      const l = await latency(target, guarantee, rate, latencySeconds);
      latencies.push(l);
      emit('latency', l);
    }
  }
}

if (!values['no-write']) {
  const results: KafkaBenchResults = {
    measuredAt: new Date().toISOString().slice(0, 16).replace('T', ' '),
    command: `npm run bench:kafka -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverageBefore,
      loadAverageAfter: loadavg(),
    },
    partitions,
    checkpointIntervalMs,
    drain: drains,
    sustainable: searches,
    latency: latencies,
  };
  writeFileSync(new URL('results/kafka.json', benchDir), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(resultsFile, `${withKafkaSection(readFileSync(resultsFile, 'utf8'), benchDir).trimEnd()}\n`);
  log('wrote bench/results/kafka.json and the Kafka section of bench/RESULTS.md');
}
process.exit(0);
