import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name no other test, worker or run will pick: `<prefix>-<pid>-<counter>-<random>`, made of
 * lowercase letters, digits and `separator`, at most `maxLength` characters.
 *
 * @example
 * ```ts
 * uniqueName('orders'); // "orders-4711-1-9f3a2c1b"
 * uniqueName('Sluice DB', { separator: '_' }); // "sluice_db_4711_2_0c4e9a77"
 * ```
 */
export function uniqueName(prefix: string, options: { separator?: string; maxLength?: number } = {}): string {
  const separator = options.separator ?? '-';
  const maxLength = options.maxLength ?? 200;
  counter += 1;
  const suffix = [process.pid, counter, randomBytes(4).toString('hex')].join(separator);
  const cleanPrefix = prefix
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part.length > 0)
    .join(separator);
  const room = Math.max(0, maxLength - suffix.length - separator.length);
  let head = cleanPrefix.slice(0, room);
  while (head.endsWith(separator)) head = head.slice(0, -separator.length);
  return head ? `${head}${separator}${suffix}` : suffix;
}
