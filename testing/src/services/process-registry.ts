import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isProcessAlive, processCommandLine, processStartTicks } from './process-facts.ts';

/**
 * What the harness remembers about a service process it started, so that a later run can clean
 * up after a test run that was killed before it could stop the service.
 *
 * @example
 * ```ts
 * const record: ServiceRecord = {
 *   id: 'kafka-4711-1-ab12cd34', service: 'kafka', ownerPid: 4711, ownerStartTicks: '9001',
 *   pid: 4800, marker: '-Dsluice.testing.id=kafka-4711-1-ab12cd34', dataDir: '/tmp/sluice-kafka-x1',
 * };
 * ```
 */
export interface ServiceRecord {
  id: string;
  service: string;
  /** The Node process that started (and must stop) the service. */
  ownerPid: number;
  /** The owner's start time (see `processStartTicks`), to detect pid reuse. */
  ownerStartTicks?: string | undefined;
  /** The service process; it leads its own process group. */
  pid: number;
  /** Text that must appear in `/proc/<pid>/cmdline` before the sweep kills `pid`. */
  marker: string;
  /** Scratch directory of the service; removed with it. */
  dataDir: string;
}

/**
 * What the sweep does with one record: leave it (its owner lives), kill its process and clean
 * up, or only clean up (the process is gone or is not ours any more).
 *
 * @example
 * ```ts
 * decideSweep({ ownerAlive: false, serviceAlive: true, markerMatches: true }); // 'kill-and-clean'
 * ```
 */
export type SweepDecision = 'keep' | 'kill-and-clean' | 'clean';

/**
 * The pure decision behind {@link sweepStaleServices}.
 *
 * @example
 * ```ts
 * decideSweep({ ownerAlive: true, serviceAlive: true, markerMatches: true }); // 'keep'
 * ```
 */
export function decideSweep(facts: {
  ownerAlive: boolean;
  serviceAlive: boolean;
  markerMatches: boolean;
}): SweepDecision {
  if (facts.ownerAlive) return 'keep';
  if (facts.serviceAlive && facts.markerMatches) return 'kill-and-clean';
  return 'clean';
}

/**
 * What one sweep did.
 *
 * @example
 * ```ts
 * const { killedPids } = await sweepStaleServices();
 * ```
 */
export interface SweepReport {
  killedPids: number[];
  removedDataDirs: string[];
  removedRecords: string[];
}

/**
 * The registry folder: `$SLUICE_REGISTRY_DIR`, else `<os tmpdir>/sluice-testing-registry`
 * (temporary on purpose: after a reboot the recorded pids mean nothing).
 *
 * @example
 * ```ts
 * const dir = defaultRegistryDir();
 * ```
 */
export function defaultRegistryDir(): string {
  return process.env['SLUICE_REGISTRY_DIR'] ?? join(tmpdir(), 'sluice-testing-registry');
}

/**
 * The owner fields of a record for the current process.
 *
 * @example
 * ```ts
 * writeServiceRecord({ ...currentOwner(), id, service: 'kafka', pid, marker, dataDir });
 * ```
 */
export function currentOwner(): Pick<ServiceRecord, 'ownerPid' | 'ownerStartTicks'> {
  return { ownerPid: process.pid, ownerStartTicks: processStartTicks(process.pid) };
}

/**
 * Stores (atomically) the record of a service just started.
 *
 * @example
 * ```ts
 * writeServiceRecord(record);
 * ```
 */
export function writeServiceRecord(record: ServiceRecord, registryDir = defaultRegistryDir()): void {
  mkdirSync(registryDir, { recursive: true });
  const file = join(registryDir, `${record.id}.json`);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(record, null, 2));
  renameSync(temporary, file);
}

/**
 * Forgets a record (the service was stopped properly).
 *
 * @example
 * ```ts
 * removeServiceRecord(record.id);
 * ```
 */
export function removeServiceRecord(id: string, registryDir = defaultRegistryDir()): void {
  rmSync(join(registryDir, `${id}.json`), { force: true });
}

/**
 * Cleans up after runs that died without stopping their services: for every record whose owner
 * process is gone, kills the service's process group if the pid is alive AND its command line
 * still carries the record's marker (so a reused pid is never killed), then deletes the data
 * directory (only below the temp folder and named `sluice-*`) and the record.
 *
 * @example
 * ```ts
 * await sweepStaleServices(); // at the start of every service launch
 * ```
 */
export async function sweepStaleServices(registryDir = defaultRegistryDir()): Promise<SweepReport> {
  const report: SweepReport = { killedPids: [], removedDataDirs: [], removedRecords: [] };
  let names: string[];
  try {
    names = readdirSync(registryDir).filter((name) => name.endsWith('.json'));
  } catch {
    return report;
  }
  for (const name of names) {
    const file = join(registryDir, name);
    const record = readRecord(file);
    if (record === undefined) {
      rmSync(file, { force: true });
      report.removedRecords.push(file);
      continue;
    }
    const serviceAlive = isProcessAlive(record.pid);
    const decision = decideSweep({
      ownerAlive: isOwnerAlive(record),
      serviceAlive,
      markerMatches: serviceAlive && (processCommandLine(record.pid)?.includes(record.marker) ?? false),
    });
    if (decision === 'keep') continue;
    if (decision === 'kill-and-clean' && killProcessGroup(record.pid)) report.killedPids.push(record.pid);
    if (isSafeDataDir(record.dataDir)) {
      rmSync(record.dataDir, { recursive: true, force: true, maxRetries: 3 });
      report.removedDataDirs.push(record.dataDir);
    }
    rmSync(file, { force: true });
    report.removedRecords.push(file);
  }
  return report;
}

/**
 * SIGKILLs the process group led by `pid` (falling back to the pid alone); true if a signal was sent.
 *
 * @example
 * ```ts
 * killProcessGroup(child.pid);
 * ```
 */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      // not a group leader, or already gone
    }
  }
  return false;
}

/**
 * Whether `dir` is a harness scratch directory the sweep may delete: directly inside the temp
 * folder and named `sluice-*`. Guards against deleting anything else through a damaged record.
 *
 * @example
 * ```ts
 * isSafeDataDir('/tmp/sluice-kafka-AbC123'); // true
 * ```
 */
export function isSafeDataDir(dir: string, temporaryRoot = tmpdir()): boolean {
  const absolute = resolve(dir);
  return dirname(absolute) === resolve(temporaryRoot) && basename(absolute).startsWith('sluice-');
}

function isOwnerAlive(record: ServiceRecord): boolean {
  if (!isProcessAlive(record.ownerPid)) return false;
  if (record.ownerStartTicks === undefined) return true;
  const ticks = processStartTicks(record.ownerPid);
  return ticks === undefined || ticks === record.ownerStartTicks;
}

function readRecord(file: string): ServiceRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServiceRecord>;
    if (
      typeof value.id === 'string' &&
      typeof value.pid === 'number' &&
      typeof value.ownerPid === 'number' &&
      typeof value.marker === 'string' &&
      value.marker.length > 0 &&
      typeof value.dataDir === 'string'
    ) {
      return value as ServiceRecord;
    }
  } catch {
    // unreadable or half-written: treat as garbage
  }
  return undefined;
}
