/**
 * Runs one job module in this process until it finishes (exit 0) or fails (exit 1):
 * `node job-process.js <module-url> <params-json> [slots] [parallelism]`. The crash-and-replay
 * checker starts it, SIGKILLs it, and starts it again; the job module restores from its latest
 * checkpoint on every start (see {@link checkCrashReplay}).
 */
import { startJob } from '@sluice/core';

const [moduleUrl, paramsJson, slots, parallelism] = process.argv.slice(2);
try {
  const job = await startJob(moduleUrl as string, {
    params: JSON.parse(paramsJson ?? '{}') as Record<string, string | number | boolean>,
    slots: Number(slots ?? 1),
    ...(parallelism === undefined ? {} : { parallelism: Number(parallelism) }),
  });
  await job.result;
  process.exit(0);
} catch (error) {
  console.error(
    `[sluice] job process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
}
