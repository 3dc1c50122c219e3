import { readFileSync } from 'node:fs';
import type { DrainResult, LatencyResult, SustainableResult } from './kafka-bench.ts';

/** What `npm run bench:kafka` keeps in bench/results/kafka.json. */
export interface KafkaBenchResults {
  readonly measuredAt: string;
  readonly command: string;
  readonly machine: {
    readonly cpus: string;
    readonly cores: number;
    readonly loadAverageBefore: readonly number[];
    readonly loadAverageAfter: readonly number[];
  };
  readonly partitions: number;
  readonly checkpointIntervalMs: number;
  readonly drain: readonly DrainResult[];
  readonly sustainable: readonly SustainableResult[];
  readonly latency: readonly LatencyResult[];
}

const HEADING = '## Kafka → map → Kafka';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const load = (l: readonly number[]): string => l.map((x) => x.toFixed(1)).join(' / ');

/**
 * The Kafka section of bench/RESULTS.md: drain rates, sustainable rates and latency per
 * guarantee, the issue's targets with met / not met, then `analysis` (hand-written) as is.
 *
 * @example
 * ```ts
 * const markdown = kafkaSectionMarkdown(results, readFileSync('bench/results/kafka-analysis.md', 'utf8'));
 * ```
 */
export function kafkaSectionMarkdown(r: KafkaBenchResults, analysis: string): string {
  const out = [
    HEADING,
    '',
    `Issue #5: one subtask reads 200-byte JSON payments from a ${r.partitions}-partition topic (KafkaSource, ` +
      '`json()`), adds a field (map) and writes JSON to another topic (KafkaSink keyed by card), checkpointing every ' +
      `${int(r.checkpointIntervalMs)} ms to the local filesystem in both modes. One local broker (KRaft, JVM) on the ` +
      `same ${r.machine.cores}-vCPU machine (${r.machine.cpus}), shared with other work: load average (1/5/15 min) ` +
      `${load(r.machine.loadAverageBefore)} before, ${load(r.machine.loadAverageAfter)} after. Measured ${r.measuredAt}.`,
    '',
    `Command: \`${r.command}\``,
    '',
  ];
  if (r.drain.length > 0) {
    out.push(
      '### Drain rate (pre-loaded topic, read to its end)',
      '',
      '| guarantee | records | seconds | records/s | start-up (s) | checkpoints | CPU-s per M | peak RSS (MB) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...r.drain.map(
        (d) =>
          `| ${d.guarantee} | ${int(d.records)} | ${d.seconds} | ${int(d.recordsPerSecond)} | ${d.startupSeconds} | ${d.checkpoints} | ${d.cpuSecondsPerMillion} | ${d.peakRssMb} |`,
      ),
      '',
    );
  }
  if (r.sustainable.length > 0) {
    out.push(
      '### Sustainable rate (constant-rate producer process, lag = input records − records acknowledged/committed)',
      '',
      '| guarantee | rate (records/s) | produced/s | written/s | lag growth/s | final lag | sustained |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const s of r.sustainable) {
      for (const step of s.steps) {
        out.push(
          `| ${s.guarantee} | ${int(step.rate)} | ${int(step.producedPerSecond)} | ${int(step.consumedPerSecond)} | ` +
            `${int(step.lagGrowthPerSecond)} | ${int(step.finalLag)} | ${step.sustained ? 'yes' : `no: ${step.reason ?? ''}`} |`,
        );
      }
    }
    out.push(
      '',
      ...r.sustainable.map(
        (s) =>
          `- ${s.guarantee}: highest sustained rate ${s.sustainableRecordsPerSecond === null ? 'none of the rates tried' : `${int(s.sustainableRecordsPerSecond)} records/s`} (steps of ${s.stepSeconds} s).`,
      ),
      '',
    );
  }
  if (r.latency.length > 0) {
    out.push(
      '### Latency (send time → read by a read_committed consumer process)',
      '',
      '| guarantee | rate (records/s) | samples | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...r.latency.map(
        (l) =>
          `| ${l.guarantee} | ${int(l.rate)} | ${int(l.samples)} | ${l.p50Ms} | ${l.p99Ms} | ${l.p999Ms} | ${l.maxMs} |`,
      ),
      '',
    );
  }
  out.push(...targets(r), '');
  if (analysis.trim() !== '') out.push(analysis.trim(), '');
  return out.join('\n');
}

function best(r: KafkaBenchResults, guarantee: string): number | undefined {
  const rates = [
    ...r.drain.filter((d) => d.guarantee === guarantee).map((d) => d.recordsPerSecond),
    ...r.sustainable
      .filter((s) => s.guarantee === guarantee && s.sustainableRecordsPerSecond !== null)
      .map((s) => s.sustainableRecordsPerSecond as number),
  ];
  return rates.length === 0 ? undefined : Math.max(...rates);
}

function sustained(r: KafkaBenchResults, guarantee: string): number | undefined {
  const s = r.sustainable.find((x) => x.guarantee === guarantee);
  return s?.sustainableRecordsPerSecond ?? undefined;
}

function targets(r: KafkaBenchResults): string[] {
  const met = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'not met');
  const alo = sustained(r, 'at-least-once') ?? best(r, 'at-least-once');
  const eo = sustained(r, 'exactly-once') ?? best(r, 'exactly-once');
  const aloLatency = r.latency.find((l) => l.guarantee === 'at-least-once');
  return [
    '| target | measured | |',
    '| --- | --- | --- |',
    `| at-least-once ≥ 100,000 records/s | ${alo === undefined ? '—' : int(alo)} | ${met(alo === undefined ? undefined : alo >= 100_000)} |`,
    `| exactly-once ≥ 70 % of at-least-once | ${eo === undefined || alo === undefined ? '—' : `${Math.round((eo / alo) * 100)} %`} | ${met(eo === undefined || alo === undefined ? undefined : eo >= 0.7 * alo)} |`,
    `| at-least-once p99 ≤ 50 ms at half load | ${aloLatency === undefined ? '—' : `${aloLatency.p99Ms} ms at ${int(aloLatency.rate)}/s`} | ${met(aloLatency === undefined ? undefined : aloLatency.p99Ms <= 50)} |`,
    '',
    'Rates in the target rows: the highest sustained rate when the rate search ran, else the drain rate.',
  ];
}

/**
 * `markdown` without any earlier Kafka section, with the one from bench/results/kafka.json (and
 * bench/results/kafka-analysis.md) appended; `markdown` unchanged when there are no results.
 *
 * @example
 * ```ts
 * writeFileSync(file, withKafkaSection(readFileSync(file, 'utf8'), benchDir));
 * ```
 */
export function withKafkaSection(markdown: string, benchDir: URL): string {
  let results: KafkaBenchResults;
  try {
    results = JSON.parse(readFileSync(new URL('results/kafka.json', benchDir), 'utf8')) as KafkaBenchResults;
  } catch {
    return markdown;
  }
  let analysis = '';
  try {
    analysis = readFileSync(new URL('results/kafka-analysis.md', benchDir), 'utf8');
  } catch {
    analysis = '';
  }
  return `${withoutKafkaSection(markdown).trimEnd()}\n\n${kafkaSectionMarkdown(results, analysis)}`;
}

/** `markdown` with the Kafka section (its heading up to the next `## ` heading or the end) cut out. */
export function withoutKafkaSection(markdown: string): string {
  const start = markdown.indexOf(`\n${HEADING}`);
  if (start < 0) return markdown;
  const next = markdown.indexOf('\n## ', start + 1 + HEADING.length);
  return next < 0 ? markdown.slice(0, start) : `${markdown.slice(0, start)}${markdown.slice(next)}`;
}
