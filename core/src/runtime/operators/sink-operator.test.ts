import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Committer,
  DataGeneratorSource,
  FsCheckpointStorage,
  type PrecommittingSinkWriter,
  type SinkWriterContext,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
  WatermarkStrategy,
} from '@sluice/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SubtaskMetricGroup } from '../../api/metrics.ts';
import { ManualClock } from '../../time/clock.ts';
import { Mailbox } from '../mailbox.ts';
import { ProcessingTimeScheduler } from '../processing-time-scheduler.ts';
import type { OperatorContext, Output, RestoredOperatorState } from '../stream-operator.ts';
import { ownedCommittables, type PendingCommit, SinkOperator } from './sink-operator.ts';

interface Epoch {
  readonly writer: number;
  readonly checkpointId: number;
  readonly values: readonly string[];
}

/** A two-phase-commit sink that records what it is asked to do; commits wait for `release()`. */
class RecordingSink implements TwoPhaseCommitSink<string, Epoch> {
  readonly twoPhaseCommit = true as const;
  readonly events: string[] = [];
  readonly contexts: SinkWriterContext[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: (() => void) | undefined;
  barrier: ((checkpointId: number) => Promise<void> | undefined) | undefined;

  holdCommits(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = Promise.resolve();
  }

  createWriter(ctx: SinkWriterContext): PrecommittingSinkWriter<string, Epoch> {
    this.contexts.push(ctx);
    let values: string[] = [];
    return {
      write: (v) => values.push(v),
      prepareCommit: (checkpointId) => {
        if (values.length === 0) return [];
        const epoch = { writer: ctx.subtaskIndex, checkpointId, values };
        values = [];
        return [epoch];
      },
      flushAtBarrier: (checkpointId) => this.barrier?.(checkpointId),
      flush: () => {},
      close: () => {},
    };
  }

  createCommitter(): Committer<Epoch> {
    return {
      recover: async () => {
        this.events.push('recover');
      },
      commit: async (epochs) => {
        await this.gate;
        this.events.push(`commit ${epochs.map((e) => `${e.writer}:${e.checkpointId}`).join(',')}`);
      },
    };
  }
}

const noOutput: Output<never> = {
  collect: () => {},
  collectSide: () => {},
  emitWatermark: () => {},
  emitIdle: () => {},
  endInput: () => {},
};

function context(subtaskIndex: number, parallelism: number): OperatorContext {
  const clock = new ManualClock(0);
  return {
    uid: 'sink',
    name: 'sink',
    subtaskIndex,
    parallelism,
    maxParallelism: 128,
    clock,
    runtimeMode: 'STREAMING',
    keyedBackend: undefined,
    processingTime: new ProcessingTimeScheduler(clock),
    mailbox: new Mailbox(),
    metrics: new SubtaskMetricGroup(subtaskIndex),
  };
}

function operator(sink: RecordingSink, subtask = 0, parallelism = 1, restored?: RestoredOperatorState) {
  const op = new SinkOperator<string>(sink);
  op.setup(context(subtask, parallelism), noOutput);
  if (restored !== undefined) op.initializeState(restored);
  op.open();
  return op;
}

const committables = (snapshot: { unionState?: Record<string, readonly unknown[]> }) =>
  ((snapshot.unionState?.['__sluice.committables.by-writer'] ?? []) as PendingCommit[]).map(
    (p) => `${p.writer}:${p.checkpointId}`,
  );

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SinkOperator two-phase commit', () => {
  it('keeps committables in every checkpoint until their commit succeeded', async () => {
    const sink = new RecordingSink();
    const op = operator(sink);
    await settle();
    op.processElement('a', 0);
    expect(committables(op.snapshotState(1))).toEqual(['0:1']);
    sink.holdCommits();
    const committing = op.notifyCheckpointComplete(1);
    op.processElement('b', 0);
    // Checkpoint 2 is taken while the commit of 1 runs: a crash after 2 completes must still commit 1.
    expect(committables(op.snapshotState(2))).toEqual(['0:1', '0:2']);
    sink.release();
    await committing;
    expect(committables(op.snapshotState(3))).toEqual(['0:2']);
    expect(sink.events).toEqual(['recover', 'commit 0:1']);
  });

  it('restores each writer’s committables to subtask writer % parallelism, in checkpoint order, after recover()', async () => {
    // Three old subtasks; writer 2 had two uncommitted epochs, the first one also listed by subtask 0
    // because subtask 0 restored it earlier and had not committed it yet.
    const union = {
      '__sluice.committables.by-writer': [
        { checkpointId: 7, writer: 2, committable: { writer: 2, checkpointId: 7, values: ['x'] } },
        { checkpointId: 8, writer: 0, committable: { writer: 0, checkpointId: 8, values: ['a'] } },
        { checkpointId: 8, writer: 1, committable: { writer: 1, checkpointId: 8, values: ['b'] } },
        { checkpointId: 9, writer: 2, committable: { writer: 2, checkpointId: 9, values: ['c'] } },
        { checkpointId: 8, writer: 2, committable: { writer: 2, checkpointId: 8, values: ['d'] } },
      ],
      '__sluice.sink-parallelism': [3, 3, 3],
    };
    const restored: RestoredOperatorState = { checkpointId: 9, listState: {}, unionState: union, broadcastState: {} };
    const sinks = [new RecordingSink(), new RecordingSink()];
    const ops = sinks.map((s, i) => operator(s, i, 2, restored));
    await settle();
    expect(sinks[0]?.events).toEqual(['recover', 'commit 2:7,0:8,2:8,2:9']);
    expect(sinks[1]?.events).toEqual(['recover', 'commit 1:8']);
    expect(sinks[0]?.contexts[0]).toMatchObject({ restoredCheckpointId: 9, restoredParallelism: 3, parallelism: 2 });
    // The lineage remembers it once ran at 3 (whose writer 2 a later restore must still clean up after).
    expect(ops[1]?.snapshotState(10).unionState?.['__sluice.sink-parallelism']).toEqual([3]);
  });

  it('still commits committables of checkpoints that kept them in operator list state', async () => {
    const legacy = [{ checkpointId: 4, committable: { writer: 0, checkpointId: 4, values: ['old'] } }];
    const restored: RestoredOperatorState = {
      checkpointId: 4,
      listState: { '__sluice.committables': legacy },
      unionState: {},
      broadcastState: {},
    };
    const sink = new RecordingSink();
    operator(sink, 0, 1, restored);
    await settle();
    expect(sink.events).toEqual(['recover', 'commit 0:4']);
  });

  it('orders owned committables by checkpoint', () => {
    const p = (writer: number, checkpointId: number): PendingCommit => ({ writer, checkpointId, committable: null });
    expect(ownedCommittables([p(3, 9), p(1, 5), p(2, 4), p(1, 2)], [], 1, 2)).toEqual([p(1, 2), p(1, 5), p(3, 9)]);
  });

  it('reports backpressure while more than two completed checkpoints wait for their commits, and wakes the task after', async () => {
    const sink = new RecordingSink();
    const ctx = context(0, 1);
    const op = new SinkOperator<string>(sink);
    op.setup(ctx, noOutput);
    op.open();
    await settle();
    sink.holdCommits();
    const commits: Promise<void>[] = [];
    for (const checkpointId of [1, 2, 3]) {
      op.processElement(`v${checkpointId}`, 0);
      op.snapshotState(checkpointId);
      commits.push(op.notifyCheckpointComplete(checkpointId) as Promise<void>);
      // Two epochs waiting for their commit are normal (one committing, one just completed).
      expect(op.isBackpressured()).toBe(checkpointId > 2);
    }
    ctx.mailbox.drain();
    sink.release();
    await Promise.all(commits);
    expect(op.isBackpressured()).toBe(false);
    expect(ctx.mailbox.size).toBeGreaterThan(0); // the wake-up: the task polls its sources again
    expect(sink.events).toEqual(['recover', 'commit 0:1', 'commit 0:2', 'commit 0:3']);
  });

  it('passes on its writer’s backpressure', () => {
    const sink = new RecordingSink();
    const op = operator(sink);
    let full = true;
    (op.writer as { isBackpressured?: () => boolean }).isBackpressured = () => full;
    expect(op.isBackpressured()).toBe(true);
    full = false;
    expect(op.isBackpressured()).toBe(false);
    expect(sink.contexts[0]?.wakeUp).toBeTypeOf('function');
  });

  it('hands the writer’s barrier flush to the runtime', () => {
    const sink = new RecordingSink();
    const op = operator(sink);
    expect(op.awaitBeforeAcknowledge(1)).toBeUndefined();
    const flushed = Promise.resolve();
    sink.barrier = () => flushed;
    expect(op.awaitBeforeAcknowledge(2)).toBe(flushed);
  });
});

describe('a checkpoint waits for the sink’s barrier flush (at-least-once sinks)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is acknowledged, and so completes, only after flushAtBarrier resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-barrier-flush-'));
    dirs.push(dir);
    const sink = new RecordingSink();
    sink.barrier = (checkpointId) => {
      sink.events.push(`flush ${checkpointId} started`);
      return new Promise((resolve) =>
        setTimeout(() => {
          sink.events.push(`flush ${checkpointId} done`);
          resolve();
        }, 30),
      );
    };
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    env.enableCheckpointing(20, { storage: new FsCheckpointStorage({ directory: dir }) });
    env
      .fromSource(
        new DataGeneratorSource({ count: 1_000_000, recordsPerSecond: 2_000, generate: (i) => `r${i}` }),
        WatermarkStrategy.noWatermarks<string>(),
        'gen',
      )
      .sinkTo(sink, 'recording');
    const client = env.executeAsync('barrier-flush');
    const commits = () => sink.events.filter((e) => e.startsWith('commit'));
    while (commits().length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await client.cancel();
    await client.result.catch(() => undefined);
    for (const commit of commits()) {
      // Each checkpoint's commit (its completion) comes after that checkpoint's flush finished.
      const id = Number(/:(\d+)$/.exec(commit)?.[1]);
      expect(sink.events.indexOf(`flush ${id} done`)).toBeGreaterThan(-1);
      expect(sink.events.indexOf(`flush ${id} done`)).toBeLessThan(sink.events.indexOf(commit));
    }
  });
});

describe('SinkOperator close after a failure', () => {
  it('releases the writer and the committer once, and not again after a normal end', async () => {
    const closed: string[] = [];
    const sink = new RecordingSink();
    const create = sink.createWriter.bind(sink);
    sink.createWriter = (ctx) => ({ ...create(ctx), close: () => void closed.push('writer') });
    sink.createCommitter = () => ({ commit: async () => {}, close: async () => void closed.push('committer') });
    const failed = operator(sink);
    failed.close();
    failed.close();
    expect(closed).toEqual(['writer', 'committer']);
    closed.length = 0;
    const finished = operator(sink);
    await finished.flushAndClose();
    finished.close();
    expect(closed).toEqual(['committer', 'writer']);
  });
});
