import { SluiceError } from '../errors.ts';
import { hashKey, type KeyType } from './key-groups.ts';

/** The namespace of plain keyed state (windows use their own namespaces). */
export const VOID_NAMESPACE = '';

/**
 * The scope of every state access in a keyed backend: the current key, its key group and the
 * current namespace. The heap and LMDB backends extend it; `beforeKeyChange` is their hook at
 * the safe point where the runtime moves to another key (the LMDB backend evicts its cache there).
 *
 * @example
 * ```ts
 * backend.setCurrentKey('alice');         // key group computed once per key change
 * backend.setCurrentNamespace('0:60000'); // a window's state
 * backend.getCurrentKeyGroup();           // throws STATE_OUTSIDE_KEYED_CONTEXT before any key
 * ```
 */
export abstract class KeyedStateScope {
  readonly maxParallelism: number;
  protected currentKey: KeyType | undefined;
  protected currentGroup = -1;
  protected namespace: string = VOID_NAMESPACE;

  protected constructor(maxParallelism: number) {
    this.maxParallelism = maxParallelism;
  }

  /** Called before every change of the current key. */
  protected beforeKeyChange(): void {}

  /** Scopes state access to `key` (computes its key group once). */
  setCurrentKey(key: KeyType): void {
    this.beforeKeyChange();
    if (key !== this.currentKey) {
      this.currentKey = key;
      this.currentGroup = hashKey(key) % this.maxParallelism;
    }
  }

  /** Scopes state access to a key whose key group is already known (timers, restores). */
  setCurrentKeyAndGroup(key: KeyType, keyGroup: number): void {
    this.beforeKeyChange();
    this.currentKey = key;
    this.currentGroup = keyGroup;
  }

  getCurrentKey(): KeyType {
    if (this.currentKey === undefined) {
      throw new SluiceError(
        'STATE_OUTSIDE_KEYED_CONTEXT',
        'Keyed state was used outside of a keyed context (no current key). Use state only inside ' +
          'processElement/onTimer of a function applied to a KeyedStream (after keyBy).',
      );
    }
    return this.currentKey;
  }

  getCurrentKeyGroup(): number {
    this.getCurrentKey();
    return this.currentGroup;
  }

  /** Sets the namespace (e.g. the window) for subsequent accesses; '' is plain keyed state. */
  setCurrentNamespace(namespace: string): void {
    this.namespace = namespace;
  }

  getCurrentNamespace(): string {
    return this.namespace;
  }
}
