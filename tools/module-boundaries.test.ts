import { ESLint } from 'eslint';
import { createProjectGraphAsync } from 'nx/src/devkit-exports.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { depConstraints } from '../eslint.config.js';

// The Nx rule silently skips itself when no project graph is cached, so compute it first:
// these tests then fail if the boundaries are not enforced.
const eslint = new ESLint({ cwd: process.cwd() });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (DESIGN.md §1)', () => {
  beforeAll(async () => {
    await createProjectGraphAsync({ exitOnError: false });
  }, 120_000);

  it('rejects core importing another Sluice package', async () => {
    const errors = await boundaryErrors(
      'core/src/bad-import.ts',
      "import { startKafka } from '@sluice/testing';\nexport const x = startKafka;\n",
    );
    // testing already depends on core, so Nx reports the cycle; a package without that edge gets the tag message.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/type:core|Circular dependency/);
  });

  it('accepts testing importing core', async () => {
    const errors = await boundaryErrors(
      'testing/src/ok-import.ts',
      "import { VERSION } from '@sluice/core';\nexport const x = VERSION;\n",
    );
    expect(errors).toEqual([]);
  });

  it('lets core depend on no other tag, and nothing depend on deploy', () => {
    const core = depConstraints.find((c) => c.sourceTag === 'type:core');
    expect(core?.onlyDependOnLibsWithTags).toEqual(['type:core']);
    for (const c of depConstraints) {
      if (c.sourceTag !== 'type:deploy') expect(c.onlyDependOnLibsWithTags).not.toContain('type:deploy');
      if (c.sourceTag !== 'type:service') expect(c.onlyDependOnLibsWithTags).not.toContain('type:service');
    }
  });
});
