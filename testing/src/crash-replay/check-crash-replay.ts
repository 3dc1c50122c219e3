import { type ChildProcess, spawn } from 'node:child_process';
import { SluiceTestingError } from '../errors.ts';

const fromSource = import.meta.url.endsWith('.ts');
const JOB_PROCESS = new URL(fromSource ? './job-process.ts' : './job-process.js', import.meta.url);

/**
 * When a kill happens, relative to the job's checkpoints. `during-commit` is when a sink logs
 * `committing checkpoint <n>` (the exactly-once KafkaSink does, with the epoch's records and
 * marker sent and its transaction not yet committed).
 */
export type KillMoment = 'random' | 'during-upload' | 'after-checkpoint' | 'during-commit';

const DEFAULT_KILL_MOMENTS: readonly KillMoment[] = ['random', 'during-upload', 'after-checkpoint'];

/**
 * Options of {@link checkCrashReplay}.
 *
 * @example
 * ```ts
 * const options: CrashReplayOptions = {
 *   job: new URL('./my.job.ts', import.meta.url),
 *   params: (run) => ({ out: run === 'reference' ? refDir : outDir, checkpoints: chkDir }),
 *   readOutput: (run) => readFileSinkOutput(run === 'reference' ? refDir : outDir),
 * };
 * ```
 */
export interface CrashReplayOptions {
  /**
   * A job module (default export `defineJob(...)`). With checkpointing params it must enable
   * checkpointing and restore from `'latest'` on every start, and write to an exactly-once sink.
   */
  readonly job: URL;
  /** The job's params for the failure-free reference run and for the crashing run. */
  readonly params: (run: 'reference' | 'crashing') => Record<string, string | number | boolean>;
  /** The committed output of a run (compared as sorted lines). */
  readonly readOutput: (run: 'reference' | 'crashing') => readonly string[] | Promise<readonly string[]>;
  /** SIGKILLs to deliver before letting the job finish; default 10. */
  readonly kills?: number;
  /** Worker threads per process; default 1. */
  readonly slots?: number;
  readonly parallelism?: number;
  /** Seed of the kill schedule; default 1. */
  readonly seed?: number;
  /** Upper bound of a random kill delay after the job's first completed checkpoint (ms); default 700. */
  readonly maxRandomDelayMs?: number;
  /** The kill moments to cycle through; default random, during-upload, after-checkpoint. */
  readonly killMoments?: readonly KillMoment[];
}

/** What {@link checkCrashReplay} found. */
export interface CrashReplayReport {
  readonly kills: number;
  readonly killMoments: Record<KillMoment, number>;
  readonly starts: number;
  /**
   * Starts of the crashing run that restored state from a checkpoint (the job logged
   * `restores from checkpoint <n>`). Without restores the run replays from scratch, which an
   * exactly-once sink also survives, so assert this to know recovery was exercised.
   */
  readonly restoredStarts: number;
  readonly reference: readonly string[];
  readonly replayed: readonly string[];
  /** Lines of the reference output missing from the replayed output (lost). */
  readonly missing: readonly string[];
  /** Lines the replayed output has more often than the reference (duplicated or wrong). */
  readonly extra: readonly string[];
}

function diff(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n === 0) out.push(x);
    else counts.set(x, n - 1);
  }
  return out;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function startJobProcess(
  options: CrashReplayOptions,
  run: 'reference' | 'crashing',
): { child: ChildProcess; exit: Promise<Exit> } {
  const args = [
    ...(fromSource ? ['--conditions=@sluice/source'] : []),
    JOB_PROCESS.pathname,
    options.job.href,
    JSON.stringify(options.params(run)),
    String(options.slots ?? 1),
    ...(options.parallelism === undefined ? [] : [String(options.parallelism)]),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SLUICE_TRACE_CHECKPOINTS: '1' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exit };
}

/**
 * The crash-and-replay checker (exactly-once proof): runs the job once without failures, then
 * again in a child process that it SIGKILLs `kills` times — at random moments, while a checkpoint
 * is being uploaded, and right after a checkpoint completed — restarting it after each kill (the
 * job restores from its latest checkpoint). Returns both outputs and their differences; an
 * exactly-once job has none.
 *
 * @example
 * ```ts
 * const report = await checkCrashReplay({ job, params, readOutput, kills: 10 });
 * expect(report.kills).toBeGreaterThanOrEqual(10);
 * expect(report.missing).toEqual([]);
 * expect(report.extra).toEqual([]);
 * ```
 */
export async function checkCrashReplay(options: CrashReplayOptions): Promise<CrashReplayReport> {
  const reference = await runToEnd(options, 'reference');
  const wanted = options.kills ?? 10;
  const random = seeded(options.seed ?? 1);
  const moments = options.killMoments ?? DEFAULT_KILL_MOMENTS;
  const killMoments: Record<KillMoment, number> = {
    random: 0,
    'during-upload': 0,
    'after-checkpoint': 0,
    'during-commit': 0,
  };
  let kills = 0;
  let starts = 0;
  let restoredStarts = 0;
  for (;;) {
    starts++;
    const { child, exit } = startJobProcess(options, 'crashing');
    let restored = false;
    let head = '';
    child.stderr?.on('data', (chunk: string) => {
      if (restored || head.length > 100_000) return;
      head += chunk;
      if (/restores from checkpoint \d+/.test(head)) {
        restored = true;
        restoredStarts++;
      }
    });
    const moment = kills < wanted ? (moments[kills % moments.length] as KillMoment) : undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    if (moment !== undefined) {
      let seen = '';
      child.stderr?.on('data', (chunk: string) => {
        seen += chunk;
        if (moment === 'during-upload' && /checkpoint \d+ uploading/.test(seen)) kill();
        else if (moment === 'after-checkpoint' && /checkpoint \d+ completed/.test(seen)) kill();
        else if (moment === 'during-commit' && /committing checkpoint \d+/.test(seen)) kill();
        else if (moment === 'random' && timer === undefined && /checkpoint \d+ completed/.test(seen)) {
          timer = setTimeout(kill, Math.floor(random() * (options.maxRandomDelayMs ?? 700)));
        }
      });
    }
    const result = await exit;
    if (timer !== undefined) clearTimeout(timer);
    if (killed && result.signal === 'SIGKILL') {
      kills++;
      killMoments[moment as KillMoment]++;
      continue;
    }
    if (result.code === 0) break;
    throw new SluiceTestingError(
      'JOB_PROCESS_FAILED',
      `The job process exited with ${result.code ?? result.signal} after ${kills} kills:\n${result.stderr.slice(-4000)}`,
      { domain: 'user', retriable: false },
    );
  }
  const replayed = [...(await options.readOutput('crashing'))].sort();
  return {
    kills,
    killMoments,
    starts,
    restoredStarts,
    reference,
    replayed,
    missing: diff(reference, replayed),
    extra: diff(replayed, reference),
  };
}

async function runToEnd(options: CrashReplayOptions, run: 'reference'): Promise<string[]> {
  const { exit } = startJobProcess(options, run);
  const result = await exit;
  if (result.code !== 0) {
    throw new SluiceTestingError(
      'JOB_PROCESS_FAILED',
      `The reference run failed (${result.code ?? result.signal}):\n${result.stderr.slice(-4000)}`,
      { domain: 'user', retriable: false },
    );
  }
  return [...(await options.readOutput(run))].sort();
}
