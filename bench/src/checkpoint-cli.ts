import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { S3CheckpointStorage, StreamExecutionEnvironment } from '@sluice/core';
import { startBenchChild } from './checkpoint/child-process.ts';
import type { CheckpointBenchResults, SnapshotProfile } from './checkpoint/checkpoint-results.ts';
import { measureRecovery, type RecoveryResult } from './checkpoint/measure-recovery.ts';
import { type CallTreeProfile, inclusiveMs } from './checkpoint/profile-inclusive.ts';
import { type KeyedStateRunResult, runKeyedState } from './checkpoint/run-keyed-state.ts';
import { BenchError } from './errors.ts';

/*
 * `npm run bench:checkpoint` (issue #4): checkpoint overhead and recovery time of a keyed window
 * job holding 1M keys. Without a subcommand it runs the whole suite — no checkpoints vs a
 * checkpoint every --interval ms to the filesystem and to S3 (when S3_ENDPOINT is set), --runs
 * runs each in fresh processes, one profiled run, recovery with ~100 MB of state — writes
 * bench/results/checkpoint.json and re-renders bench/RESULTS.md (`report.js --render-only`).
 * `run` runs one configuration in this process and prints its JSON.
 */

const USAGE = `usage:
  npm run bench:checkpoint -- [--events N] [--keys K] [--runs R] [--interval MS] [--backend heap,lmdb]
                              [--lmdb-events N] [--lmdb-runs R] [--heap-accumulators object,number]
                              [--recovery-payload BYTES] [--recovery-min-bytes BYTES] [--no-s3] [--no-recovery] [--no-profile]
  node bench/dist/checkpoint-cli.js run --storage none|fs|s3 [--directory DIR] [--bucket B] [--events N] [--keys K]
                              [--interval MS] [--payload BYTES] [--backend heap|lmdb] [--lmdb-directory DIR]
                              [--restore latest] [--probe] [--accumulator object|number]
S3 uses S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (e.g. an S3Mock); without --bucket a
fresh bucket is created with an unsigned PUT, which S3Mock accepts.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '30000000' },
    keys: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'lmdb-events': { type: 'string', default: '2000000' },
    'lmdb-runs': { type: 'string', default: '1' },
    interval: { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'heap' },
    'lmdb-directory': { type: 'string' },
    storage: { type: 'string', default: 'none' },
    directory: { type: 'string' },
    bucket: { type: 'string' },
    payload: { type: 'string', default: '0' },
    restore: { type: 'string' },
    probe: { type: 'boolean', default: false },
    accumulator: { type: 'string', default: 'object' },
    'heap-accumulators': { type: 'string', default: 'object,number' },
    'recovery-payload': { type: 'string', default: '90' },
    'recovery-min-bytes': { type: 'string', default: '90000000' },
    'no-s3': { type: 'boolean', default: false },
    'no-recovery': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}; got ${value}`);
  return n;
}

if (values.help) fail('');
const events = positiveInt('events', values.events);
const keys = positiveInt('keys', values.keys);
const intervalMs = positiveInt('interval', values.interval);
type Backend = 'heap' | 'lmdb';
const backends = values.backend.split(',') as Backend[];
for (const b of backends)
  if (b !== 'heap' && b !== 'lmdb') fail(`--backend must be heap or lmdb (or both: heap,lmdb); got ${b}`);
type Accumulator = 'object' | 'number';
const heapAccumulators = values['heap-accumulators'].split(',') as Accumulator[];
for (const a of heapAccumulators)
  if (a !== 'object' && a !== 'number') fail(`--heap-accumulators must list object and/or number; got ${a}`);

/**
 * Whether the core can run keyed state on LMDB: the environment then has a `stateBackend`
 * setting. Without it, `--backend lmdb` stops with "not wired yet".
 */
function assertBackendAvailable(): void {
  if (backends.includes('lmdb') && !('stateBackend' in StreamExecutionEnvironment.create())) {
    throw new BenchError(
      'INVALID_ARGUMENT',
      '--backend lmdb: the LMDB state backend is not wired into the runtime yet (StreamExecutionEnvironment has no ' +
        'stateBackend setting); measure --backend heap, or wait for the LMDB wiring.',
      { domain: 'user' },
    );
  }
}

const s3Env = (): { endpoint: string } | undefined =>
  process.env['S3_ENDPOINT'] === undefined || process.env['S3_ENDPOINT'] === ''
    ? undefined
    : { endpoint: process.env['S3_ENDPOINT'] };

/** A fresh bucket on the S3_ENDPOINT (an unsigned PUT: S3Mock accepts it; pass --bucket for real S3). */
async function createBucket(): Promise<string> {
  const s3 = s3Env();
  if (s3 === undefined) throw new BenchError('INVALID_ARGUMENT', 'S3 needs S3_ENDPOINT (and S3_* credentials).');
  const bucket = `sluice-bench-${process.pid}-${Date.now().toString(36)}`;
  const response = await fetch(`${s3.endpoint.replace(/\/$/, '')}/${bucket}`, { method: 'PUT' });
  if (!response.ok) {
    throw new BenchError(
      'RUN_FAILED',
      `Could not create bucket ${bucket} at ${s3.endpoint} (${response.status}); pass an existing one with --bucket.`,
    );
  }
  return bucket;
}

function s3Storage(bucket: string): S3CheckpointStorage {
  return new S3CheckpointStorage({
    bucket,
    prefix: 'bench',
    endpoint: process.env['S3_ENDPOINT'] as string,
    region: process.env['S3_REGION'] ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env['S3_ACCESS_KEY_ID'] as string,
      secretAccessKey: process.env['S3_SECRET_ACCESS_KEY'] as string,
    },
    forcePathStyle: true,
  });
}

/** `run`: one configuration in this process; prints its JSON result on stdout. */
async function runOne(): Promise<void> {
  assertBackendAvailable();
  if (backends.length !== 1) fail('run takes one --backend');
  const storage = values.storage;
  if (storage !== 'none' && storage !== 'fs' && storage !== 's3')
    fail(`--storage must be none, fs or s3; got ${storage}`);
  const lmdbDirectory = values['lmdb-directory'];
  let directory = values.directory;
  const ownDirectory = storage === 'fs' && directory === undefined;
  if (ownDirectory) directory = mkdtempSync(join(tmpdir(), 'sluice-bench-chk-'));
  const bucket = storage === 's3' ? (values.bucket ?? (await createBucket())) : undefined;
  try {
    const result = await runKeyedState(
      {
        events,
        keys,
        storage,
        interval: intervalMs,
        payloadBytes: positiveInt('payload', values.payload, 0),
        accumulator: values.accumulator === 'number' ? 'number' : 'object',
        ...(directory === undefined ? {} : { directory }),
        ...(bucket === undefined ? {} : { bucket }),
        ...(values.restore === 'latest' ? { restore: 'latest' } : {}),
        ...(values.probe ? { probeFirstRecord: true } : {}),
      },
      backends[0],
      lmdbDirectory,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (ownDirectory && directory !== undefined) rmSync(directory, { recursive: true, force: true });
    if (bucket !== undefined && values.bucket === undefined) {
      const s = s3Storage(bucket);
      await s.deleteDirectory('checkpoint-bench').catch(() => undefined);
      await s.close();
    }
  }
}

const fromSource = import.meta.url.endsWith('.ts');
/** Compiled modules as the profile names them. */
const ext = fromSource ? '.ts' : '.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function runChild(args: readonly string[], nodeOptions: readonly string[] = []): Promise<KeyedStateRunResult> {
  const child = startBenchChild(['run', ...args], nodeOptions);
  const { code, signal } = await child.exit;
  const line = child.stdout().trim().split('\n').pop() ?? '';
  if (code !== 0) {
    throw new BenchError('RUN_FAILED', `run ${args.join(' ')} exited with ${code ?? signal}:\n${child.stderrTail()}`);
  }
  try {
    return JSON.parse(line) as KeyedStateRunResult;
  } catch (cause) {
    throw new BenchError('BAD_OUTPUT', `run ${args.join(' ')} printed no JSON result:\n${child.stdout()}`, { cause });
  }
}

async function profileRun(sizeArgs: readonly string[]): Promise<SnapshotProfile | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-chk-prof-'));
  try {
    const result = await runChild(['--storage', 'fs', ...sizeArgs], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) return undefined;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CallTreeProfile;
    const totalMs = Math.round(profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000);
    const [syncMs, asyncSnapshotMs, readTimersMs, encodeKeyGroupsMs, keepReadMs, keepWriteMs, serializeMs, uploadMs] =
      inclusiveMs(profile, [
        { name: 'triggerCheckpoint', file: `runtime/local-executor${ext}` },
        { name: 'slice', file: `state/heap-snapshot${ext}` },
        { name: 'step', file: `state/timer-service${ext}` },
        { name: 'add', file: `state/snapshot-format${ext}` },
        { name: 'keepHandedOut', file: `state/heap-keyed-state-backend${ext}` },
        { name: 'keepBeforeWrite', file: `state/heap-keyed-state-backend${ext}` },
        { name: 'serialize', file: 'node:v8' },
        { name: 'writeStateFile', file: `checkpoint/checkpoint-store${ext}` },
      ]) as [number, number, number, number, number, number, number, number];
    return {
      storage: 'fs',
      checkpoints: result.checkpoints.length,
      totalMs,
      syncMs,
      asyncSnapshotMs,
      readTimersMs,
      encodeKeyGroupsMs,
      copyOnWriteMs: keepReadMs + keepWriteMs,
      serializeMs,
      uploadMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The whole suite. */
async function suite(): Promise<void> {
  assertBackendAvailable();
  // LMDB is several times slower per record: fewer events and runs keep the suite's time bounded.
  const eventsOf = (b: Backend): number => (b === 'lmdb' ? positiveInt('lmdb-events', values['lmdb-events']) : events);
  const runsOf = (b: Backend): number =>
    b === 'lmdb' ? positiveInt('lmdb-runs', values['lmdb-runs']) : positiveInt('runs', values.runs);
  const rounds = Math.max(...backends.map(runsOf));
  const loadBefore = loadavg()[0] ?? 0;
  const notes: string[] = [];
  const storages = ['none', 'fs'];
  const s3 = !values['no-s3'] && s3Env() !== undefined;
  if (s3) storages.push('s3');
  else
    notes.push(
      values['no-s3']
        ? 'S3 not measured (--no-s3).'
        : 'S3 not measured: S3_ENDPOINT is not set (start an S3Mock, e.g. the one the test setup starts, and export S3_*).',
    );
  // Heap state is measured with each accumulator (the record the benchmark defaults to, and a
  // plain count); LMDB with the record only, to keep the suite's time bounded.
  const accumulatorsOf = (b: Backend): Accumulator[] => (b === 'heap' ? heapAccumulators : ['object']);
  const configs = backends.flatMap((backend) =>
    accumulatorsOf(backend).flatMap((accumulator) => storages.map((storage) => ({ backend, accumulator, storage }))),
  );
  const configKey = (c: { backend: string; accumulator: string; storage: string }): string =>
    `${c.backend}/${c.accumulator}/${c.storage}`;
  const sizeArgs = (b: Backend): string[] => [
    '--events',
    String(eventsOf(b)),
    '--keys',
    String(keys),
    '--interval',
    String(intervalMs),
  ];
  const byConfig = new Map<string, KeyedStateRunResult[]>(configs.map((c) => [configKey(c), []]));
  const buckets: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'sluice-bench-lmdb-'));
  const backendArgs = (backend: Backend): string[] =>
    backend === 'lmdb' ? ['--backend', 'lmdb', '--lmdb-directory', scratch] : ['--backend', 'heap'];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const config of configs) {
        const { backend, accumulator, storage } = config;
        if (round > runsOf(backend)) continue;
        const extra: string[] = [];
        if (storage === 's3') {
          const bucket = await createBucket();
          buckets.push(bucket);
          extra.push('--bucket', bucket);
        }
        const r = await runChild([
          '--storage',
          storage,
          ...sizeArgs(backend),
          ...backendArgs(backend),
          '--accumulator',
          accumulator,
          ...extra,
        ]);
        (byConfig.get(configKey(config)) as KeyedStateRunResult[]).push(r);
        log(
          `run ${round}/${runsOf(backend)} ${configKey(config)}: ${r.eventsPerSecond.toLocaleString('en-US')} events/s, ` +
            `${r.cpuSecondsPerMillionEvents} CPU-s/M, ${r.checkpoints.length} checkpoints`,
        );
      }
    }
    const profile =
      values['no-profile'] || !backends.includes('heap')
        ? undefined
        : await profileRun([...sizeArgs('heap'), ...backendArgs('heap')]);
    if (profile !== undefined) {
      log(`profiled: sync ${Math.round(profile.syncMs / Math.max(1, profile.checkpoints))} ms per checkpoint`);
    }
    const recovery: RecoveryResult[] = [];
    if (!values['no-recovery']) {
      const payloadBytes = positiveInt('recovery-payload', values['recovery-payload'], 0);
      const minCheckpointBytes = positiveInt('recovery-min-bytes', values['recovery-min-bytes'], 0);
      for (const { backend, storage } of configs.filter((c) => c.storage !== 'none' && c.accumulator === 'object')) {
        const dir = storage === 'fs' ? mkdtempSync(join(tmpdir(), 'sluice-bench-recovery-')) : undefined;
        const bucket = storage === 's3' ? await createBucket() : undefined;
        if (bucket !== undefined) buckets.push(bucket);
        try {
          const r = await measureRecovery({
            backend,
            storage,
            runArgs: [
              ...(dir !== undefined
                ? ['--storage', 'fs', '--directory', dir]
                : ['--storage', 's3', '--bucket', bucket as string]),
              ...backendArgs(backend),
            ],
            keys,
            payloadBytes,
            minCheckpointBytes,
          });
          recovery.push(r);
          log(
            `recovery ${backend}/${storage}: ${r.killToFirstRecordMs} ms from kill to first record (${r.checkpointSizeBytes} bytes)`,
          );
        } finally {
          if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    if (!backends.includes('lmdb')) {
      notes.push(
        'LMDB: not in this run; `--backend heap,lmdb` measures both (it stops with "not wired yet" where the runtime ' +
          'cannot put keyed state on LMDB).',
      );
    }
    const cpu = cpus();
    const backendList = backends.join(',');
    const results: CheckpointBenchResults = {
      generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine: {
        cpu: cpu[0]?.model ?? 'unknown',
        cores: cpu.length,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        os: `${type()} ${release()}`,
        node: process.version,
        loadBefore,
        loadAfter: loadavg()[0] ?? 0,
      },
      keys,
      intervalMs,
      configs: configs.map((c) => ({ ...c, runs: byConfig.get(configKey(c)) as KeyedStateRunResult[] })),
      profile,
      recovery,
      notes,
      commands: [
        `npm run bench:checkpoint -- --events ${events} --keys ${keys} --runs ${runsOf('heap')} --interval ${intervalMs} ` +
          `--backend ${backendList} --heap-accumulators ${heapAccumulators.join(',')}` +
          `${backends.includes('lmdb') ? ` --lmdb-events ${eventsOf('lmdb')} --lmdb-runs ${runsOf('lmdb')}` : ''}` +
          '   # this section (S3 via the S3_* env vars)',
        ...configs.map(
          (c) =>
            `node bench/dist/checkpoint-cli.js run --storage ${c.storage} ${sizeArgs(c.backend).join(' ')} --backend ${c.backend}` +
            ` --accumulator ${c.accumulator}` +
            `${c.storage === 's3' ? ' --bucket <bucket>' : ''}${c.backend === 'lmdb' ? ' --lmdb-directory <dir>' : ''}`,
        ),
        `node --cpu-prof bench/dist/checkpoint-cli.js run --storage fs ${sizeArgs('heap').join(' ')} --backend heap   # the profile`,
      ],
    };
    const benchDir = new URL('../', import.meta.url);
    mkdirSync(new URL('results/', benchDir), { recursive: true });
    writeFileSync(new URL('results/checkpoint.json', benchDir), `${JSON.stringify(results, null, 2)}\n`);
    log('wrote bench/results/checkpoint.json');
  } finally {
    for (const bucket of buckets) {
      const storage = s3Storage(bucket);
      await storage.deleteDirectory('checkpoint-bench').catch(() => undefined);
      await storage.close();
    }
    rmSync(scratch, { recursive: true, force: true });
  }
  const report = new URL(fromSource ? './report.ts' : './report.js', import.meta.url);
  const nodeArgs = [...(fromSource ? ['--conditions=@sluice/source'] : []), report.pathname, '--render-only'];
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, nodeArgs, (error, _stdout, stderr) =>
      error === null ? resolve() : reject(new BenchError('RUN_FAILED', `re-rendering RESULTS.md failed:\n${stderr}`)),
    ),
  );
  log('re-rendered bench/RESULTS.md');
}

try {
  if (positionals[0] === 'run') await runOne();
  else if (positionals[0] === undefined) await suite();
  else fail(`unknown subcommand '${positionals[0]}'`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
