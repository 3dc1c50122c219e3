import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NEXMARK_QUERIES } from './nexmark/queries.ts';
import type { NexmarkRunResult } from './nexmark/run-nexmark.ts';
import { withCheckpointSection } from './checkpoint/checkpoint-section.ts';
import { withKafkaSection } from './kafka/kafka-section.ts';
import { barChartSvg } from './report/bar-chart-svg.ts';
import { type CpuProfile, type CpuProfileSummary, summarizeCpuProfile } from './report/cpu-profile-summary.ts';
import { REPORTED_QUERIES } from './report/report-queries.ts';
import { bestRun, type MachineInfo, type QueryRuns, resultsMarkdown } from './report/results-markdown.ts';
import { runCli } from './report/run-cli.ts';

/*
 * `npm run bench:report`: runs every Nexmark query `--runs` times (round robin, each run in a fresh
 * process) with a checkpoint every `--checkpoint-interval` ms, profiles the queries whose best run
 * misses its target, runs each query once more with a checkpoint every `--checkpoint-table-interval`
 * ms (so that even short runs take several checkpoints, for their durations and sizes), and writes
 * bench/RESULTS.md and bench/results/throughput.svg, keeping the raw figures in
 * bench/results/runs.json. Options: --events N (default 2,000,000), --runs R (default 3),
 * --queries q0,q5 (default all), --checkpoint-interval MS (default 10,000, as the targets;
 * 0: none), --checkpoint-table-interval MS (default 250; 0: no checkpoint table), --no-profile,
 * --render-only (re-render the Markdown and chart from runs.json, e.g. after editing
 * bench/results/analysis.md).
 */

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '3' },
    'checkpoint-interval': { type: 'string', default: '10000' },
    'checkpoint-table-interval': { type: 'string', default: '250' },
    queries: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const all = Object.keys(NEXMARK_QUERIES).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const queries = values.queries === undefined ? all : values.queries.split(',');
for (const q of queries) {
  if (!all.includes(q)) {
    process.stderr.write(`unknown query '${q}'; known: ${all.join(', ')}\n`);
    process.exit(2);
  }
}
if (!Number.isInteger(events) || events <= 0 || !Number.isInteger(runs) || runs <= 0) {
  process.stderr.write('--events and --runs must be positive integers\n');
  process.exit(2);
}
const checkpointInterval = Number(values['checkpoint-interval']);
const checkpointTableInterval = Number(values['checkpoint-table-interval']);
if (
  !Number.isInteger(checkpointInterval) ||
  checkpointInterval < 0 ||
  !Number.isInteger(checkpointTableInterval) ||
  checkpointTableInterval < 0
) {
  process.stderr.write('--checkpoint-interval and --checkpoint-table-interval must be integers >= 0 (ms; 0: off)\n');
  process.exit(2);
}
const checkpointArgs = (interval: number): string[] =>
  interval > 0 ? ['--checkpoint-interval', String(interval)] : [];

const cli = new URL('./cli.js', import.meta.url);
const benchDir = new URL('../', import.meta.url);
const runsFile = new URL('results/runs.json', benchDir);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** What one measurement produced; kept in bench/results/runs.json. */
interface Measured {
  readonly generatedAt: string;
  readonly events: number;
  readonly runs: number;
  readonly machine: MachineInfo;
  readonly results: QueryRuns[];
  readonly profiles: [string, CpuProfileSummary][];
  /** Checkpoint interval of the runs in `results`; null: none (absent in reports before it existed). */
  readonly checkpointIntervalMs?: number | null;
  /** One run per query with a short checkpoint interval, for checkpoint durations and sizes. */
  readonly checkpointRuns?: QueryRuns[];
  readonly checkpointTableIntervalMs?: number | null;
}

async function measure(): Promise<Measured> {
  const loadBefore = loadavg()[0] ?? 0;
  const byQuery = new Map<string, NexmarkRunResult[]>(queries.map((q) => [q, []]));
  for (let round = 1; round <= runs; round++) {
    for (const q of queries) {
      const r = await runCli(cli, q, events, [], checkpointArgs(checkpointInterval));
      (byQuery.get(q) as NexmarkRunResult[]).push(r);
      log(`run ${round}/${runs} ${q}: ${r.eventsPerSecond.toLocaleString('en-US')} events/s in ${r.seconds} s`);
    }
  }
  const loadAfter = loadavg()[0] ?? 0;
  const results = queries.map((query) => ({ query, runs: byQuery.get(query) as NexmarkRunResult[] }));
  const profiles: [string, CpuProfileSummary][] = [];
  for (const { query, runs: rs } of results) {
    const target = REPORTED_QUERIES[query]?.target;
    if (values['no-profile'] || target === undefined || bestRun(rs).eventsPerSecond >= target) continue;
    const dir = mkdtempSync(join(tmpdir(), `sluice-prof-${query}-`));
    try {
      await runCli(cli, query, events, ['--cpu-prof', `--cpu-prof-dir=${dir}`], checkpointArgs(checkpointInterval));
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file !== undefined) {
        const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
        profiles.push([query, summarizeCpuProfile(profile, repoRoot)]);
        log(`profiled ${query}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const checkpointRuns: QueryRuns[] = [];
  if (checkpointTableInterval > 0) {
    for (const query of queries) {
      const r = await runCli(cli, query, events, [], checkpointArgs(checkpointTableInterval));
      checkpointRuns.push({ query, runs: [r] });
      log(`checkpoint run ${query}: ${r.checkpoints} checkpoints, p99 ${r.checkpointP99Ms} ms`);
    }
  }
  const cpu = cpus();
  return {
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    events,
    runs,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
      node: process.version,
      loadBefore,
      loadAfter,
    },
    results,
    profiles,
    checkpointIntervalMs: checkpointInterval > 0 ? checkpointInterval : null,
    checkpointRuns,
    checkpointTableIntervalMs: checkpointTableInterval > 0 ? checkpointTableInterval : null,
  };
}

const measured: Measured = values['render-only']
  ? (JSON.parse(readFileSync(runsFile, 'utf8')) as Measured)
  : await measure();
mkdirSync(new URL('results/', benchDir), { recursive: true });
if (!values['render-only']) writeFileSync(runsFile, `${JSON.stringify(measured, null, 2)}\n`);

const mainInterval = measured.checkpointIntervalMs ?? null;
const tableInterval = measured.checkpointTableIntervalMs ?? null;
const chk = (interval: number | null): string => (interval === null ? '' : ` --checkpoint-interval ${interval}`);
const commands = [
  `npm run bench:report -- --events ${measured.events} --runs ${measured.runs} --checkpoint-interval ${mainInterval ?? 0} ` +
    `--checkpoint-table-interval ${tableInterval ?? 0}   # this whole report`,
  ...measured.results.map(
    ({ query }) => `npm run bench -- ${query} --events ${measured.events} --parallelism 1${chk(mainInterval)} --json`,
  ),
  ...(tableInterval === null
    ? []
    : [
        `npm run bench -- <query> --events ${measured.events} --parallelism 1${chk(tableInterval)} --json   # checkpoint table`,
      ]),
  `node --cpu-prof bench/dist/cli.js <query> --events ${measured.events}${chk(mainInterval)}   # the profiles below`,
];
let analysis = '';
try {
  analysis = readFileSync(new URL('results/analysis.md', benchDir), 'utf8');
} catch {
  analysis = '';
}
const markdown = resultsMarkdown({
  generatedAt: measured.generatedAt,
  events: measured.events,
  runsPerQuery: measured.runs,
  machine: measured.machine,
  commands,
  results: measured.results,
  checkpointIntervalMs: mainInterval,
  checkpointRuns: measured.checkpointRuns ?? [],
  checkpointTableIntervalMs: tableInterval,
  profiles: new Map(measured.profiles),
  analysis,
  chartPath: 'results/throughput.svg',
});
const svg = barChartSvg(
  measured.results.map(({ query, runs: rs }) => ({
    label: query,
    value: bestRun(rs).eventsPerSecond,
    target: REPORTED_QUERIES[query]?.target,
  })),
  {
    title: `Nexmark throughput, events/s (best of ${measured.runs}, ${(measured.events / 1e6).toFixed(1)}M events, 1 thread, Node ${measured.machine.node})`,
    format: (v) => (v === 0 ? '0' : `${(v / 1e6).toFixed(2)}M`),
  },
);
// The Checkpointing section comes from `npm run bench:checkpoint` (bench/results/checkpoint.json).
writeFileSync(new URL('RESULTS.md', benchDir), withKafkaSection(withCheckpointSection(markdown, benchDir), benchDir));
writeFileSync(new URL('results/throughput.svg', benchDir), svg);
log('wrote bench/RESULTS.md and bench/results/throughput.svg');
