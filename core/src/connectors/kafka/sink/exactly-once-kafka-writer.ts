import type { PrecommittingSinkWriter, SinkWriterContext } from '../../../api/sink.ts';
import type { Timestamp } from '../../../time/timestamps.ts';
import { EpochBuffer } from './epoch-buffer.ts';
import type { KafkaSinkCommittable } from './exactly-once-protocol.ts';
import type { KafkaRecordBuilder } from './kafka-record-builder.ts';

/**
 * The writer of the `exactly-once` guarantee: no I/O at all. It appends the epoch's records to
 * an {@link EpochBuffer}; at the barrier the sealed epoch becomes the committable, which goes into
 * the checkpoint (write-ahead) and is written to Kafka by the committer once the checkpoint is
 * durable.
 */
export class ExactlyOnceKafkaWriter<T> implements PrecommittingSinkWriter<T, KafkaSinkCommittable> {
  private readonly build: KafkaRecordBuilder<T>;
  private readonly writer: number;
  private epoch = new EpochBuffer();

  constructor(build: KafkaRecordBuilder<T>, ctx: SinkWriterContext) {
    this.build = build;
    this.writer = ctx.subtaskIndex;
  }

  write(value: T, timestamp: Timestamp): void {
    this.epoch.append(this.build.record(value, timestamp));
  }

  prepareCommit(checkpointId: number): KafkaSinkCommittable[] {
    if (this.epoch.count === 0) return [];
    const payloadBytes = this.epoch.payloadBytes;
    return [{ writer: this.writer, checkpointId, records: this.epoch.seal(), payloadBytes }];
  }

  flush(): void {}

  close(): void {
    this.epoch = new EpochBuffer(0);
  }
}
