import type { KeyType } from './key-groups.ts';
import { VOID_NAMESPACE } from './keyed-state-scope.ts';

/**
 * The key → value Map of one (key group, namespace) in a table laid out namespace-first, created
 * when missing: plain keyed state (namespace '') is `plain[index]`, any other namespace is
 * `namespaced[index].get(namespace)`. `index` is the key group's offset in the table's range.
 *
 * @example
 * ```ts
 * const plain: (Map<KeyType, number> | undefined)[] = new Array(4);
 * const namespaced: (Map<string, Map<KeyType, number>> | undefined)[] = new Array(4);
 * mapOfNamespace(plain, namespaced, 2, '0:1000').set('alice', 1); // creates both Maps
 * ```
 */
export function mapOfNamespace<V>(
  plain: (Map<KeyType, V> | undefined)[],
  namespaced: (Map<string, Map<KeyType, V>> | undefined)[],
  index: number,
  namespace: string,
): Map<KeyType, V> {
  if (namespace === VOID_NAMESPACE) {
    let map = plain[index];
    if (map === undefined) {
      map = new Map();
      plain[index] = map;
    }
    return map;
  }
  return keyMapOf(namespaced, index, namespace);
}

/**
 * The key → value Map of `namespace` in `byGroup[index]` (namespace → key → value), created when
 * missing: {@link mapOfNamespace} for namespaces other than '', and any per-group log kept the
 * same way.
 *
 * @example
 * ```ts
 * const logs: (Map<string, Map<KeyType, unknown>> | undefined)[] = new Array(4);
 * keyMapOf(logs, 0, '').set('alice', 'before');
 * ```
 */
export function keyMapOf<V>(
  byGroup: (Map<string, Map<KeyType, V>> | undefined)[],
  index: number,
  namespace: string,
): Map<KeyType, V> {
  let byNamespace = byGroup[index];
  if (byNamespace === undefined) {
    byNamespace = new Map();
    byGroup[index] = byNamespace;
  }
  let map = byNamespace.get(namespace);
  if (map === undefined) {
    map = new Map();
    byNamespace.set(namespace, map);
  }
  return map;
}
