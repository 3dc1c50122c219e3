import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SluiceTestingError } from '../errors.ts';
import { resolveMavenClasspath } from './maven.ts';

const scratchDirs: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake `mvn` on the PATH that counts its runs and writes a one-jar classpath. */
function fakeMaven(jar: string): { dir: string; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fake-mvn-'));
  scratchDirs.push(dir);
  const counter = join(dir, 'runs');
  writeFileSync(counter, '');
  writeFileSync(
    join(dir, 'mvn'),
    `#!/bin/sh
[ "$1" = "-v" ] && exit 0
echo run >> "${counter}"
for arg in "$@"; do case "$arg" in -Dmdep.outputFile=*) printf '%s' "${jar}" > "\${arg#-Dmdep.outputFile=}";; esac; done
`,
  );
  chmodSync(join(dir, 'mvn'), 0o755);
  return { dir, runs: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length };
}

describe('resolveMavenClasspath', () => {
  it('runs Maven once per pom content, then reads the cached classpath', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sluice-maven-test-'));
    scratchDirs.push(work);
    const jar = join(work, 'fake.jar');
    writeFileSync(jar, '');
    const pomFile = join(work, 'pom.xml');
    writeFileSync(pomFile, '<project>v1</project>');
    const maven = fakeMaven(jar);
    vi.stubEnv('PATH', `${maven.dir}${delimiter}${process.env['PATH']}`);
    const options = { name: 'fake', pomFile, cacheDir: join(work, 'cache') };

    expect(await resolveMavenClasspath(options)).toEqual([jar]);
    expect(await resolveMavenClasspath(options)).toEqual([jar]);
    expect(maven.runs()).toBe(1);

    writeFileSync(pomFile, '<project>v2</project>');
    expect(await resolveMavenClasspath(options)).toEqual([jar]);
    expect(maven.runs()).toBe(2);
  });

  it('names Maven as what is missing', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sluice-maven-test-'));
    scratchDirs.push(work);
    const pomFile = join(work, 'pom.xml');
    writeFileSync(pomFile, '<project/>');
    vi.stubEnv('PATH', work);
    const error = await resolveMavenClasspath({ name: 'fake', pomFile, cacheDir: join(work, 'cache') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SluiceTestingError);
    expect(error).toMatchObject({ code: 'MAVEN_NOT_FOUND', domain: 'user' });
    expect((error as Error).message).toMatch(/Install Maven/);
  });
});
