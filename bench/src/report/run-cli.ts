import { execFile } from 'node:child_process';
import { BenchError } from '../errors.ts';
import type { NexmarkRunResult } from '../nexmark/run-nexmark.ts';

/**
 * Runs one Nexmark query in a fresh Node process (`cli.js <query> --events N --json`, with
 * `nodeOptions` such as `--cpu-prof` before the script and `cliOptions` such as
 * `--checkpoint-interval 10000` after it) and returns its JSON result.
 *
 * @example
 * ```ts
 * const r = await runCli(new URL('./cli.js', import.meta.url), 'q5', 2_000_000, [], ['--checkpoint-interval', '10000']);
 * ```
 */
export function runCli(
  cli: URL,
  query: string,
  events: number,
  nodeOptions: readonly string[] = [],
  cliOptions: readonly string[] = [],
): Promise<NexmarkRunResult> {
  const args = [
    ...nodeOptions,
    cli.pathname,
    query,
    '--events',
    String(events),
    '--parallelism',
    '1',
    ...cliOptions,
    '--json',
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(
          new BenchError('RUN_FAILED', `${query} failed (${error.message}); its stderr:\n${stderr}`, { cause: error }),
        );
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as NexmarkRunResult);
      } catch (cause) {
        reject(new BenchError('BAD_OUTPUT', `${query} printed no JSON result; its stdout:\n${stdout}`, { cause }));
      }
    });
  });
}
