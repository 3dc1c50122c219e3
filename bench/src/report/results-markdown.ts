import type { NexmarkRunResult } from '../nexmark/run-nexmark.ts';
import type { CpuProfileSummary } from './cpu-profile-summary.ts';
import { REPORTED_QUERIES } from './report-queries.ts';

/** The machine a report was measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average before and after the runs (other work on the machine skews results). */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

/** All runs of one query. */
export interface QueryRuns {
  readonly query: string;
  readonly runs: readonly NexmarkRunResult[];
}

/** Everything {@link resultsMarkdown} renders. */
export interface ReportData {
  readonly generatedAt: string;
  readonly events: number;
  readonly runsPerQuery: number;
  readonly machine: MachineInfo;
  /** Commands that produce this report and its runs. */
  readonly commands: readonly string[];
  readonly results: readonly QueryRuns[];
  /** Checkpoint interval of the runs in `results`, ms; null: they took no checkpoints. */
  readonly checkpointIntervalMs: number | null;
  /** One run per query with checkpoints every `checkpointTableIntervalMs` (empty: no such table). */
  readonly checkpointRuns: readonly QueryRuns[];
  readonly checkpointTableIntervalMs: number | null;
  /** CPU profiles of the queries below their target. */
  readonly profiles: ReadonlyMap<string, CpuProfileSummary>;
  /** Hand-written analysis appended verbatim (Markdown). */
  readonly analysis: string;
  /** Path of the chart, relative to the Markdown file. */
  readonly chartPath: string;
}

/**
 * The median run by events/s (the lower middle one for an even count).
 *
 * @example
 * ```ts
 * medianRun(runs).eventsPerSecond;
 * ```
 */
export function medianRun(runs: readonly NexmarkRunResult[]): NexmarkRunResult {
  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as NexmarkRunResult;
}

/**
 * The run reported for a query: the fastest. Other work on a shared machine only ever slows a
 * run down, so the fastest run is the least disturbed one; the median is shown beside it.
 *
 * @example
 * ```ts
 * bestRun(runs).eventsPerSecond;
 * ```
 */
export function bestRun(runs: readonly NexmarkRunResult[]): NexmarkRunResult {
  return [...runs].sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0] as NexmarkRunResult;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number | null | undefined): string => (n === null || n === undefined ? 'n/a' : String(n));

/** `count (p50 / p99 ms)` of a run's checkpoints; `—` for runs measured without checkpoint figures. */
function checkpointCell(r: NexmarkRunResult): string {
  if (r.checkpoints === undefined) return '—';
  if (r.checkpoints === 0) return '0';
  return `${r.checkpoints} (${ms(r.checkpointP50Ms)} / ${ms(r.checkpointP99Ms)})`;
}

function title(query: string): string {
  const q = REPORTED_QUERIES[query];
  return q === undefined ? query : `${query} ${q.title}`;
}

function verdict(query: string, eventsPerSecond: number): string {
  const target = REPORTED_QUERIES[query]?.target;
  if (target === undefined) return 'no target';
  return eventsPerSecond >= target ? 'met' : '**not met**';
}

function summaryTable(data: ReportData): string[] {
  const lines = [
    '| query | target (events/s, 1 thread) | best events/s | median events/s | slowest events/s | CPU-s per M events (best run) | met? (best run) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const { query, runs } of data.results) {
    const best = bestRun(runs);
    const slowest = Math.min(...runs.map((r) => r.eventsPerSecond));
    const target = REPORTED_QUERIES[query]?.target;
    lines.push(
      `| ${title(query)} | ${target === undefined ? '—' : `>= ${int(target)}`} | ${int(best.eventsPerSecond)} | ` +
        `${int(medianRun(runs).eventsPerSecond)} | ${int(slowest)} | ${best.cpuSecondsPerMillion} | ` +
        `${verdict(query, best.eventsPerSecond)} |`,
    );
  }
  return lines;
}

function queryTable(query: string, runs: readonly NexmarkRunResult[]): string[] {
  const best = bestRun(runs);
  const latency = query === 'q12' ? 'processing-time' : 'event-time';
  const lines = [
    `### ${title(query)}`,
    '',
    `| run | events | parallelism | seconds | events/s | CPU-s per M events | p50 ${latency} latency (ms) | p99 ${latency} latency (ms) | peak RSS (MB) | outputs | checkpoints (p50 / p99 ms) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  runs.forEach((r, i) => {
    const label = r === best ? `${i + 1} (best)` : String(i + 1);
    lines.push(
      `| ${label} | ${int(r.events)} | ${r.parallelism} | ${r.seconds} | ${int(r.eventsPerSecond)} | ` +
        `${r.cpuSecondsPerMillion} | ${ms(r.p50LatencyMs)} | ${ms(r.p99LatencyMs)} | ${r.peakRssMb} | ${int(r.outputs)} | ${checkpointCell(r)} |`,
    );
  });
  return [...lines, ''];
}

function checkpointSection(data: ReportData): string[] {
  if (data.checkpointRuns.length === 0 || data.checkpointTableIntervalMs === null) return [];
  const lines = [
    '## Checkpoints of the Nexmark queries',
    '',
    `Each query once more with a checkpoint every ${int(data.checkpointTableIntervalMs)} ms (exactly-once, heap ` +
      'state, filesystem storage in a temporary directory), so that even a run of a few seconds takes several: ' +
      'duration is from trigger to the checkpoint’s metadata written; size is the last checkpoint’s files. ' +
      'Events/s of this run shows the cost of checkpointing that often.',
    '',
    '| query | events/s | checkpoints | p50 duration (ms) | p99 duration (ms) | max duration (ms) | last size (KiB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { query, runs } of data.checkpointRuns) {
    for (const r of runs) {
      const size = r.checkpointLastSizeBytes === null ? 'n/a' : int(r.checkpointLastSizeBytes / 1024);
      lines.push(
        `| ${title(query)} | ${int(r.eventsPerSecond)} | ${r.checkpoints} | ${ms(r.checkpointP50Ms)} | ` +
          `${ms(r.checkpointP99Ms)} | ${ms(r.checkpointMaxMs)} | ${size} |`,
      );
    }
  }
  return [...lines, ''];
}

function profileSection(query: string, summary: CpuProfileSummary): string[] {
  const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
  const lines = [
    `### ${title(query)}: CPU profile`,
    '',
    `Self time over ${(summary.totalMs / 1000).toFixed(2)} s sampled (warm-up and run, one process).`,
    '',
    '| self | function (file:line) |',
    '| ---: | --- |',
    ...summary.functions.map((f) => `| ${pct(f.share)} | \`${f.name}\` |`),
    '',
    '| self | file |',
    '| ---: | --- |',
    ...summary.files.map((f) => `| ${pct(f.share)} | \`${f.name}\` |`),
    '',
  ];
  return lines;
}

/**
 * Renders bench/RESULTS.md: machine, commands, targets with met/not met, one table per query (all
 * runs, the median one marked), the chart, the profiles of the queries below target, and the
 * hand-written analysis.
 *
 * @example
 * ```ts
 * writeFileSync('bench/RESULTS.md', resultsMarkdown(data));
 * ```
 */
export function resultsMarkdown(data: ReportData): string {
  const m = data.machine;
  const out = [
    '# Nexmark results',
    '',
    `<!-- Generated by \`npm run bench:report\` (bench/src/report.ts); do not edit by hand. The analysis at the end comes from bench/results/analysis.md. -->`,
    '',
    `Generated ${data.generatedAt}. ${int(data.events)} events per run, parallelism 1 (one thread), ` +
      `${data.runsPerQuery} runs per query, each in a fresh Node process, queries taken in turn ` +
      '(round robin) so that a burst of load on the machine does not hit all runs of one query. ' +
      'Every process first runs a 200k-event warm-up that is not measured. **Reported: the best run by ' +
      'events/s** (its seconds, CPU, latency and RSS are that run’s): on this shared machine other work only ' +
      'ever slows a run down, so the fastest run is the least disturbed one. The median and the slowest run ' +
      'are shown beside it, and CPU-s per million events (CPU time of the whole process, GC threads ' +
      'included) is less sensitive to other load than wall-clock throughput. Throughput includes generating ' +
      'the events in-process. ' +
      (data.checkpointIntervalMs === null
        ? 'These runs took no checkpoints.'
        : `Heap state, exactly-once checkpoints every ${int(data.checkpointIntervalMs)} ms to the local ` +
          'filesystem (as the targets say); a run shorter than that takes none, so the section ' +
          '“Checkpoints of the Nexmark queries” below runs each query once with a shorter interval for checkpoint durations.'),
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; ${m.memoryGb} GB memory; ${m.os}`,
    `- Node ${m.node}`,
    `- 1-minute load average ${m.loadBefore.toFixed(2)} before the runs and ${m.loadAfter.toFixed(2)} after. ` +
      'The machine is shared (other builds and tests run on it), so results vary by about ±25% run to run.',
    '',
    '## Commands',
    '',
    '```bash',
    ...data.commands,
    '```',
    '',
    '## Targets',
    '',
    ...summaryTable(data),
    '',
    `![Throughput per query](${data.chartPath})`,
    '',
    '## Per query',
    '',
    'Latency is event-to-output: the wall time from the moment the source generated the first event at or ' +
      'past the time an output could exist (a row’s own time; a window’s end; q4: the auction’s expiry) ' +
      'until the output reached the sink. q12 works in processing time: its latency is the system clock at ' +
      'the sink minus the moment its window’s timer was due (1 ms resolution). `n/a`: no output had a ' +
      'measurable latency.',
    '',
  ];
  for (const { query, runs } of data.results) out.push(...queryTable(query, runs));
  out.push(...checkpointSection(data));
  out.push('## Profiles of the queries below target', '');
  if (data.profiles.size === 0) out.push('Every query with a target met it in this report; nothing was profiled.', '');
  for (const [query, summary] of data.profiles) out.push(...profileSection(query, summary));
  out.push(data.analysis.trim(), '');
  return out.join('\n');
}
