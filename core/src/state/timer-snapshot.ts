import { SluiceError } from '../errors.ts';
import type { KeyType } from './key-groups.ts';
import type { KeyGroupSnapshot, TimerEntriesSnapshot, TimerServiceSnapshot } from './snapshot-format.ts';
import type { InternalTimerService, TimerCursor, TimerDomain } from './timer-service.ts';

/** What a snapshot needs of a timer service (any namespace type). */
export interface SnapshotableTimers {
  forEachTimer(
    domain: TimerDomain,
    visit: (timestamp: number, namespaceId: string, key: KeyType, keyGroup: number) => void,
  ): void;
  /**
   * Optional: the timers of `domain` as of now, read later in slices while the service keeps
   * changing (asynchronous snapshots); without it they are read at once with {@link forEachTimer}.
   */
  captureTimers?(domain: TimerDomain): TimerCursor;
}

interface TimerColumns {
  keys: KeyType[];
  namespaces: string[];
  timestamps: number[];
}

/**
 * The timers of `services` (name → service) per key group, for the key groups `wanted` accepts.
 * One pass over each service's timers: O(timers).
 */
export function collectTimers(
  services: Readonly<Record<string, SnapshotableTimers>>,
  wanted: (keyGroup: number) => boolean,
): Map<number, TimerServiceSnapshot[]> {
  const byGroup = new Map<number, TimerServiceSnapshot[]>();
  for (const [name, service] of Object.entries(services)) {
    const perGroup = new Map<number, { eventTime: TimerColumns; processingTime: TimerColumns }>();
    for (const domain of ['event-time', 'processing-time'] as const) {
      service.forEachTimer(domain, (timestamp, namespaceId, key, keyGroup) => {
        if (!wanted(keyGroup)) return;
        let entry = perGroup.get(keyGroup);
        if (entry === undefined) {
          entry = { eventTime: columns(), processingTime: columns() };
          perGroup.set(keyGroup, entry);
        }
        const target = domain === 'event-time' ? entry.eventTime : entry.processingTime;
        target.keys.push(key);
        target.namespaces.push(namespaceId);
        target.timestamps.push(timestamp);
      });
    }
    for (const [keyGroup, entry] of perGroup) {
      let list = byGroup.get(keyGroup);
      if (list === undefined) {
        list = [];
        byGroup.set(keyGroup, list);
      }
      list.push({ name, ...entry });
    }
  }
  return byGroup;
}

function columns(): TimerColumns {
  return { keys: [], namespaces: [], timestamps: [] };
}

/**
 * Restores the timers that the timer service `name` had in `snapshots` into `service`, for the
 * key groups of the service's range (others are ignored, so the union of all old subtasks'
 * snapshots can be given to every new subtask). Namespaces are rebuilt from their ids by
 * `namespaceFromId` (once per distinct id); processing-time timers are re-armed with the
 * service's scheduler and fire when the clock reaches them (at once if already past).
 * Returns the number of timers restored.
 *
 * @example
 * ```ts
 * const timers = new InternalTimerService<TimeWindow>(backend, scheduler, operator, (w) => w.id);
 * restoreTimers(timers, 'window-timers', snapshots, TimeWindow.fromId);
 * ```
 */
export function restoreTimers<N>(
  service: InternalTimerService<N>,
  name: string,
  snapshots: readonly KeyGroupSnapshot[],
  namespaceFromId: (id: string) => N,
): number {
  const { start, end } = service.keyGroupRange;
  const namespaces = new Map<string, N>();
  const namespaceOf = (id: string): N => {
    let namespace = namespaces.get(id);
    if (namespace === undefined) {
      namespace = namespaceFromId(id);
      if (service.namespaceIdOf(namespace) !== id) {
        throw new SluiceError(
          'SNAPSHOT_INCOMPATIBLE',
          `Timer namespace '${id}' was restored as a namespace whose id is '${service.namespaceIdOf(namespace)}'; ` +
            `namespaceFromId must invert the service's namespace id function.`,
        );
      }
      namespaces.set(id, namespace);
    }
    return namespace;
  };
  let restored = 0;
  for (const snapshot of snapshots) {
    const keyGroup = snapshot.keyGroup;
    if (keyGroup < start || keyGroup > end) continue;
    for (const timers of snapshot.timers) {
      if (timers.name !== name) continue;
      restored += restoreDomain(service, 'event-time', timers.eventTime, keyGroup, namespaceOf);
      restored += restoreDomain(service, 'processing-time', timers.processingTime, keyGroup, namespaceOf);
    }
  }
  service.rearmProcessingTimeTimers();
  return restored;
}

function restoreDomain<N>(
  service: InternalTimerService<N>,
  domain: TimerDomain,
  timers: TimerEntriesSnapshot,
  keyGroup: number,
  namespaceOf: (id: string) => N,
): number {
  const { keys, namespaces, timestamps } = timers;
  for (let i = 0; i < keys.length; i++) {
    service.restoreTimer(
      domain,
      timestamps[i] as number,
      namespaceOf(namespaces[i] as string),
      keys[i] as KeyType,
      keyGroup,
    );
  }
  return keys.length;
}
