import type { MetricCounter } from '../../../api/metrics.ts';
import type { SinkWriter, SinkWriterContext } from '../../../api/sink.ts';
import { SluiceError } from '../../../errors.ts';
import type { Timestamp } from '../../../time/timestamps.ts';
import { createKafkaClient } from '../create-kafka-client.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import type { KafkaProducer, KafkaProducerRecord } from '../kafka-client.ts';
import { describeCause } from '../kafka-client-error.ts';
import { type KafkaRecordBuilder, recordBytes, sendEnd } from './kafka-record-builder.ts';
import { KAFKA_SINK_METRICS, KafkaSinkMetrics } from './kafka-sink-metrics.ts';

interface AckWaiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The writer of the `none` and `at-least-once` guarantees: records queue up synchronously and go
 * out in batches, one produce request in flight at a time (so a key's records stay in order and
 * batches grow with the load: whatever arrived while a send was in flight is the next batch).
 * At a barrier, `at-least-once` waits until every record written before it is acknowledged.
 */
export class BatchingKafkaWriter<T> implements SinkWriter<T> {
  private readonly build: KafkaRecordBuilder<T>;
  private readonly atLeastOnce: boolean;
  private readonly maxBatch: number;
  private readonly maxBufferedBytes: number;
  private readonly wakeUp: (() => void) | undefined;
  /** Payload bytes written and not yet acknowledged. */
  private bufferedBytes = 0;
  /** Set when the buffer reached `maxBufferedBytes`, cleared when it is below half of it again. */
  private full = false;
  private readonly pauses: MetricCounter;
  private readonly metrics: KafkaSinkMetrics;
  private readonly producer: Promise<KafkaProducer>;
  private queue: KafkaProducerRecord[] = [];
  /** Records written / acknowledged so far (sends are sequential, so acks come in write order). */
  private written = 0;
  private acked = 0;
  private sending = false;
  private scheduled = false;
  private error: unknown;
  private waiters: AckWaiter[] = [];

  constructor(
    build: KafkaRecordBuilder<T>,
    client: KafkaClientConfig,
    options: { readonly atLeastOnce: boolean; readonly maxBatchRecords: number; readonly maxBufferedBytes: number },
    ctx: SinkWriterContext,
  ) {
    this.build = build;
    this.atLeastOnce = options.atLeastOnce;
    this.maxBatch = options.maxBatchRecords;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.wakeUp = ctx.wakeUp;
    this.metrics = new KafkaSinkMetrics(ctx.metrics);
    this.pauses = ctx.metrics.counter(KAFKA_SINK_METRICS.backpressurePauses);
    ctx.metrics.gauge(KAFKA_SINK_METRICS.bufferedBytes, {}, () => this.bufferedBytes);
    this.producer = createKafkaClient(client).then((c) => c.producer());
    this.producer.catch(() => undefined); // reported through the send loop
  }

  write(value: T, timestamp: Timestamp): void {
    this.throwIfFailed();
    const record = this.build.record(value, timestamp);
    this.queue.push(record);
    this.bufferedBytes += recordBytes(record);
    if (!this.full && this.bufferedBytes >= this.maxBufferedBytes) {
      this.full = true;
      this.pauses.inc();
    }
    this.written++;
    if (!this.sending && !this.scheduled) {
      // One send per synchronous burst of writes (e.g. one input batch), not one per record.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.pump();
      });
    }
  }

  /** True from the moment `maxBufferedBytes` wait for acknowledgement until half of them are acknowledged. */
  isBackpressured(): boolean {
    return this.full;
  }

  flushAtBarrier(): Promise<void> | undefined {
    if (!this.atLeastOnce) return undefined;
    return this.acknowledged(this.written);
  }

  async flush(): Promise<void> {
    await this.acknowledged(this.written);
  }

  async close(): Promise<void> {
    const producer = await this.producer.catch(() => undefined);
    await producer?.close();
  }

  /** Resolves once the first `target` records are acknowledged (undefined: they already are). */
  private acknowledged(target: number): Promise<void> | undefined {
    this.throwIfFailed();
    if (this.acked >= target) return undefined;
    const wait = new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
    if (!this.sending && !this.scheduled) void this.pump();
    return wait;
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      const producer = await this.producer;
      while (this.queue.length > 0 && this.error === undefined) {
        let batch: KafkaProducerRecord[];
        const end = sendEnd(this.queue, 0, this.maxBatch);
        if (end === this.queue.length) {
          batch = this.queue;
          this.queue = [];
        } else {
          // A backlog: take the oldest records that fit one request (splice moves the rest once per batch).
          batch = this.queue.splice(0, end);
        }
        await producer.send(batch);
        let bytes = 0;
        for (const r of batch) bytes += recordBytes(r);
        this.acked += batch.length;
        this.metrics.recordsOut.inc(batch.length);
        this.metrics.bytesOut.inc(bytes);
        this.bufferedBytes -= bytes;
        // Resume the sources once half of the buffer is free (not at every ack near the limit).
        if (this.full && this.bufferedBytes < this.maxBufferedBytes / 2) {
          this.full = false;
          this.wakeUp?.();
        }
        this.settle();
      }
    } catch (error) {
      this.error = new SluiceError(
        'SINK_FAILED',
        `KafkaSink could not write to Kafka: ${describeCause(error)}. The job restarts from its last checkpoint; ` +
          'check the brokers and the topic.',
        { cause: error },
      );
      this.settle();
    } finally {
      this.sending = false;
    }
  }

  private settle(): void {
    const open: AckWaiter[] = [];
    for (const w of this.waiters) {
      if (this.error !== undefined) w.reject(this.error);
      else if (this.acked >= w.target) w.resolve();
      else open.push(w);
    }
    this.waiters = open;
  }

  private throwIfFailed(): void {
    if (this.error !== undefined) throw this.error;
  }
}
