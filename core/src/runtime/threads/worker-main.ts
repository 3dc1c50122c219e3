/**
 * Entry point of a Sluice worker thread: loads the job module, builds the same plan as the
 * caller, and runs the subtasks placed on this slot, linked to the other slots by MessagePorts.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type JobParams, loadJobDefinition } from '../../api/job-definition.ts';
import { type EnvironmentOptions, StreamExecutionEnvironment } from '../../api/stream-execution-environment.ts';
import { CollectSink } from '../../connectors/collect/collect-sink.ts';
import { SluiceError } from '../../errors.ts';
import { SystemClock } from '../../time/clock.ts';
import { LocalExecutor } from '../local-executor.ts';
import { Mailbox } from '../mailbox.ts';
import { RemoteLink } from './remote-link.ts';
import { postAck } from './ack-transfer.ts';
import type { OperatorMetrics } from '../../api/job-client.ts';
import type { CheckpointingMode } from '../../checkpoint/checkpoint-config.ts';
import type { ParticipantAck, TriggerOptions } from '../../checkpoint/checkpoint-coordinator.ts';
import { RestoredOperator, type SubtaskState } from '../subtask-state.ts';

/** What the launcher passes to each worker. */
export interface WorkerInit {
  readonly moduleUrl: string;
  readonly slot: number;
  readonly slots: number;
  readonly options: EnvironmentOptions;
  readonly params: JobParams;
  /** Port to slot i at index i (undefined at this slot's own index). */
  readonly ports: (MessagePort | undefined)[];
  /** Checkpointing mode, when the launcher coordinates checkpoints. */
  readonly checkpointMode?: CheckpointingMode;
  /** The attempt's directory for LMDB working copies (this slot uses `<dir>/slot-<n>`). */
  readonly stateDirectory?: string;
  /** Restored state as plain data (per uid: the old subtasks' states). */
  readonly restored?: { checkpointId: number; kind: 'checkpoint' | 'savepoint'; operators: [string, SubtaskState[]][] };
}

/** Messages from the launcher to a worker. */
export type LauncherMessage =
  | { readonly type: 'cancel' }
  /** Every slot finished: release keyed state (answered with 'disposed'). */
  | { readonly type: 'dispose' }
  | { readonly type: 'trigger'; readonly checkpointId: number; readonly options: TriggerOptions }
  | { readonly type: 'complete'; readonly checkpointId: number }
  | { readonly type: 'aborted'; readonly checkpointId: number };

/** Messages from a worker to the launcher. */
export type WorkerMessage =
  | { readonly type: 'done'; readonly collected: { vertexId: number; records: unknown[] }[] }
  | { readonly type: 'ack'; readonly ack: ParticipantAck }
  | { readonly type: 'metrics'; readonly operators: OperatorMetrics[] }
  | { readonly type: 'disposed' }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly stack?: string };

const init = workerData as WorkerInit;
const port = parentPort as MessagePort;
const abort = new AbortController();
let onControl: (message: LauncherMessage) => void = () => {};
port.on('message', (message: LauncherMessage) => {
  if (message.type === 'cancel') abort.abort();
  else onControl(message);
});

try {
  const def = await loadJobDefinition(init.moduleUrl);
  const env = StreamExecutionEnvironment.create({ ...def.options, ...init.options });
  def.build(env, init.params);
  const plan = env.compile();
  const mailbox = new Mailbox();
  // Batches are delivered through the mailbox, so they only ever run after `executor` exists.
  const links = init.ports.map((p) =>
    p === undefined
      ? undefined
      : new RemoteLink(
          p,
          mailbox,
          {
            record: (edge, consumer, channel, value, timestamp) =>
              executor.receiveRecord(edge, consumer, channel, value, timestamp),
            control: (op, edge, consumer, channel, payload) =>
              executor.receiveControl(op, edge, consumer, channel, payload),
          },
          { codec: env.crossThreadCodec },
        ),
  );
  const restored =
    init.restored === undefined
      ? undefined
      : {
          checkpointId: init.restored.checkpointId,
          kind: init.restored.kind,
          operators: new Map(
            init.restored.operators.map(([uid, states]) => [
              uid,
              new RestoredOperator(init.restored?.checkpointId ?? 0, states),
            ]),
          ),
        };
  const executor = new LocalExecutor(plan, {
    clock: new SystemClock(),
    runtimeMode: env.runtimeMode,
    autoWatermarkIntervalMs: env.autoWatermarkIntervalMs,
    signal: abort.signal,
    mailbox,
    placement: { slot: init.slot, slots: init.slots, links },
    stateBackend: env.stateBackend,
    ...(init.stateDirectory === undefined ? {} : { stateDirectory: `${init.stateDirectory}/slot-${init.slot}` }),
    // Other slots may still trigger checkpoints after this loop ended: state stays until 'dispose'.
    keepStateAfterRun: true,
    ...(init.checkpointMode === undefined
      ? {}
      : {
          checkpointing: {
            mode: init.checkpointMode,
            // State files are moved, not copied (a copy of 50 MB held this thread ~25 ms).
            acknowledge: (ack: ParticipantAck) => postAck(port, ack),
          },
        }),
    ...(restored === undefined ? {} : { restored }),
  });
  onControl = (message) => {
    // Triggers go to slot 0, which forwards them through the links (see LocalExecutor.triggerCheckpoint).
    if (message.type === 'trigger')
      mailbox.submit(() => executor.triggerCheckpoint(message.checkpointId, message.options));
    else if (message.type === 'complete') mailbox.submit(() => executor.notifyCheckpointComplete(message.checkpointId));
    else if (message.type === 'aborted') mailbox.submit(() => executor.notifyCheckpointAborted(message.checkpointId));
    else if (message.type === 'dispose') {
      void executor.disposeState().finally(() => port.postMessage({ type: 'disposed' } satisfies WorkerMessage));
    }
  };
  const metrics = setInterval(
    () => port.postMessage({ type: 'metrics', operators: executor.operatorMetrics() }),
    1_000,
  );
  metrics.unref();
  await executor.run();
  clearInterval(metrics);
  // The task loop ended, but checkpoints may still be triggered (other slots run on): keep
  // answering them; with every task finished a snapshot is immediate.
  const pump = async (): Promise<void> => {
    for (;;) {
      await mailbox.waitForMail();
      mailbox.drain();
      for (const link of links) link?.flush();
    }
  };
  void pump();
  port.postMessage({ type: 'metrics', operators: executor.operatorMetrics() } satisfies WorkerMessage);
  const collected = executor
    .localSinks()
    .filter((s) => s.operator.sink instanceof CollectSink)
    .map((s) => ({
      vertexId: s.vertexId,
      records: (s.operator.sink as CollectSink<unknown>).takeRecords() as unknown[],
    }));
  port.postMessage({ type: 'done', collected } satisfies WorkerMessage);
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  port.postMessage({
    type: 'error',
    code: error instanceof SluiceError ? error.code : 'USER_FUNCTION_FAILED',
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
  } satisfies WorkerMessage);
}
// Ports stay open: batches this slot sent may still be in flight to slots that are not done yet.
// The launcher terminates every worker once all of them reported.
