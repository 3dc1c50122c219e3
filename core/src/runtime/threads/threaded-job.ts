import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { JobClient, OperatorMetrics } from '../../api/job-client.ts';
import type { JobParams } from '../../api/job-definition.ts';
import type { EnvironmentOptions, StreamExecutionEnvironment } from '../../api/stream-execution-environment.ts';
import { CollectSink, type CollectedRecord } from '../../connectors/collect/collect-sink.ts';
import { QueueSource } from '../../connectors/queue/queue-source.ts';
import { type ErrorCode, SluiceError } from '../../errors.ts';
import { type AttemptHandle, type AttemptSetup, runJob } from '../job-runner.ts';
import { SinkOperator } from '../operators/sink-operator.ts';
import { removeAttemptStateDirectory } from '../state-backend-factory.ts';
import type { PhysicalPlan } from '../physical-plan.ts';
import type { LauncherMessage, WorkerInit, WorkerMessage } from './worker-main.ts';

const fromSource = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(fromSource ? './worker-main.ts' : './worker-main.js', import.meta.url);

interface ThreadedJob {
  moduleUrl: string;
  jobName: string;
  env: StreamExecutionEnvironment;
  options: EnvironmentOptions;
  slots: number;
  params: JobParams;
}

/**
 * Runs a job on `slots` worker threads. Every worker loads the job module and builds the same
 * plan; subtask s of every operator runs on slot s % slots. Workers are connected pairwise by
 * MessageChannels. `env` is the caller's copy of the job: its CollectSinks receive the records
 * the workers collected; its checkpoint coordinator (in this thread) drives the workers' task
 * loops and stores their snapshots.
 */
export function runThreaded(job: ThreadedJob): JobClient {
  const plan = job.env.compile();
  const queues = plan.vertices.filter((v) => v.transformation.source?.source instanceof QueueSource);
  if (queues.length > 0) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `Source(s) ${queues.map((v) => `'${v.name}'`).join(', ')} are QueueSources, which are fed from the ` +
        'calling thread and cannot run in worker threads. Start the job with slots: 1, or read the values ' +
        'from a source the workers can reach (e.g. Kafka).',
    );
  }
  return runJob({
    jobName: job.jobName,
    plan,
    checkpoint: job.env.checkpointing,
    restoreFrom: job.env.restoreSetting,
    restartStrategy: job.env.effectiveRestartStrategy,
    launch: (setup) => launchThreads(job, plan, setup),
  });
}

function launchThreads(job: ThreadedJob, plan: PhysicalPlan, setup: AttemptSetup): AttemptHandle {
  const { moduleUrl, env, options, slots, params } = job;
  const ports: (MessagePort | undefined)[][] = Array.from({ length: slots }, () => new Array(slots).fill(undefined));
  for (let i = 0; i < slots; i++) {
    for (let j = i + 1; j < slots; j++) {
      const channel = new MessageChannel();
      (ports[i] as (MessagePort | undefined)[])[j] = channel.port1;
      (ports[j] as (MessagePort | undefined)[])[i] = channel.port2;
    }
  }
  // Clocks, storage and restart strategies stay here: workers only run task loops.
  const {
    clock: _clock,
    checkpointing: _checkpointing,
    restoreFrom: _restore,
    restartStrategy: _restart,
    ...transferable
  } = options;
  const restored =
    setup.restored === undefined
      ? undefined
      : {
          checkpointId: setup.restored.checkpointId,
          kind: setup.restored.kind,
          operators: [...setup.restored.operators].map(
            ([uid, op]) => [uid, [...op.states]] as [string, (typeof op.states)[number][]],
          ),
        };
  // LMDB working copies of this attempt: one directory, a subdirectory per slot, removed at the end.
  const backend = env.stateBackend;
  const stateDirectory =
    backend.kind === 'lmdb' ? join(backend.directory ?? tmpdir(), `sluice-state-${randomUUID()}`) : undefined;
  const disposed: Promise<void>[] = [];
  let cancelled = false;
  const workers: Worker[] = [];
  const metrics: OperatorMetrics[][] = [];
  const outcomes = ports.map((slotPorts, slot) => {
    const init: WorkerInit = {
      moduleUrl,
      slot,
      slots,
      options: transferable,
      params,
      ports: slotPorts,
      ...(setup.checkpointing === undefined ? {} : { checkpointMode: setup.checkpointing.mode }),
      ...(restored === undefined ? {} : { restored }),
      ...(stateDirectory === undefined ? {} : { stateDirectory }),
    };
    const worker = new Worker(WORKER_URL, {
      workerData: init,
      transferList: slotPorts.filter((p): p is MessagePort => p !== undefined),
      // Same flags as this process (e.g. --cpu-prof); from TypeScript sources, resolve workspace
      // packages to their sources too.
      execArgv: [
        ...process.execArgv.filter((arg) => !arg.startsWith('--input-type')),
        ...(fromSource ? ['--conditions=@sluice/source'] : []),
      ],
    });
    workers.push(worker);
    let onDisposed: () => void = () => {};
    disposed.push(
      new Promise<void>((resolve) => {
        onDisposed = resolve;
      }),
    );
    return new Promise<WorkerMessage & { type: 'done' }>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'done') resolve(message);
        else if (message.type === 'disposed') onDisposed();
        else if (message.type === 'ack') setup.checkpointing?.acknowledge(message.ack);
        else if (message.type === 'metrics') metrics[slot] = message.operators;
        else {
          const error = new SluiceError(message.code as ErrorCode, message.message);
          if (message.stack !== undefined) error.stack = message.stack;
          reject(error);
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        reject(
          new SluiceError('ILLEGAL_STATE', `Worker thread of slot ${slot} exited with code ${code} before finishing.`),
        ),
      );
    });
  });
  const post = (message: LauncherMessage): void => {
    for (const w of workers) w.postMessage(message);
  };
  const failed = new Promise<never>((_resolve, reject) => {
    setup.failures.addEventListener('abort', () => reject(setup.failures.reason), { once: true });
  });
  const done = Promise.race([Promise.all(outcomes), failed]).then(
    async (finished) => {
      mergeCollected(env, finished);
      // Every slot is done: let them close their state (LMDB environments) before they go.
      post({ type: 'dispose' });
      await Promise.race([Promise.all(disposed), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await Promise.all(workers.map((w) => w.terminate()));
      await removeAttemptStateDirectory(stateDirectory);
    },
    async (error: unknown) => {
      await Promise.all(workers.map((w) => w.terminate()));
      await removeAttemptStateDirectory(stateDirectory);
      throw cancelled ? new SluiceError('JOB_CANCELLED', 'The job was cancelled.', { cause: error }) : error;
    },
  );
  return {
    participants: {
      count: slots,
      trigger: (checkpointId, triggerOptions) =>
        workers[0]?.postMessage({ type: 'trigger', checkpointId, options: triggerOptions } satisfies LauncherMessage),
      notifyComplete: (checkpointId) => post({ type: 'complete', checkpointId }),
      notifyAborted: (checkpointId) => post({ type: 'aborted', checkpointId }),
    },
    done,
    metrics: () => sumMetrics(metrics),
    cancel: () => {
      cancelled = true;
      post({ type: 'cancel' });
    },
  };
}

/** Adds up the per-slot metrics of each operator (watermark: the lowest). */
function sumMetrics(perSlot: readonly OperatorMetrics[][]): OperatorMetrics[] {
  const byUid = new Map<string, OperatorMetrics>();
  for (const list of perSlot) {
    for (const m of list ?? []) {
      const prev = byUid.get(m.uid);
      if (prev === undefined) {
        byUid.set(m.uid, m);
        continue;
      }
      const wm =
        prev.watermarkMs === undefined
          ? m.watermarkMs
          : m.watermarkMs === undefined
            ? prev.watermarkMs
            : Math.min(prev.watermarkMs, m.watermarkMs);
      byUid.set(m.uid, {
        ...prev,
        recordsIn: prev.recordsIn + m.recordsIn,
        recordsOut: prev.recordsOut + m.recordsOut,
        recordsOutSide: prev.recordsOutSide + m.recordsOutSide,
        watermarkMs: wm,
        custom: [...prev.custom, ...m.custom],
      });
    }
  }
  return [...byUid.values()];
}

/** Appends what each worker's CollectSinks gathered to the caller's CollectSink of the same vertex. */
function mergeCollected(
  env: StreamExecutionEnvironment,
  done: readonly { collected: { vertexId: number; records: unknown[] }[] }[],
): void {
  const plan = env.compile();
  const sinks = new Map<number, CollectSink<unknown>>();
  for (const v of plan.vertices) {
    if (!v.transformation.isSink) continue;
    const op = v.transformation.createOperator?.();
    if (op instanceof SinkOperator && op.sink instanceof CollectSink) sinks.set(v.id, op.sink);
  }
  for (const worker of done) {
    for (const { vertexId, records } of worker.collected) {
      sinks.get(vertexId)?.addRecords(records as CollectedRecord<unknown>[]);
    }
  }
}
