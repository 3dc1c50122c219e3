import type { Sink, SinkWriter, SinkWriterContext } from '../../api/sink.ts';

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(value);
  }
}

/**
 * Prints records to stdout, one line each: `prefix:subtask> record` (as Flink's print sink).
 *
 * @example
 * ```ts
 * stream.sinkTo(new PrintSink('alerts'));
 * ```
 */
export class PrintSink<T> implements Sink<T> {
  private readonly prefix: string | undefined;
  private readonly write: (line: string) => void;

  constructor(prefix?: string, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    this.prefix = prefix;
    this.write = write;
  }

  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    const parts = [this.prefix, ctx.parallelism > 1 ? String(ctx.subtaskIndex + 1) : undefined].filter(Boolean);
    const head = parts.length > 0 ? `${parts.join(':')}> ` : '';
    const write = this.write;
    return {
      write: (value: T) => write(head + render(value)),
      flush: () => {},
      close: () => {},
    };
  }
}
