import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Committer, PrecommittingSinkWriter, SinkWriterContext, TwoPhaseCommitSink } from '../../api/sink.ts';
import { SluiceError } from '../../errors.ts';

/** Options of {@link FileSink}. */
export interface FileSinkOptions<T> {
  /** The output directory (created if missing). It belongs to the job: stale parts in it are removed on start. */
  readonly directory: string;
  /** One line per record; default `JSON.stringify`. Must not contain a newline. */
  readonly encode?: (value: T) => string;
  /** Bytes buffered in memory before a write to the in-progress part; default 64 KiB. */
  readonly bufferBytes?: number;
}

/** A sealed part file waiting to be made visible. */
export interface FilePartCommittable {
  readonly inProgress: string;
  readonly final: string;
}

const PART = /^part-(\d+)-(?:(\d+)|final-after-(\d+))\.jsonl$/;
const IN_PROGRESS = /^\.part-(\d+)-after-(\d+)\.inprogress$/;

/** The checkpoint that sealed a part (a final part sealed at end of input counts just after its predecessor). */
function sealedAfter(name: string): { subtask: number; sealedBy: number } | undefined {
  const m = PART.exec(name);
  if (m !== null) {
    return { subtask: Number(m[1]), sealedBy: m[2] !== undefined ? Number(m[2]) : Number(m[3]) + 0.5 };
  }
  const p = IN_PROGRESS.exec(name);
  if (p !== null) return { subtask: Number(p[1]), sealedBy: Number(p[2]) + 0.5 };
  return undefined;
}

class FileSinkWriter<T> implements PrecommittingSinkWriter<T, FilePartCommittable> {
  private readonly dir: string;
  private readonly subtask: number;
  private readonly encode: (value: T) => string;
  private readonly limit: number;
  private lines: string[] = [];
  private bytes = 0;
  private fd: number | undefined;
  /** The checkpoint that sealed the previous part (or the restored one). */
  private after: number;

  constructor(options: FileSinkOptions<T>, ctx: SinkWriterContext) {
    this.dir = options.directory;
    this.subtask = ctx.subtaskIndex;
    this.encode = options.encode ?? ((v) => JSON.stringify(v));
    this.limit = options.bufferBytes ?? 64 * 1024;
    this.after = ctx.restoredCheckpointId ?? 0;
    mkdirSync(this.dir, { recursive: true });
    this.removeStaleParts(ctx);
  }

  /**
   * Parts that no restored checkpoint covers are output of a failed attempt (in progress, or
   * committed at end of input by an attempt that crashed before the job finished): the replay
   * writes them again, so they go. Subtask 0 also cleans up after subtasks a rescale removed.
   */
  private removeStaleParts(ctx: SinkWriterContext): void {
    for (const name of readdirSync(this.dir)) {
      const part = sealedAfter(name);
      if (part === undefined) continue;
      const mine = part.subtask === this.subtask || (ctx.subtaskIndex === 0 && part.subtask >= ctx.parallelism);
      if (mine && part.sealedBy > this.after) rmSync(join(this.dir, name), { force: true });
    }
  }

  private inProgressPath(): string {
    return join(this.dir, `.part-${this.subtask}-after-${this.after}.inprogress`);
  }

  write(value: T): void {
    const line = `${this.encode(value)}\n`;
    this.lines.push(line);
    this.bytes += line.length;
    if (this.bytes >= this.limit) this.writeBuffered();
  }

  private writeBuffered(): void {
    if (this.lines.length === 0) return;
    this.fd ??= openSync(this.inProgressPath(), 'w');
    writeSync(this.fd, this.lines.join(''));
    this.lines = [];
    this.bytes = 0;
  }

  prepareCommit(checkpointId: number): FilePartCommittable[] {
    this.writeBuffered();
    const fd = this.fd;
    const inProgress = this.inProgressPath();
    const endOfInput = checkpointId === Number.MAX_SAFE_INTEGER;
    const final = join(
      this.dir,
      endOfInput
        ? `part-${this.subtask}-final-after-${this.after}.jsonl`
        : `part-${this.subtask}-${checkpointId}.jsonl`,
    );
    if (!endOfInput) this.after = checkpointId;
    if (fd === undefined) return [];
    fsyncSync(fd);
    closeSync(fd);
    this.fd = undefined;
    return [{ inProgress, final }];
  }

  flush(): void {
    this.writeBuffered();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

class FilePartCommitter implements Committer<FilePartCommittable> {
  async commit(committables: readonly FilePartCommittable[]): Promise<void> {
    for (const c of committables) {
      try {
        await rename(c.inProgress, c.final);
      } catch (error) {
        // Already committed (a recovery commits again): the final part is there. Anything else lost data.
        const done = await stat(c.final).then(
          () => true,
          () => false,
        );
        if (!done) {
          throw new SluiceError(
            'SINK_FAILED',
            `Part ${c.inProgress} can be neither committed nor found as ${c.final}; the output directory was changed ` +
              'behind the job.',
            { cause: error },
          );
        }
      }
    }
  }
}

/**
 * An exactly-once file sink: JSON lines into `<directory>/part-<subtask>-<checkpoint>.jsonl`.
 * Records go to a hidden in-progress part; the checkpoint barrier seals it (pre-commit: flushed,
 * fsynced, listed in the checkpoint), and its completion renames it into place (commit). After a
 * crash, recovery renames the parts the restored checkpoint sealed and removes every part it does
 * not cover, so the visible output is exactly that of a run without failures. At end of input the
 * last part is committed as `part-<subtask>-final-after-<checkpoint>.jsonl`.
 *
 * @example
 * ```ts
 * env.enableCheckpointing(1_000, { storage });
 * counts.sinkTo(new FileSink({ directory: '/data/out/counts' }), 'counts-file');
 * ```
 */
export class FileSink<T> implements TwoPhaseCommitSink<T, FilePartCommittable> {
  readonly twoPhaseCommit = true as const;
  private readonly options: FileSinkOptions<T>;

  constructor(options: FileSinkOptions<T>) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new SluiceError('INVALID_ARGUMENT', 'FileSink needs a directory, e.g. new FileSink({ directory: "out" }).');
    }
    this.options = options;
  }

  createWriter(ctx: SinkWriterContext): FileSinkWriter<T> {
    return new FileSinkWriter<T>(this.options, ctx);
  }

  createCommitter(): FilePartCommitter {
    return new FilePartCommitter();
  }
}

/**
 * Reads the committed output of a {@link FileSink} directory: every visible part's lines, in
 * part-name order (in-progress parts are not output).
 *
 * @example
 * ```ts
 * const lines = readFileSinkOutput('/data/out/counts');
 * ```
 */
export function readFileSinkOutput(directory: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return out;
  }
  for (const name of names.filter((n) => PART.test(n)).sort()) {
    const text = readFileSync(join(directory, name), 'utf8');
    for (const line of text.split('\n')) if (line !== '') out.push(line);
  }
  return out;
}
