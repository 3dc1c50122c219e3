import type { JobClient, JobExecutionResult, JobStatus, OperatorMetrics } from '../api/job-client.ts';
import type { CheckpointConfig, CheckpointingMode, RestoreFrom } from '../checkpoint/checkpoint-config.ts';
import {
  CheckpointCoordinator,
  type CheckpointParticipants,
  type ParticipantAck,
} from '../checkpoint/checkpoint-coordinator.ts';
import { type CheckpointInfo, CheckpointStore } from '../checkpoint/checkpoint-store.ts';
import { SluiceError } from '../errors.ts';
import { CHECKPOINTING_OFF, checkpointingDisabled } from './job-client-defaults.ts';
import { describePlan, type PhysicalPlan } from './physical-plan.ts';
import { decideRestart, type RestartStrategy } from './restart-strategy.ts';
import { loadRestoredState, type RestoredJobState } from './restore-loader.ts';

/** One execution attempt of a job (a set of task loops), as the runner drives it. */
export interface AttemptHandle {
  readonly participants: CheckpointParticipants;
  /** Settles when the attempt ends: resolves when it finished or stopped, rejects when it failed. */
  readonly done: Promise<void>;
  metrics(): OperatorMetrics[];
  /** Aborts the attempt (its `done` then rejects). */
  cancel(): void;
}

/** What an attempt is started with. */
export interface AttemptSetup {
  readonly restored: RestoredJobState | undefined;
  readonly checkpointing: { readonly mode: CheckpointingMode; acknowledge(ack: ParticipantAck): void } | undefined;
  /** Fails the attempt from outside its loops (e.g. too many failed checkpoints). */
  readonly failures: AbortSignal;
}

/** Settings of {@link runJob}. */
export interface JobRunSpec {
  readonly jobName: string;
  readonly plan: PhysicalPlan;
  readonly checkpoint: CheckpointConfig | undefined;
  readonly restoreFrom: RestoreFrom | undefined;
  readonly restartStrategy: RestartStrategy;
  readonly launch: (setup: AttemptSetup) => AttemptHandle;
  /** Operator-facing log lines (checkpoint completions, restarts); default console.error. */
  readonly log?: (line: string) => void;
}

/**
 * Runs a job as attempts: restores (when asked) from storage, starts the checkpoint coordinator,
 * and on failure applies the restart strategy, restoring each new attempt from the latest
 * completed checkpoint. Returns the {@link JobClient}.
 */
export function runJob(spec: JobRunSpec): JobClient {
  const { jobName, plan, checkpoint } = spec;
  const log = spec.log ?? ((line: string) => console.error(line));
  const startedAt = performance.now();
  let status: JobStatus = 'RUNNING';
  let cancelled = false;
  let attempt: AttemptHandle | undefined;
  let coordinator: CheckpointCoordinator | undefined;
  const failureTimes: number[] = [];
  const store =
    checkpoint === undefined
      ? undefined
      : new CheckpointStore({
          storage: checkpoint.storage,
          jobId: checkpoint.jobId ?? jobName,
          retainedCheckpoints: checkpoint.retainedCheckpoints,
          keepCheckpointsOnCancel: checkpoint.keepCheckpointsOnCancel,
          // Fallbacks past damaged checkpoints go where the job's other lines go.
          logger: { warn: log },
        });

  /** A restore that cannot succeed by trying again (damaged or incompatible state): fail, do not restart. */
  class RestoreFailed extends Error {}

  const runAttempt = async (restoreFrom: RestoreFrom | undefined): Promise<void> => {
    let restored: RestoredJobState | undefined;
    if (restoreFrom !== undefined) {
      if (store === undefined) {
        throw new SluiceError(
          'CHECKPOINTING_DISABLED',
          'Restoring needs checkpoint storage: call env.enableCheckpointing first.',
        );
      }
      try {
        restored = await loadRestoredState(store, restoreFrom, plan);
      } catch (error) {
        if (error instanceof SluiceError && !error.retriable) throw new RestoreFailed(error.message, { cause: error });
        throw error;
      }
      if (restored !== undefined)
        log(`[sluice] job '${jobName}' restores from ${restored.kind} ${restored.checkpointId}`);
    }
    // New checkpoints are numbered above every checkpoint in storage (damaged, abandoned or of an
    // earlier run too), so they never overwrite the files of one that exists.
    const highestStored = store === undefined ? undefined : await store.highestCheckpointId();
    // Cancelled while the state was loading: there is no attempt to abort, so do not start one.
    if (cancelled) throw new SluiceError('JOB_CANCELLED', 'The job was cancelled while it was restoring.');
    const failures = new AbortController();
    let current: CheckpointCoordinator | undefined;
    const handle = spec.launch({
      restored,
      checkpointing:
        checkpoint === undefined
          ? undefined
          : { mode: checkpoint.mode, acknowledge: (ack) => current?.acknowledge(ack) },
      failures: failures.signal,
    });
    attempt = handle;
    if (checkpoint !== undefined && store !== undefined) {
      current = new CheckpointCoordinator(
        checkpoint,
        store,
        handle.participants,
        { onJobFailure: (error) => failures.abort(error), log },
        restored?.checkpointId,
      );
      // Ids keep increasing over attempts, also past checkpoints an earlier attempt aborted.
      if (coordinator !== undefined) current.continueIdsFrom(coordinator.nextCheckpointId);
      if (highestStored !== undefined) current.continueIdsFrom(highestStored + 1);
      coordinator = current;
      current.start();
    }
    try {
      await handle.done;
    } finally {
      current?.stop();
    }
  };

  const result: Promise<JobExecutionResult> = (async () => {
    let restoreFrom = spec.restoreFrom;
    for (;;) {
      try {
        await runAttempt(restoreFrom);
        status = 'FINISHED';
        return { jobName, netRuntimeMs: performance.now() - startedAt };
      } catch (error) {
        if (cancelled) {
          status = 'CANCELED';
          if (store !== undefined) await store.cleanUpOnCancel().catch(() => undefined);
          throw error instanceof SluiceError && error.code === 'JOB_CANCELLED'
            ? error
            : new SluiceError('JOB_CANCELLED', 'The job was cancelled.', { cause: error });
        }
        if (error instanceof RestoreFailed) {
          status = 'FAILED';
          throw error.cause;
        }
        const now = Date.now();
        const decision = decideRestart(spec.restartStrategy, failureTimes, now);
        failureTimes.push(now);
        if (decision.action === 'fail' || store === undefined) {
          status = 'FAILED';
          throw error;
        }
        log(
          `[sluice] job '${jobName}' failed (${error instanceof Error ? error.message : String(error)}); ` +
            `restarting from the latest checkpoint in ${decision.delayMs} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
        if (cancelled) {
          status = 'CANCELED';
          throw new SluiceError('JOB_CANCELLED', 'The job was cancelled.', { cause: error });
        }
        restoreFrom = 'latest';
      }
    }
  })();

  const requireCoordinator = (what: string): CheckpointCoordinator => {
    if (coordinator === undefined) throw checkpointingDisabled(what);
    return coordinator;
  };

  return {
    jobName,
    graph: describePlan(plan),
    status: () => status,
    result,
    cancel: async () => {
      cancelled = true;
      attempt?.cancel();
      await result.catch(() => undefined);
    },
    listCheckpoints: async (): Promise<readonly CheckpointInfo[]> => {
      if (store === undefined) return [];
      const all = [...(await store.listCheckpoints()), ...(await store.listSavepoints())];
      return all.sort((a, b) => a.checkpointId - b.checkpointId);
    },
    triggerSavepoint: async () => requireCoordinator('take a savepoint').trigger({ kind: 'savepoint' }),
    triggerCheckpoint: async () => requireCoordinator('take a checkpoint').trigger({ kind: 'checkpoint' }),
    stopWithSavepoint: async (options = {}) => {
      const info = await requireCoordinator('stop with a savepoint').trigger({
        kind: 'savepoint',
        stop: options.drain === true ? 'drain' : 'suspend',
      });
      await result;
      return info;
    },
    metrics: () => ({
      operators: attempt?.metrics() ?? [],
      checkpoints:
        coordinator?.metrics() ??
        (checkpoint === undefined ? CHECKPOINTING_OFF : { ...CHECKPOINTING_OFF, enabled: true }),
    }),
  };
}
