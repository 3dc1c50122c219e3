import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../errors.ts';

/** A forked helper process of the Kafka benchmark and its final JSON line. */
export interface BenchChild<S> {
  readonly child: ChildProcess;
  /** The parsed last stdout line, when the process exits with 0. */
  readonly summary: Promise<S>;
}

/**
 * Forks `name` (a sibling script: `.js` from bench/dist, `.ts` from sources) with `args`; IPC
 * messages go to `onMessage`; `summary` resolves with its last stdout line parsed as JSON.
 *
 * @example
 * ```ts
 * const producer = forkBenchScript<{ produced: number }>('kafka-bench-producer', ['--topic', t], (m) => log(m));
 * console.log((await producer.summary).produced);
 * ```
 */
export function forkBenchScript<S>(
  name: string,
  args: readonly string[],
  onMessage?: (message: Record<string, unknown>) => void,
): BenchChild<S> {
  const script = fileURLToPath(new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const execArgv = script.endsWith('.ts') ? ['--conditions=@sluice/source'] : [];
  const child = fork(script, [...args], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.on('message', (message) => onMessage?.(message as Record<string, unknown>));
  const summary = new Promise<S>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new BenchError('RUN_FAILED', `${name} exited with code ${code}; its stderr:\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as S);
      } catch (cause) {
        reject(new BenchError('BAD_OUTPUT', `${name} printed no summary; its stdout:\n${stdout}`, { cause }));
      }
    });
  });
  summary.catch(() => undefined);
  return { child, summary };
}
