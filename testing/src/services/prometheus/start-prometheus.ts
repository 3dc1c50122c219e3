import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceTestingError } from '../../errors.ts';
import { findFreePort } from '../free-port.ts';
import { harnessLog } from '../harness-log.ts';
import { createDataDir } from '../java-process.ts';
import { startNativeProcess } from '../native-process.ts';
import { waitUntil } from '../wait-until.ts';
import { resolvePrometheusBinary } from './prometheus-binary.ts';
import { prometheusConfig } from './prometheus-config.ts';
import type { PrometheusSeries, PrometheusService, StartPrometheusOptions } from './prometheus-service.ts';

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown };
}

function seriesOf(response: QueryResponse, expression: string): PrometheusSeries[] {
  if (response.status !== 'success' || response.data === undefined) {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      `Prometheus rejected the query ${expression}: ${response.error ?? 'no data'}`,
      {
        domain: 'user',
        retriable: false,
      },
    );
  }
  const { resultType, result } = response.data;
  if (resultType === 'scalar') {
    const [t, v] = result as [number, string];
    return [{ metric: {}, value: Number(v), timestampSeconds: t }];
  }
  if (resultType !== 'vector') {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      `query() takes instant vector or scalar queries; ${expression} gave a ${resultType}.`,
      {
        domain: 'user',
        retriable: false,
      },
    );
  }
  return (result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
    metric: r.metric,
    value: Number(r.value[1]),
    timestampSeconds: r.value[0],
  }));
}

/**
 * Starts a real Prometheus server (see {@link resolvePrometheusBinary} for where the binary comes
 * from) on a free loopback port with a generated configuration that scrapes `targets`, and waits
 * until `/-/ready` answers. The process runs in its own process group, is recorded for the
 * stale-service sweep and is killed if this Node process exits without `stop()`.
 *
 * @example
 * ```ts
 * const prometheus = await startPrometheus({ targets: [`127.0.0.1:${port}`], scrapeIntervalMs: 500 });
 * const series = await prometheus.waitForQuery('sluice_job_status{status="RUNNING"} == 1');
 * await prometheus.stop();
 * ```
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusService> {
  if (options.targets.length === 0) {
    throw new SluiceTestingError('INVALID_CONFIGURATION', 'startPrometheus needs at least one target (host:port).', {
      domain: 'user',
      retriable: false,
    });
  }
  const binary = await resolvePrometheusBinary();
  const port = await findFreePort();
  const dataDir = createDataDir('prometheus');
  const configFile = join(dataDir, 'prometheus.yml');
  const logFile = join(dataDir, 'prometheus.log');
  writeFileSync(
    configFile,
    prometheusConfig({
      jobName: options.jobName ?? 'sluice',
      targets: options.targets,
      scrapeIntervalMs: options.scrapeIntervalMs ?? 1_000,
      ...(options.metricsPath === undefined ? {} : { metricsPath: options.metricsPath }),
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const server = await startNativeProcess({
    service: 'prometheus',
    binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    dataDir,
    logFile,
    // The config path holds the unique data dir: the sweep only kills a pid whose command line has it.
    marker: configFile,
    what: `Prometheus at ${url}`,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    ready: async () => {
      const response = await fetch(`${url}/-/ready`);
      if (!response.ok) {
        throw new SluiceTestingError('SERVICE_START_TIMEOUT', `/-/ready answered ${response.status}`, {
          domain: 'external',
          retriable: true,
        });
      }
    },
  });
  const exitError = server.exitError;
  harnessLog(`Prometheus ${binary} at ${url} scraping ${options.targets.join(', ')}`);

  const query = async (expression: string): Promise<PrometheusSeries[]> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expression })}`);
    return seriesOf((await response.json()) as QueryResponse, expression);
  };
  return {
    url,
    binary,
    query,
    async waitForQuery(expression, accept = (series) => series.length > 0, timeoutMs = 30_000) {
      let last: PrometheusSeries[] = [];
      try {
        return await waitUntil(
          async () => {
            last = await query(expression);
            if (!accept(last)) {
              throw new SluiceTestingError('SERVICE_START_TIMEOUT', `not yet: ${JSON.stringify(last).slice(0, 500)}`, {
                domain: 'external',
                retriable: true,
              });
            }
            return last;
          },
          { what: `Prometheus query ${expression}`, timeoutMs, intervalMs: 200, abortIf: exitError },
        );
      } catch (error) {
        if (error instanceof SluiceTestingError && error.code === 'SERVICE_START_TIMEOUT') {
          throw new SluiceTestingError(
            'SERVICE_START_TIMEOUT',
            `${expression} did not give the expected result within ${timeoutMs} ms; last result ${JSON.stringify(last).slice(0, 2_000)}`,
            { domain: 'external', retriable: true, cause: error },
          );
        }
        throw error;
      }
    },
    logTail: server.logTail,
    stop: server.stop,
  };
}
