import type { Sink, SinkWriter } from '../../api/sink.ts';
import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator, type OneInputStreamOperator } from '../stream-operator.ts';

/** Hands records to a {@link SinkWriter}; the runtime awaits `flush(true)` at end of input. */
export class SinkOperator<T> extends AbstractStreamOperator<never> implements OneInputStreamOperator<T, never> {
  readonly sink: Sink<T>;
  writer!: SinkWriter<T>;

  constructor(sink: Sink<T>) {
    super();
    this.sink = sink;
  }

  override open(): void {
    this.writer = this.sink.createWriter({
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorUid: this.ctx.uid,
    });
  }

  processElement(value: T, timestamp: Timestamp): void {
    try {
      this.writer.write(value, timestamp);
    } catch (e) {
      throw new SluiceError('SINK_FAILED', `Sink '${this.ctx.name}' failed to write: ${String(e)}`, { cause: e });
    }
  }

  async flushAndClose(): Promise<void> {
    await this.writer.flush(true);
    await this.writer.close();
  }
}
