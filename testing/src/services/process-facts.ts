import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid runs (a process we may not signal still counts; a zombie,
 * dead but not yet reaped by its parent, does not).
 *
 * @example
 * ```ts
 * isProcessAlive(process.pid); // true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = procStatFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

/** Fields 3… of `/proc/<pid>/stat` (state first), or `undefined` where /proc is absent. */
function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * The process's start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`), which
 * tells a live process from a later one that reused its pid. `undefined` where /proc is absent.
 *
 * @example
 * ```ts
 * const ticks = processStartTicks(process.pid); // "123456"
 * ```
 */
export function processStartTicks(pid: number): string | undefined {
  return procStatFields(pid)?.[19];
}

/**
 * The process's command line with arguments joined by spaces (`/proc/<pid>/cmdline`), or
 * `undefined` when it cannot be read.
 *
 * @example
 * ```ts
 * processCommandLine(pid)?.includes('-Dsluice.testing.id=kafka-1');
 * ```
 */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}
