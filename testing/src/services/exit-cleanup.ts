type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `cleanup` (synchronous: kill a child, delete a folder) if this Node process exits or is
 * interrupted (SIGINT/SIGTERM/SIGHUP) before the returned unregister function is called. After
 * running the cleanups, a signal is re-raised when nobody else listens for it, so the process
 * still terminates as it would have. SIGKILL cannot be caught: `sweepStaleServices` covers it.
 *
 * @example
 * ```ts
 * const unregister = onProcessExit(() => killProcessGroup(child.pid));
 * // ... later, after a clean stop:
 * unregister();
 * ```
 */
export function onProcessExit(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort while exiting
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      runAll();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
