import { uniqueName } from '@sluice/testing';
import { describe, expect, it } from 'vitest';

describe('uniqueName', () => {
  it('never repeats and keeps a readable prefix', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('Orders Topic')));
    expect(names.size).toBe(1000);
    for (const name of names) expect(name).toMatch(new RegExp(`^orders-topic-${process.pid}-\\d+-[0-9a-f]{8}$`));
  });

  it('fits length limits such as S3 bucket names (63) and PostgreSQL identifiers', () => {
    const bucket = uniqueName('a'.repeat(100), { maxLength: 63 });
    expect(bucket.length).toBeLessThanOrEqual(63);
    expect(bucket).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    expect(uniqueName('sluice test', { separator: '_' })).toMatch(/^sluice_test_\d+_\d+_[0-9a-f]{8}$/);
  });
});
