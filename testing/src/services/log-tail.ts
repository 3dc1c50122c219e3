import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `lines` lines of a log file (read from its last 64 KiB), or a note if it is unreadable.
 *
 * @example
 * ```ts
 * throw new Error(`broker died:\n${readLogTail('/tmp/sluice-kafka-x/kafka.log')}`);
 * ```
 */
export function readLogTail(file: string, lines = 40): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8').split('\n');
    return text
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch (error) {
    return `(log ${file} unreadable: ${(error as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
