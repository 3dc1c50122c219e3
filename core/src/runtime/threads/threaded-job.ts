import { checkpointingDisabled, emptyMetrics } from '../job-client-defaults.ts';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { JobClient, JobExecutionResult, JobStatus } from '../../api/job-client.ts';
import type { JobParams } from '../../api/job-definition.ts';
import type { EnvironmentOptions, StreamExecutionEnvironment } from '../../api/stream-execution-environment.ts';
import { CollectSink, type CollectedRecord } from '../../connectors/collect/collect-sink.ts';
import { type ErrorCode, SluiceError } from '../../errors.ts';
import { SinkOperator } from '../operators/sink-operator.ts';
import { describePlan } from '../physical-plan.ts';
import type { WorkerInit, WorkerMessage } from './worker-main.ts';

const fromSource = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(fromSource ? './worker-main.ts' : './worker-main.js', import.meta.url);

/**
 * Runs a job on `slots` worker threads. Every worker loads the job module and builds the same
 * plan; subtask s of every operator runs on slot s % slots. Workers are connected pairwise by
 * MessageChannels. `env` is the caller's copy of the job: its CollectSinks receive the records
 * the workers collected.
 */
export function runThreaded(job: {
  moduleUrl: string;
  jobName: string;
  env: StreamExecutionEnvironment;
  options: EnvironmentOptions;
  slots: number;
  params: JobParams;
}): JobClient {
  const { moduleUrl, jobName, env, options, slots, params } = job;
  const plan = env.compile();
  const ports: (MessagePort | undefined)[][] = Array.from({ length: slots }, () => new Array(slots).fill(undefined));
  for (let i = 0; i < slots; i++) {
    for (let j = i + 1; j < slots; j++) {
      const channel = new MessageChannel();
      (ports[i] as (MessagePort | undefined)[])[j] = channel.port1;
      (ports[j] as (MessagePort | undefined)[])[i] = channel.port2;
    }
  }
  const { clock: _clock, ...transferable } = options;
  const startedAt = performance.now();
  let status: JobStatus = 'RUNNING';
  let cancelled = false;
  const workers: Worker[] = [];
  const outcomes = ports.map((slotPorts, slot) => {
    const init: WorkerInit = { moduleUrl, slot, slots, options: transferable, params, ports: slotPorts };
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
    return new Promise<WorkerMessage & { type: 'done' }>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'done') resolve(message);
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

  const result: Promise<JobExecutionResult> = Promise.all(outcomes).then(
    async (done) => {
      mergeCollected(env, done);
      await Promise.all(workers.map((w) => w.terminate()));
      status = 'FINISHED';
      return { jobName, netRuntimeMs: performance.now() - startedAt };
    },
    async (error: unknown) => {
      await Promise.all(workers.map((w) => w.terminate()));
      status = cancelled ? 'CANCELED' : 'FAILED';
      throw cancelled ? new SluiceError('JOB_CANCELLED', 'The job was cancelled.', { cause: error }) : error;
    },
  );
  return {
    jobName,
    graph: describePlan(plan),
    status: () => status,
    result,
    cancel: async () => {
      cancelled = true;
      for (const w of workers) w.postMessage({ type: 'cancel' });
      await result.catch(() => undefined);
    },
    listCheckpoints: async () => [],
    triggerSavepoint: () => Promise.reject(checkpointingDisabled('take a savepoint')),
    stopWithSavepoint: () => Promise.reject(checkpointingDisabled('stop with a savepoint')),
    metrics: emptyMetrics,
  };
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
