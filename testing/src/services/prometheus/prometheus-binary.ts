import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { SluiceTestingError } from '../../errors.ts';
import { sluiceCacheDir } from '../cache-dir.ts';
import { harnessLog } from '../harness-log.ts';
import { runCommand } from '../run-command.ts';

/**
 * Where the unpacked Debian package lives: `<sluice cache>/prometheus` (`~/.cache/sluice/prometheus`).
 *
 * @example
 * ```ts
 * const binary = join(prometheusCacheDir(), 'usr', 'bin', 'prometheus');
 * ```
 */
export function prometheusCacheDir(): string {
  return join(sluiceCacheDir(), 'prometheus');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first executable `name` on `PATH`, or `undefined`.
 *
 * @example
 * ```ts
 * findOnPath('prometheus'); // "/usr/bin/prometheus" when the package is installed
 * ```
 */
export function findOnPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function unavailable(message: string, cause?: unknown): SluiceTestingError {
  return new SluiceTestingError(
    'SERVICE_UNAVAILABLE',
    `${message} Install it (apt-get install prometheus), put a prometheus binary on PATH, or set SLUICE_PROMETHEUS_BIN.`,
    { domain: 'external', retriable: false, cause },
  );
}

const listsMissing = (output: string): boolean =>
  /Unable to locate package|has no installation candidate|No packages found|Can't select candidate/i.test(output);

/**
 * Downloads Debian's `prometheus` package without root (`apt-get download` into a temp folder)
 * and unpacks it with `dpkg-deb -x` into {@link prometheusCacheDir}. When apt has no package
 * lists, runs `apt-get update` first, but only as root; otherwise fails saying what to run.
 */
async function fetchDebianPrometheus(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'sluice-prometheus-deb-'));
  try {
    let download = await runCommand('apt-get', ['download', 'prometheus'], { cwd: work, timeoutMs: 300_000 });
    if (download.notFound) throw unavailable('prometheus is not on PATH and apt-get is not available to fetch it.');
    if (download.exitCode !== 0 && listsMissing(download.output)) {
      if (process.getuid?.() !== 0) {
        throw unavailable(
          'prometheus is not on PATH and `apt-get download prometheus` found no package: apt has no package lists. ' +
            'Run `sudo apt-get update` once (not done automatically without root).',
        );
      }
      harnessLog('Prometheus: apt has no package lists; running apt-get update (as root)');
      const update = await runCommand('apt-get', ['update'], { timeoutMs: 300_000 });
      if (update.exitCode !== 0) throw unavailable(`apt-get update failed:\n${update.output.slice(-2_000)}`);
      download = await runCommand('apt-get', ['download', 'prometheus'], { cwd: work, timeoutMs: 300_000 });
    }
    if (download.exitCode !== 0) {
      throw unavailable(
        `\`apt-get download prometheus\` failed (exit ${download.exitCode}):\n${download.output.slice(-2_000)}`,
      );
    }
    const deb = readdirSync(work).find((f) => f.startsWith('prometheus_') && f.endsWith('.deb'));
    if (deb === undefined) throw unavailable('`apt-get download prometheus` left no prometheus_*.deb.');
    const target = prometheusCacheDir();
    mkdirSync(join(target, '..'), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    const unpack = await runCommand('dpkg-deb', ['-x', join(work, deb), partial], { timeoutMs: 120_000 });
    if (unpack.exitCode !== 0) {
      rmSync(partial, { recursive: true, force: true });
      throw unavailable(`\`dpkg-deb -x ${deb}\` failed:\n${unpack.output.slice(-2_000)}`);
    }
    try {
      renameSync(partial, target);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another worker won the race; use its copy
    }
    harnessLog(`Prometheus: unpacked ${deb} into ${target}`);
    return join(target, 'usr', 'bin', 'prometheus');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The Prometheus server binary: `$SLUICE_PROMETHEUS_BIN`, else `prometheus` on PATH, else the
 * copy unpacked earlier into {@link prometheusCacheDir}, else Debian's package fetched and
 * unpacked there now (no root needed when apt has package lists).
 *
 * @example
 * ```ts
 * const binary = await resolvePrometheusBinary(); // "/usr/bin/prometheus" or "~/.cache/sluice/prometheus/usr/bin/prometheus"
 * ```
 */
export async function resolvePrometheusBinary(): Promise<string> {
  const explicit = process.env['SLUICE_PROMETHEUS_BIN'];
  if (explicit) {
    if (!isExecutable(explicit)) throw unavailable(`SLUICE_PROMETHEUS_BIN=${explicit} is not an executable file.`);
    return explicit;
  }
  const onPath = findOnPath('prometheus');
  if (onPath !== undefined) return onPath;
  const cached = join(prometheusCacheDir(), 'usr', 'bin', 'prometheus');
  if (existsSync(cached) && isExecutable(cached)) return cached;
  return fetchDebianPrometheus();
}
