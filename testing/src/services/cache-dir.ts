import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the harness keeps what survives between runs (resolved Maven classpaths):
 * `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`, else `~/.cache/sluice`.
 *
 * @example
 * ```ts
 * const file = join(sluiceCacheDir(), 'classpath', 'kafka-0a1b2c.txt');
 * ```
 */
export function sluiceCacheDir(): string {
  const explicit = process.env['SLUICE_CACHE_DIR'];
  if (explicit) return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'sluice');
}
