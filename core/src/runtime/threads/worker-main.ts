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

/** What the launcher passes to each worker. */
export interface WorkerInit {
  readonly moduleUrl: string;
  readonly slot: number;
  readonly slots: number;
  readonly options: EnvironmentOptions;
  readonly params: JobParams;
  /** Port to slot i at index i (undefined at this slot's own index). */
  readonly ports: (MessagePort | undefined)[];
}

/** Messages from a worker to the launcher. */
export type WorkerMessage =
  | { readonly type: 'done'; readonly collected: { vertexId: number; records: unknown[] }[] }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly stack?: string };

const init = workerData as WorkerInit;
const port = parentPort as MessagePort;
const abort = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'cancel') abort.abort();
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
      : new RemoteLink(p, mailbox, (entries) => executor.deliver(entries), { codec: env.crossThreadCodec }),
  );
  const executor = new LocalExecutor(plan, {
    clock: new SystemClock(),
    runtimeMode: env.runtimeMode,
    autoWatermarkIntervalMs: env.autoWatermarkIntervalMs,
    signal: abort.signal,
    mailbox,
    placement: { slot: init.slot, slots: init.slots, links },
  });
  await executor.run();
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
