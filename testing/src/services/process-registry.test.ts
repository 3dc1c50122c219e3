import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueName } from '../unique-name.ts';
import { isProcessAlive } from './process-facts.ts';
import {
  decideSweep,
  isSafeDataDir,
  type ServiceRecord,
  sweepStaleServices,
  writeServiceRecord,
} from './process-registry.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? -1;
}

/**
 * A stand-in for a service process: `sh` (its own process group) running `sleep 300`, with the
 * marker as `$0` so it shows in /proc/<pid>/cmdline as the real broker's `-Dsluice.testing.id` does.
 */
function spawnFakeService(marker: string): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn('sh', ['-c', 'sleep 300; :', marker], { detached: true, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  cleanups.push(() => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return { child, exited };
}

function scratch(): { registryDir: string; dataDir: string } {
  const registryDir = mkdtempSync(join(tmpdir(), 'sluice-registry-test-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-sweep-test-'));
  mkdirSync(join(dataDir, 'data'));
  writeFileSync(join(dataDir, 'data', 'segment.log'), 'x');
  cleanups.push(() => {
    rmSync(registryDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { registryDir, dataDir };
}

function record(fields: Omit<ServiceRecord, 'id' | 'service'>): ServiceRecord {
  return { id: uniqueName('sweep-test'), service: 'fake', ...fields };
}

describe('sweepStaleServices', () => {
  it('kills the recorded process of a dead owner and removes its data dir and record', async () => {
    const { registryDir, dataDir } = scratch();
    const marker = uniqueName('sluice-sweep-marker');
    const { child, exited } = spawnFakeService(marker);
    const pid = child.pid ?? -1;
    writeServiceRecord(record({ ownerPid: await deadPid(), pid, marker, dataDir }), registryDir);

    const report = await sweepStaleServices(registryDir);

    expect(report.killedPids).toEqual([pid]);
    expect(await exited).toBe('SIGKILL');
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    expect(report.removedRecords).toHaveLength(1);
    expect((await sweepStaleServices(registryDir)).removedRecords).toEqual([]);
  });

  it('leaves services alone while their owner lives', async () => {
    const { registryDir, dataDir } = scratch();
    const marker = uniqueName('sluice-sweep-marker');
    const { child } = spawnFakeService(marker);
    writeServiceRecord(record({ ownerPid: process.pid, pid: child.pid ?? -1, marker, dataDir }), registryDir);

    const report = await sweepStaleServices(registryDir);

    expect(report).toEqual({ killedPids: [], removedDataDirs: [], removedRecords: [] });
    expect(isProcessAlive(child.pid ?? -1)).toBe(true);
    expect(existsSync(dataDir)).toBe(true);
  });

  it('never kills a live pid whose command line lacks the marker (a reused pid), but still cleans up', async () => {
    const { registryDir, dataDir } = scratch();
    const { child } = spawnFakeService(uniqueName('some-other-process'));
    const pid = child.pid ?? -1;
    writeServiceRecord(
      record({ ownerPid: await deadPid(), pid, marker: uniqueName('sluice-sweep-marker'), dataDir }),
      registryDir,
    );

    const report = await sweepStaleServices(registryDir);

    expect(report.killedPids).toEqual([]);
    expect(isProcessAlive(pid)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
    expect(report.removedRecords).toHaveLength(1);
  });

  it('does not delete a recorded data dir outside the temp folder', async () => {
    const { registryDir } = scratch();
    const outside = mkdtempSync(join(process.cwd(), 'node_modules', '.sluice-sweep-outside-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    writeServiceRecord(
      record({ ownerPid: await deadPid(), pid: await deadPid(), marker: 'm', dataDir: outside }),
      registryDir,
    );

    const report = await sweepStaleServices(registryDir);

    expect(report.removedDataDirs).toEqual([]);
    expect(existsSync(outside)).toBe(true);
  });
});

describe('decideSweep', () => {
  it.each([
    { ownerAlive: true, serviceAlive: true, markerMatches: true, decision: 'keep' },
    { ownerAlive: true, serviceAlive: false, markerMatches: false, decision: 'keep' },
    { ownerAlive: false, serviceAlive: true, markerMatches: true, decision: 'kill-and-clean' },
    { ownerAlive: false, serviceAlive: true, markerMatches: false, decision: 'clean' },
    { ownerAlive: false, serviceAlive: false, markerMatches: false, decision: 'clean' },
  ] as const)('owner alive $ownerAlive, service alive $serviceAlive, marker $markerMatches → $decision', (row) => {
    expect(decideSweep(row)).toBe(row.decision);
  });
});

describe('isSafeDataDir', () => {
  it('accepts only sluice-* folders directly inside the temp folder', () => {
    expect(isSafeDataDir('/tmp/sluice-kafka-abc', '/tmp')).toBe(true);
    expect(isSafeDataDir('/tmp/kafka-abc', '/tmp')).toBe(false);
    expect(isSafeDataDir('/tmp/x/sluice-kafka-abc', '/tmp')).toBe(false);
    expect(isSafeDataDir('/tmp/sluice-a/../../etc', '/tmp')).toBe(false);
    expect(isSafeDataDir('/home/sluice-kafka', '/tmp')).toBe(false);
  });
});
