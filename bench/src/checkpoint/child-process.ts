import { type ChildProcess, spawn } from 'node:child_process';

const fromSource = import.meta.url.endsWith('.ts');

/** The checkpoint benchmark's CLI script, from sources or from `dist/`. */
export const CHECKPOINT_CLI = new URL(fromSource ? '../checkpoint-cli.ts' : '../checkpoint-cli.js', import.meta.url);

/** A started `checkpoint-cli.js run …` process. */
export interface BenchChild {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed) and the signal. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** The last 20,000 characters printed on stderr. */
  stderrTail(): string;
  /** Calls `listener` with every complete stderr line as it arrives. */
  onStderrLine(listener: (line: string) => void): void;
}

/**
 * Starts `checkpoint-cli run <args>` in a fresh Node process (with `nodeOptions`, e.g.
 * `--cpu-prof`, before the script).
 *
 * @example
 * ```ts
 * const run = startBenchChild(['run', '--storage', 'none', '--json']);
 * await run.exit;
 * ```
 */
export function startBenchChild(args: readonly string[], nodeOptions: readonly string[] = []): BenchChild {
  const child = spawn(
    process.execPath,
    [...(fromSource ? ['--conditions=@sluice/source'] : []), ...nodeOptions, CHECKPOINT_CLI.pathname, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let tail = '';
  let partial = '';
  const listeners: ((line: string) => void)[] = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-20_000);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exit,
    stdout: () => stdout,
    stderrTail: () => tail,
    onStderrLine: (listener) => listeners.push(listener),
  };
}
