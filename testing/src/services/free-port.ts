import { createServer, type Server } from 'node:net';

/**
 * Asks the kernel for `count` distinct free TCP ports on `host` (default 127.0.0.1).
 *
 * All ports are held until every one is known, so none repeats. They are free when this
 * returns; the service started right after binds them. Random ports mean a leftover of an
 * interrupted run never collides with the next run.
 *
 * @example
 * ```ts
 * const [brokerPort, controllerPort] = await findFreePorts(2);
 * ```
 */
export async function findFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listenOnRandomPort(host)));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/**
 * One free TCP port on `host` (default 127.0.0.1); see {@link findFreePorts}.
 *
 * @example
 * ```ts
 * const port = await findFreePort();
 * ```
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await findFreePorts(1, host);
  return port ?? 0;
}

function listenOnRandomPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}
