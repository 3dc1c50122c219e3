import { spawn } from 'node:child_process';

/**
 * Outcome of {@link runCommand}.
 *
 * @example
 * ```ts
 * const result: CommandResult = { exitCode: 0, output: 'ok', notFound: false };
 * ```
 */
export interface CommandResult {
  exitCode: number | null;
  /** stdout and stderr interleaved, capped to the last 256 KiB. */
  output: string;
  /** The executable does not exist (ENOENT). */
  notFound: boolean;
}

/**
 * Runs a short command to completion and collects its output (never throws for a non-zero
 * exit; `notFound` tells a missing executable).
 *
 * @example
 * ```ts
 * const { exitCode, output } = await runCommand('mvn', ['-v']);
 * ```
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Our own timer (not spawn's `timeout`, whose timer outlives a failed spawn and keeps Node alive).
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    const collect = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > 256 * 1024 && chunks.length > 1) size -= chunks.shift()?.length ?? 0;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ exitCode: null, output: error.message, notFound: error.code === 'ENOENT' });
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output: Buffer.concat(chunks).toString('utf8'), notFound: false });
    });
  });
}
