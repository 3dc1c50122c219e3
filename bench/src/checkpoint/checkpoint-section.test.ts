import { describe, expect, it } from 'vitest';
import type { CheckpointBenchResults } from './checkpoint-results.ts';
import { checkpointSectionMarkdown } from './checkpoint-section.ts';
import type { KeyedStateRunResult } from './run-keyed-state.ts';

function run(
  backend: string,
  storage: string,
  eventsPerSecond: number,
  cpu: number,
  durations: number[] = [],
): KeyedStateRunResult {
  return {
    backend,
    storage,
    events: 1_000_000,
    keys: 1_000,
    intervalMs: storage === 'none' ? undefined : 1_000,
    seconds: 1,
    eventsPerSecond,
    cpuSecondsPerMillionEvents: cpu,
    peakRssMb: 100,
    outputs: 1_000,
    checkpoints: durations.map((durationMs, i) => ({ checkpointId: i + 1, durationMs, sizeBytes: 2_000_000 + i })),
    failedCheckpoints: 0,
  };
}

const results: CheckpointBenchResults = {
  generatedAt: '2026-01-01T00:00:00Z',
  machine: { cpu: 'Test CPU', cores: 2, memoryGb: 8, os: 'Linux', node: 'v24.0.0', loadBefore: 1, loadAfter: 2 },
  keys: 1_000,
  intervalMs: 1_000,
  // Configurations without an accumulator (results from before it was recorded) are the record.
  configs: [
    { backend: 'heap', storage: 'none', runs: [run('heap', 'none', 900_000, 1), run('heap', 'none', 1_000_000, 1)] },
    {
      backend: 'heap',
      storage: 'fs',
      runs: [run('heap', 'fs', 950_000, 1.05, [10, 20, 30]), run('heap', 'fs', 800_000, 1.1, [40, 500])],
    },
    { backend: 'heap', accumulator: 'number', storage: 'none', runs: [run('heap', 'none', 2_000_000, 0.5)] },
    { backend: 'heap', accumulator: 'number', storage: 'fs', runs: [run('heap', 'fs', 1_900_000, 0.55, [10])] },
    { backend: 'lmdb', storage: 'none', runs: [run('lmdb', 'none', 400_000, 2)] },
    { backend: 'lmdb', storage: 'fs', runs: [run('lmdb', 'fs', 200_000, 4, [100])] },
  ],
  profile: {
    storage: 'fs',
    checkpoints: 4,
    totalMs: 10_000,
    syncMs: 4_000,
    snapshotKeyGroupsMs: 800,
    encodeKeyGroupsMs: 3_000,
    serializeMs: 3_200,
    uploadMs: 400,
  },
  recovery: [
    {
      backend: 'heap',
      storage: 'fs',
      keys: 1_000,
      payloadBytes: 40,
      checkpointId: 7,
      checkpointSizeBytes: 100_000_000,
      killToStateLoadedMs: 2_500,
      killToFirstRecordMs: 3_200,
    },
  ],
  notes: ['S3 not measured (--no-s3).'],
  commands: ['npm run bench:checkpoint -- --events 1000000'],
};

describe('checkpointSectionMarkdown', () => {
  const md = checkpointSectionMarkdown(results, 'Why: the sync snapshot.\n');
  const rows = md.split('\n');

  it('compares each checkpointed configuration with the same backend and accumulator without checkpoints', () => {
    const record = 'record `{ n, pad }`';
    const heapFs = rows.find((l) => l.startsWith(`| heap | ${record} | filesystem |`));
    // best 950k / best 1M = 95% (met); median CPU 1 / median CPU 1.1 (nearest rank: 1.05) = 95%
    expect(heapFs).toBe(
      `| heap | ${record} | filesystem | 2 × 1,000,000 | 1000 ms | 950,000 | 800,000 | 95% | 1.05 | 95% | 5 | 30 ms | 500 ms | 2.0 MB | met |`,
    );
    // 1.9M against the count's own 2M baseline, not the record's 1M
    const countFs = rows.find((l) => l.startsWith('| heap | count (number) | filesystem |'));
    expect(countFs).toContain('| 1,900,000 | 1,900,000 | 95% | 0.55 | 91% |');
    const lmdbFs = rows.find((l) => l.startsWith(`| lmdb | ${record} | filesystem |`));
    expect(lmdbFs).toContain('| 50% |');
    expect(lmdbFs).toMatch(/\*\*not met\*\* \|$/);
    expect(rows.find((l) => l.startsWith(`| heap | ${record} | no checkpoints |`))).toContain(
      '| 2 × 1,000,000 | — | 1,000,000 |',
    );
  });

  it('reports the profile per checkpoint, recovery, notes, commands and the analysis', () => {
    expect(md).toContain(
      '| synchronous snapshot on the task thread (`triggerCheckpoint`; processing stops meanwhile) | 1,000 ms | 40% |',
    );
    expect(md).toContain('| heap | filesystem | 1,000 | 100.0 MB | 2,500 ms | 3,200 ms |');
    expect(md).toContain('- S3 not measured (--no-s3).');
    expect(md).toContain('npm run bench:checkpoint -- --events 1000000');
    expect(md.trimEnd().endsWith('Why: the sync snapshot.')).toBe(true);
  });

  it('splits the asynchronous heap snapshot when the profile has it', () => {
    const asyncProfile = {
      storage: 'fs',
      checkpoints: 4,
      totalMs: 10_000,
      syncMs: 4,
      asyncSnapshotMs: 2_000,
      readTimersMs: 400,
      encodeKeyGroupsMs: 1_200,
      copyOnWriteMs: 200,
      serializeMs: 300,
      uploadMs: 400,
    };
    const out = checkpointSectionMarkdown({ ...results, profile: asyncProfile }, '').split('\n');
    expect(out).toContain(
      '| synchronous snapshot on the task thread (`triggerCheckpoint`; processing stops meanwhile) | 1 ms | 0% |',
    );
    expect(out.find((l) => l.startsWith('| asynchronous heap snapshot'))).toMatch(/\| 500 ms \| 20% \|$/);
    expect(out).toContain(
      '| — encoding the key groups (`KeyGroupSnapshotEncoder.add`: v8 `writeValue`) | 300 ms | 12% |',
    );
    expect(out).toContain('| copy-on-write while processing (`keepHandedOut`, `keepBeforeWrite`) | 50 ms | 2% |');
    expect(out.some((l) => l.includes('snapshotKeyGroups'))).toBe(false);
  });
});
