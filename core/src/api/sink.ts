import type { Timestamp } from '../time/timestamps.ts';

/** What a sink writer gets from the runtime. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly operatorUid: string;
}

/**
 * Writes the records of one subtask. `write` is synchronous (the hot path); I/O happens in
 * `flush`, which the runtime awaits at end of input (and at checkpoints, for delivery guarantees).
 */
export interface SinkWriter<T> {
  write(value: T, timestamp: Timestamp): void;
  flush(endOfInput: boolean): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * A destination of records.
 *
 * @example
 * ```ts
 * const sink: Sink<string> = { createWriter: () => ({ write: (v) => lines.push(v), flush() {}, close() {} }) };
 * stream.sinkTo(sink, 'lines');
 * ```
 */
export interface Sink<T> {
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}
