/**
 * Prints one harness line, prefixed so it stands out in test output.
 *
 * @example
 * ```ts
 * harnessLog('Kafka: local process (no container runtime answered) at 127.0.0.1:40123');
 * ```
 */
export function harnessLog(message: string): void {
  console.info(`[sluice-testing] ${message}`);
}
