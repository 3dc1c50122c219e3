import type { MetricCounter, MetricGroup } from '../../../api/metrics.ts';
import type { KafkaAdmin, PartitionOffset } from '../kafka-client.ts';
import { describeCause } from '../kafka-client-error.ts';
import { KAFKA_SOURCE_METRICS } from './kafka-source-metrics.ts';

/**
 * Commits a reader's checkpointed positions to its consumer group when a checkpoint completes,
 * for lag monitoring only (recovery uses the checkpoint). One commit at a time; a newer request
 * replaces one still waiting. Failures are logged and counted, never thrown.
 */
export class OffsetCommitter {
  private readonly groupId: string;
  private readonly admin: () => Promise<KafkaAdmin>;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly failures: MetricCounter;
  private lastSeconds: number | undefined;
  private waiting: readonly PartitionOffset[] | undefined;
  private running: Promise<void> | undefined;

  constructor(options: {
    groupId: string;
    admin: () => Promise<KafkaAdmin>;
    metrics: MetricGroup;
    now: () => number;
    log: (line: string) => void;
  }) {
    this.groupId = options.groupId;
    this.admin = options.admin;
    this.now = options.now;
    this.log = options.log;
    this.failures = options.metrics.counter(KAFKA_SOURCE_METRICS.commitFailures);
    options.metrics.gauge(KAFKA_SOURCE_METRICS.commitSeconds, {}, () => this.lastSeconds);
  }

  commit(offsets: readonly PartitionOffset[]): void {
    if (offsets.length === 0) return;
    this.waiting = offsets;
    this.running ??= this.drain();
  }

  /** Resolves when no commit is running. */
  async settle(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let offsets = this.waiting; offsets !== undefined; offsets = this.waiting) {
        this.waiting = undefined;
        const started = this.now();
        try {
          await (await this.admin()).commitGroupOffsets(this.groupId, offsets);
          this.lastSeconds = (this.now() - started) / 1000;
        } catch (error) {
          this.failures.inc();
          this.log(
            `KafkaSource: committing offsets to group '${this.groupId}' failed (lag monitoring only; the job goes on): ${describeCause(error)}`,
          );
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
