import { BenchError } from '../errors.ts';
import { startBenchChild } from './child-process.ts';

/** What one recovery measurement found. */
export interface RecoveryResult {
  readonly backend: string;
  readonly storage: string;
  readonly keys: number;
  readonly payloadBytes: number;
  /** The checkpoint the killed process completed last, which the new process restored. */
  readonly checkpointId: number;
  readonly checkpointSizeBytes: number;
  /** SIGKILL → the new process logged `restores from checkpoint <n>` (state files read, verified, envelopes decoded). */
  readonly killToStateLoadedMs: number;
  /** SIGKILL → the new process's window operator aggregated its first record. */
  readonly killToFirstRecordMs: number;
}

/** Options of {@link measureRecovery}: the `run` arguments naming storage, keys, payload and backend. */
export interface RecoveryOptions {
  readonly backend: string;
  readonly storage: string;
  /** `run` arguments shared by both processes (storage location, keys, payload, backend). */
  readonly runArgs: readonly string[];
  readonly keys: number;
  readonly payloadBytes: number;
  /** Kill after the first completed checkpoint at least this large. */
  readonly minCheckpointBytes: number;
  /** Give up after this long (ms); default 10 minutes. */
  readonly timeoutMs?: number;
}

const COMPLETED = /checkpoint (\d+) completed in \d+ ms \((\d+) bytes/;

/**
 * Recovery time: runs the keyed-state job in a process that checkpoints every second until a
 * checkpoint of at least `minCheckpointBytes` completed, SIGKILLs it right then, and at once
 * starts a new process restoring 'latest'; measures from the kill to the new process's first
 * processed record (and to the moment it had loaded the checkpoint). Both are wall-clock
 * times of this machine (`Date.now()` in both processes).
 *
 * @example
 * ```ts
 * const r = await measureRecovery({ backend: 'heap', storage: 'fs', runArgs: ['--storage', 'fs', '--directory', dir], keys: 1e6, payloadBytes: 40, minCheckpointBytes: 95e6 });
 * ```
 */
export async function measureRecovery(options: RecoveryOptions): Promise<RecoveryResult> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const common = [
    'run',
    ...options.runArgs,
    '--keys',
    String(options.keys),
    '--payload',
    String(options.payloadBytes),
    '--events',
    '2000000000',
  ];
  const first = startBenchChild([...common, '--interval', '1000']);
  let killedAt = 0;
  let checkpointId = 0;
  let checkpointSizeBytes = 0;
  first.onStderrLine((line) => {
    const m = COMPLETED.exec(line);
    if (killedAt !== 0 || m === null || Number(m[2]) < options.minCheckpointBytes) return;
    checkpointId = Number(m[1]);
    checkpointSizeBytes = Number(m[2]);
    killedAt = Date.now();
    first.child.kill('SIGKILL');
  });
  const guard = setTimeout(() => first.child.kill('SIGKILL'), timeoutMs);
  const firstExit = await first.exit;
  clearTimeout(guard);
  if (killedAt === 0) {
    throw new BenchError(
      'RUN_FAILED',
      `The recovery run ended (${firstExit.code ?? firstExit.signal}) before a checkpoint of ${options.minCheckpointBytes} ` +
        `bytes completed; its stderr:\n${first.stderrTail()}`,
    );
  }
  const second = startBenchChild([...common, '--interval', '1000', '--restore', 'latest', '--probe']);
  let loadedAt = 0;
  let firstRecordAt = 0;
  let restoredId = 0;
  second.onStderrLine((line) => {
    const restored = /restores from checkpoint (\d+)/.exec(line);
    if (restored !== null && loadedAt === 0) {
      loadedAt = Date.now();
      restoredId = Number(restored[1]);
    }
    const probe = /^first-record (\d+)$/.exec(line);
    if (probe !== null && firstRecordAt === 0) {
      firstRecordAt = Number(probe[1]);
      second.child.kill('SIGKILL');
    }
  });
  const guard2 = setTimeout(() => second.child.kill('SIGKILL'), timeoutMs);
  await second.exit;
  clearTimeout(guard2);
  if (firstRecordAt === 0 || restoredId !== checkpointId) {
    throw new BenchError(
      'RUN_FAILED',
      `The restoring process did not restore checkpoint ${checkpointId} and process a record (restored: ` +
        `${restoredId || 'none'}); its stderr:\n${second.stderrTail()}`,
    );
  }
  return {
    backend: options.backend,
    storage: options.storage,
    keys: options.keys,
    payloadBytes: options.payloadBytes,
    checkpointId,
    checkpointSizeBytes,
    killToStateLoadedMs: loadedAt - killedAt,
    killToFirstRecordMs: firstRecordAt - killedAt,
  };
}
