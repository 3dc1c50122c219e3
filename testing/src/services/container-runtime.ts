import { describeError } from '../errors.ts';

/**
 * Answer of {@link probeContainerRuntime}.
 *
 * @example
 * ```ts
 * const probe: ContainerRuntimeProbe = { available: false, reason: 'no Docker socket' };
 * ```
 */
export type ContainerRuntimeProbe = { available: true } | { available: false; reason: string };

let cached: Promise<ContainerRuntimeProbe> | undefined;

/**
 * Asks Testcontainers' own runtime detection (`getContainerRuntimeClient()`) whether a container
 * runtime answers, within `timeoutMs` (default 5 s). A failure or timeout means "no runtime".
 * The answer is computed once per process.
 *
 * @example
 * ```ts
 * const probe = await probeContainerRuntime();
 * if (!probe.available) console.info(probe.reason);
 * ```
 */
export function probeContainerRuntime(timeoutMs = 5_000): Promise<ContainerRuntimeProbe> {
  cached ??= probe(timeoutMs);
  return cached;
}

async function probe(timeoutMs: number): Promise<ContainerRuntimeProbe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ContainerRuntimeProbe>((resolve) => {
    timer = setTimeout(
      () => resolve({ available: false, reason: `no container runtime answered within ${timeoutMs} ms` }),
      timeoutMs,
    );
    timer.unref();
  });
  const check = (async (): Promise<ContainerRuntimeProbe> => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return { available: true };
    } catch (error) {
      return { available: false, reason: `no container runtime answered: ${describeError(error)}` };
    }
  })();
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
